"""退回修改 naming the materials to upload again (需重新上传): stored with the return, refused on
an approval or a rejection, asked for through the API and the staff page, marked on the worker's
correction page, and required when the worker resubmits; a later return without them clears them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rewards.applications.models import Application
from rewards.applications.selectors import requested_again
from rewards.core.errors import InvalidInput
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.review.services import review_decide
from tests.api.helpers import applicant_token, bearer, materials, staff_token

from ._worker import form_for, jpeg, submitted_with_password, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

ASKED = "审核人员要求重新上传这份材料。"


def photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.jpg", jpeg((20, 90, 160)), content_type="image/jpeg")


def returned(reviewer, application: Application, materials=None, opinion: str = "银行卡照片不清晰，请重新上传") -> Application:  # type: ignore[no-untyped-def]
    return review_decide(user=reviewer, application_no=application.application_no, decision="return", opinion=opinion, materials=materials)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(user)
    return staff


# The service --------------------------------------------------------------------------------------


def test_a_return_stores_its_materials_in_the_forms_order_and_audits_them(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    returned(xihu_reviewer, application, ["bank_card", "id_card", "bank_card"])
    event = application.events.get(decision="return")
    assert event.materials == ["id_card", "bank_card"]  # duplicates dropped, the form's order
    assert requested_again(Application.objects.get(pk=application.pk)) == ["id_card", "bank_card"]
    entry = AuditEvent.objects.get(action="review.return", object_id=str(application.pk))
    assert entry.detail["materials"] == ["id_card", "bank_card"]


def test_a_return_without_materials_stores_none_and_other_steps_hold_null(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    returned(xihu_reviewer, application)
    assert application.events.get(decision="return").materials == []
    assert application.events.get(stage="submitted").materials is None
    assert AuditEvent.objects.get(action="review.return", object_id=str(application.pk)).detail["materials"] == []


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_materials_with_an_approval_or_a_rejection_are_refused_and_nothing_is_decided(client, today, member, xihu_reviewer, decision):
    application, _ = submitted_with_password(client, member)
    with pytest.raises(InvalidInput) as refused:
        review_decide(
            user=xihu_reviewer, application_no=application.application_no, decision=decision, opinion="不符合", materials=["bank_card"]
        )
    assert refused.value.fields["materials"] == ["只有退回修改时才能要求重新上传材料；通过或不予奖励时请不要勾选。"]
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT and not application.events.filter(decision__gt="").exists()
    # An empty list is no request at all: the same approval goes through.
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve", materials=[])
    assert Application.objects.get(pk=application.pk).status == Status.PENDING_CITY
    assert not AuditEvent.objects.filter(action="review.approve", detail__has_key="materials").exists()


# The API ------------------------------------------------------------------------------------------


def test_the_api_takes_materials_and_refuses_unknown_kinds_with_a_chinese_field_error(api, client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    token = staff_token(api, xihu_reviewer)
    url = f"/api/v1/review/applications/{application.application_no}/decision"

    def post(body):  # type: ignore[no-untyped-def]
        return api.post(url, body, content_type="application/json", **bearer(token))

    response = post({"decision": "return", "opinion": "看不清", "materials": ["bank_card", "passport"]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["materials"] == [
        "未知的材料：passport；可选值：id_card（身份证）、certificate（技能等级证书）、bank_card（银行卡）。"
    ]
    response = post({"decision": "return", "opinion": "看不清", "materials": "bank_card"})  # not a list
    assert response.status_code == 400 and "materials" in response.json()["error"]["fields"]
    response = post({"decision": "approve", "materials": ["bank_card"]})
    assert response.status_code == 400 and "只有退回修改时" in response.json()["error"]["fields"]["materials"][0]
    assert Application.objects.get(pk=application.pk).status == Status.PENDING_DISTRICT
    response = post({"decision": "return", "opinion": "银行卡照片不清晰，请重新上传", "materials": ["bank_card"]})
    assert response.status_code == 200 and response.json() == {"status": "returned"}
    assert application.events.get(decision="return").materials == ["bank_card"]


# The staff page -----------------------------------------------------------------------------------


def test_the_staff_page_offers_the_checkboxes_and_keeps_them_when_refused(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    staff = signed_in(xihu_reviewer)
    url = f"/staff/applications/{application.application_no}"
    page = staff.get(url).content.decode()
    assert "需重新上传" in page and page.count('type="checkbox" name="materials"') == 3
    assert all(f'value="{kind}"' in page for kind in ("id_card", "certificate", "bank_card"))
    # 通过 with a box ticked: refused, said in Chinese, the boxes and the opinion kept.
    response = staff.post(f"{url}/decision", {"decision": "approve", "opinion": "好", "materials": ["certificate"]}, follow=True)
    assert response.redirect_chain == [(f"{url}#decision", 302)]
    assert "只有退回修改时才能要求重新上传材料" in response.content.decode()
    assert 'value="certificate" checked' in response.content.decode() and 'value="bank_card" checked' not in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.PENDING_DISTRICT
    response = staff.post(
        f"{url}/decision", {"decision": "return", "opinion": "证书和银行卡都看不清", "materials": ["certificate", "bank_card"]}, follow=True
    )
    assert "已退回修改。该申请现为" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.RETURNED
    assert application.events.get(decision="return").materials == ["certificate", "bank_card"]
    assert "需重新上传：技能等级证书、银行卡" in staff.get(url).content.decode()  # in the history


# The worker's correction page ---------------------------------------------------------------------


def test_the_worker_page_marks_the_named_material_and_refuses_a_resubmission_without_it(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    returned(xihu_reviewer, application, ["bank_card"])
    url = f"/worker/applications/{application.application_no}/edit"
    page = text(client.get(url))
    assert page.count(f">{ASKED}<") == 1 and "审核人员要求重新上传这份材料，原来的不再使用。" in page  # the field and its card
    field = page.split('id="field-bank_card_file"')[1].split('id="field-')[0]
    assert ASKED in field and 'data-missing="审核人员要求重新上传这份材料。"' in field and "required" in field
    assert 'data-empty="未重新选择：保留原来上传的材料"' not in field
    other = page.split('id="field-id_card_file"')[1].split('id="field-')[0]
    assert ASKED not in other and 'data-empty="未重新选择：保留原来上传的材料"' in other  # still optional

    # Without the bank card photo (a new ID photo does not stand in for it): refused on that field,
    # what was typed kept, nothing stored.
    response = client.post(url, {**form_for(member, bank_card_no="", phone="", employer="杭州新单位有限公司"), "id_card_file": photo("id")})
    body = text(response)
    assert response.status_code == 400
    assert ASKED in body.split('id="field-bank_card_file"')[1].split('id="field-')[0].split("w-error")[1]
    assert 'value="杭州新单位有限公司"' in body
    application.refresh_from_db()
    assert application.status == Status.RETURNED and application.attachments.count() == 3

    # With it: resubmitted; the new photo is the current one.
    response = client.post(url, {**form_for(member, bank_card_no="", phone=""), "bank_card_file": photo("bank")})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT and application.attachments.filter(kind="bank_card").count() == 2
    assert requested_again(application) == []  # no longer returned


def test_the_api_resubmission_is_held_to_the_same_rule(api, client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    returned(xihu_reviewer, application, ["id_card", "certificate"])
    worker = applicant_token(api, member)
    url = f"/api/v1/applications/{application.application_no}/resubmit"
    response = api.post(url, {"id_card_file": materials()["id_card_file"]}, **bearer(worker))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"certificate_file": [ASKED]}
    files = materials()
    response = api.post(url, {"id_card_file": files["id_card_file"], "certificate_file": files["certificate_file"]}, **bearer(worker))
    assert response.status_code == 200, response.content


def test_a_later_return_without_materials_clears_the_marks(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/edit"
    returned(xihu_reviewer, application, ["bank_card"])
    assert client.post(url, {**form_for(member, bank_card_no="", phone=""), "bank_card_file": photo("bank")}).status_code == 302
    returned(xihu_reviewer, application, opinion="工作单位名称不全")
    page = text(client.get(url))
    assert ASKED not in page and "审核人员要求重新上传这份材料" not in page
    assert page.count('data-empty="未重新选择：保留原来上传的材料"') == 3
    # Resubmitted without any new file.
    assert client.post(url, form_for(member, bank_card_no="", phone="")).status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.PENDING_DISTRICT


def returned_batch_row(clerk, workers, grassroots_clerk, opinion: str, kind: str) -> Application:  # type: ignore[no-untyped-def]
    """A row the clerk entered by hand, returned by the grassroots 初审 asking for ``kind`` again."""
    from .test_batch_pages import paper_form

    clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    application = Application.objects.get()
    return review_decide(
        user=grassroots_clerk, application_no=application.application_no, decision="return", opinion=opinion, materials=[kind]
    )


def test_a_returned_batch_row_is_marked_and_held_to_the_rule_on_the_clerks_page(clerk, workers, grassroots_clerk):
    from .test_batch_pages import paper_form

    application = returned_batch_row(clerk, workers, grassroots_clerk, "身份证复印件不清楚", "id_card")
    detail = clerk.get(f"/staff/applications/{application.application_no}").content.decode()
    assert detail.count(f">{ASKED}<") == 1 and "需重新上传：身份证" in detail
    form = {key: value for key, value in paper_form(workers[0]).items() if key != "id_number"}
    response = clerk.post(f"/staff/applications/{application.application_no}/resubmit", form, follow=True)
    assert response.redirect_chain == [(f"/staff/applications/{application.application_no}#resubmit", 302)]
    assert f'<p class="w-error">{ASKED}</p>' in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.RETURNED
    response = clerk.post(f"/staff/applications/{application.application_no}/resubmit", {**form, "id_card_file": photo("id")})
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.PENDING_DISTRICT


def test_the_clerks_form_does_not_promise_to_keep_a_material_asked_again(clerk, workers, grassroots_clerk):
    """A material the return asked for again says it must be chosen again, not 保留原来的材料;
    the box above the form names it beside the opinion, and the heading drops 可不上传."""
    application = returned_batch_row(clerk, workers, grassroots_clerk, "银行卡照片不清晰", "bank_card")
    detail = clerk.get(f"/staff/applications/{application.application_no}").content.decode()
    resubmit = detail[detail.index('id="resubmit"') : detail.index("</section>", detail.index('id="resubmit"'))]
    assert "<strong>需重新上传：</strong>银行卡" in resubmit
    assert resubmit.count("不重新选择的，保留原来的材料。") == 2  # the ID card and the certificate
    bank = resubmit[resubmit.index('id="field-bank_card_file"') :]
    bank = bank[: bank.index('id="field-', 1)] if 'id="field-' in bank[1:] else bank
    assert "须重新选择文件：原来的材料不再使用。" in bank and "保留原来的材料" not in bank
    assert "材料扫描件（可不上传）" not in resubmit and "<legend>材料扫描件</legend>" in resubmit


def test_a_return_naming_no_material_keeps_every_one(clerk, workers, grassroots_clerk):
    from .test_batch_pages import paper_form

    clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    application = Application.objects.get()
    review_decide(user=grassroots_clerk, application_no=application.application_no, decision="return", opinion="学历填写有误")
    detail = clerk.get(f"/staff/applications/{application.application_no}").content.decode()
    resubmit = detail[detail.index('id="resubmit"') : detail.index("</section>", detail.index('id="resubmit"'))]
    assert resubmit.count("不重新选择的，保留原来的材料。") == 3
    assert "需重新上传" not in resubmit and "材料扫描件（可不上传）" in resubmit
