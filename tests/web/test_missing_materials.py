"""A material whose record is there and whose file is not (lost in a move or a partial restore):
said as such on every page and answer that opens it, instead of a server error; logged for the
operators; and asked for again when the worker corrects or resubmits. Also what the worker's
status shows of the materials a return asked for again (需重新上传)."""

from __future__ import annotations

import logging

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.test import Client

from rewards.applications.models import Application, Attachment
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from tests.api.helpers import applicant_token, bearer, materials, staff_token

from ._worker import form_for, submitted_with_password, text
from .test_return_materials import photo, returned, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

LOST = "原来上传的这份材料在系统中找不到了，请重新上传。"


def lose(application: Application, kind: str) -> Attachment:
    """Deletes the stored file of the application's current material of ``kind``, record kept."""
    item = application.attachments.get(kind=kind, current=True)
    default_storage.delete(item.storage_name)
    assert not default_storage.exists(item.storage_name)
    return item


def viewed(application: Application) -> int:
    return AuditEvent.objects.filter(action="application.view_attachment", object_id=str(application.pk)).count()


# Staff: the detail page, the material's address, the API -------------------------------------------


def test_the_detail_page_marks_a_lost_file_and_does_not_link_it(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    item = lose(application, "bank_card")
    page = signed_in(xihu_reviewer).get(f"/staff/applications/{application.application_no}").content.decode()
    assert page.count("data-viewer-item") == 2  # the two files still there open in the viewer
    assert f"/attachments/{item.pk}" not in page
    assert "服务器上找不到这份材料的文件" in page and 'class="material missing"' in page


def test_the_staff_address_of_a_lost_file_answers_a_chinese_404_page_logged_and_not_audited(client, today, member, xihu_reviewer, caplog):
    application, _ = submitted_with_password(client, member)
    item = lose(application, "id_card")
    staff = signed_in(xihu_reviewer)
    with caplog.at_level(logging.ERROR, logger="rewards.applications.serving"):
        response = staff.get(f"/staff/applications/{application.application_no}/attachments/{item.pk}")
    assert response.status_code == 404
    body = response.content.decode()
    assert "材料文件缺失" in body and "这份材料的文件在服务器上找不到" in body and application.application_no in body
    assert any(str(item.pk) in record.getMessage() and item.storage_name in record.getMessage() for record in caplog.records)
    assert viewed(application) == 0  # nothing was shown
    # The other materials still open, and are audited.
    other = application.attachments.get(kind="bank_card", current=True)
    assert staff.get(f"/staff/applications/{application.application_no}/attachments/{other.pk}").status_code == 200
    assert viewed(application) == 1


def test_the_review_api_says_material_missing_and_lists_the_file_state(api, client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    item = lose(application, "certificate")
    token = staff_token(api, xihu_reviewer)
    detail = api.get(f"/api/v1/review/applications/{application.application_no}", **bearer(token)).json()
    states = {row["kind"]: row["file_state"] for row in detail["attachments"]}
    assert states == {"id_card": "available", "certificate": "missing", "bank_card": "available"}
    response = api.get(f"/api/v1/review/applications/{application.application_no}/attachments/{item.pk}", **bearer(token))
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "material_missing" and "从备份找回" in error["message"]
    assert viewed(application) == 0


# The worker: the edit page, the correction, the API ------------------------------------------------


def test_the_worker_is_told_to_upload_a_lost_file_again_and_cannot_correct_without_it(client, today, member):
    application, _ = submitted_with_password(client, member)  # pending, no decision yet: correctable
    item = lose(application, "bank_card")
    url = f"/worker/applications/{application.application_no}/edit"
    page = text(client.get(url))
    assert "原来上传的银行卡材料在系统中找不到了，请重新选择文件上传" in page
    assert f"/materials/{item.pk}" not in page  # no thumbnail that cannot load
    field = page.split('id="field-bank_card_file"')[1].split('id="field-')[0]
    assert f'data-missing="{LOST}"' in field and "required" in field and f">{LOST}<" in field
    assert 'data-empty="未重新选择：保留原来上传的材料"' not in field  # nothing kept: it is gone
    other = page.split('id="field-id_card_file"')[1].split('id="field-')[0]
    assert LOST not in other and 'data-empty="未重新选择：保留原来上传的材料"' in other
    assert client.get(f"/worker/applications/{application.application_no}/materials/{item.pk}").status_code == 404

    response = client.post(url, form_for(member, bank_card_no="", phone="", employer="杭州新单位有限公司"))
    assert response.status_code == 400
    field = text(response).split('id="field-bank_card_file"')[1].split('id="field-')[0]
    assert LOST in field
    assert Application.objects.get(pk=application.pk).events.filter(stage="corrected").count() == 0

    response = client.post(url, {**form_for(member, bank_card_no="", phone=""), "bank_card_file": photo("bank")})
    assert response.status_code == 302
    current = application.attachments.get(kind="bank_card", current=True)
    assert current.pk != item.pk and default_storage.exists(current.storage_name)


def test_the_api_resubmission_asks_for_a_lost_file_beside_the_named_ones(api, client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    returned(xihu_reviewer, application, ["id_card"])
    lose(application, "certificate")
    worker = applicant_token(api, member)
    url = f"/api/v1/applications/{application.application_no}/resubmit"
    response = api.post(url, {"id_card_file": materials()["id_card_file"]}, **bearer(worker))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"certificate_file": [LOST]}
    files = materials()
    response = api.post(url, {"id_card_file": files["id_card_file"], "certificate_file": files["certificate_file"]}, **bearer(worker))
    assert response.status_code == 200, response.content
    assert Application.objects.get(pk=application.pk).status == Status.PENDING_DISTRICT


# What the worker's status shows of a return's materials ---------------------------------------------


def test_the_status_names_the_materials_the_latest_return_asked_for(api, client, today, member, xihu_reviewer):
    application, password = submitted_with_password(client, member)
    returned(xihu_reviewer, application, ["certificate", "bank_card"])
    query = {"id_number": member.id_number, "query_password": password}
    status = api.post("/api/v1/applications/query", query, content_type="application/json").json()
    assert status["status"] == "returned" and status["materials_again"] == ["certificate", "bank_card"]
    assert "并重新上传技能等级证书、银行卡后" in status["next_step"] and "（含当日）" in status["next_step"]
    ret = [row for row in status["history"] if row["decision"] == "退回修改"]
    assert ret[0]["materials"] == ["certificate", "bank_card"] and ret[0]["materials_label"] == "技能等级证书、银行卡"
    submitted_row = next(row for row in status["history"] if row["stage"] == "提交申请")
    assert submitted_row["materials"] == [] and submitted_row["materials_label"] == ""
    # The signed-in list and the worker's page say the same.
    mine = api.get("/api/v1/applicant/applications", **bearer(applicant_token(api, member))).json()
    assert mine[0]["materials_again"] == ["certificate", "bank_card"] and mine[0]["next_step"] == status["next_step"]
    page = text(client.get("/worker/mine"))
    assert "需重新上传：技能等级证书、银行卡" in page and "并重新上传技能等级证书、银行卡后" in page


def test_a_return_without_materials_and_a_resubmitted_application_ask_for_none(api, client, today, member, xihu_reviewer):
    application, password = submitted_with_password(client, member)
    returned(xihu_reviewer, application)
    query = {"id_number": member.id_number, "query_password": password}
    status = api.post("/api/v1/applications/query", query, content_type="application/json").json()
    assert status["materials_again"] == [] and "重新上传" not in status["next_step"]
    # Resubmitted, returned again naming the bank card, then resubmitted with it.
    url = f"/worker/applications/{application.application_no}/edit"
    assert client.post(url, form_for(member, bank_card_no="", phone="")).status_code == 302
    returned(xihu_reviewer, application, ["bank_card"], opinion="银行卡看不清")
    assert api.post("/api/v1/applications/query", query, content_type="application/json").json()["materials_again"] == ["bank_card"]
    assert client.post(url, {**form_for(member, bank_card_no="", phone=""), "bank_card_file": photo("bank")}).status_code == 302
    status = api.post("/api/v1/applications/query", query, content_type="application/json").json()
    assert status["status"] == "pending_district" and status["materials_again"] == []
    # The history keeps what the return asked for.
    assert [row["materials_label"] for row in status["history"] if row["decision"] == "退回修改"] == ["", "银行卡"]


def test_the_query_page_shows_the_return_materials(client, today, member, xihu_reviewer):
    application, password = submitted_with_password(client, member)
    returned(xihu_reviewer, application, ["id_card"])
    public = Client(HTTP_HOST="127.0.0.1")
    response = public.post("/worker/status", {"id_number": member.id_number, "query_password": password})
    body = text(response)
    assert response.status_code == 200 and "需重新上传：身份证" in body and "并重新上传身份证后" in body


def test_a_file_that_cannot_be_read_is_a_503_said_in_chinese_not_a_500(api, client, today, member, xihu_reviewer, monkeypatch):
    application, _ = submitted_with_password(client, member)
    item = application.attachments.get(kind="bank_card", current=True)
    real_open = FileSystemStorage.open

    def refusing(storage, name, mode="rb"):  # type: ignore[no-untyped-def]
        if name == item.storage_name:
            raise PermissionError(13, "Permission denied")
        return real_open(storage, name, mode)

    monkeypatch.setattr(FileSystemStorage, "open", refusing)
    page = signed_in(xihu_reviewer).get(f"/staff/applications/{application.application_no}/attachments/{item.pk}")
    assert page.status_code == 503 and "暂时无法读取" in page.content.decode()
    response = api.get(
        f"/api/v1/review/applications/{application.application_no}/attachments/{item.pk}", **bearer(staff_token(api, xihu_reviewer))
    )
    assert response.status_code == 503 and response.json()["error"]["code"] == "material_unreadable"
    assert viewed(application) == 0


def test_after_a_failed_payment_a_lost_card_photo_is_asked_for_with_the_card_not_demanded(client, today, member):
    application, _ = submitted_with_password(client, member)
    Application.objects.filter(pk=application.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    lose(application, "bank_card")
    page = text(client.get(f"/worker/applications/{application.application_no}/edit"))
    assert "原来上传的银行卡材料在系统中找不到了，更正银行卡时请一并上传新银行卡的照片。" in page
    assert LOST not in page  # the card fix takes no file as required
