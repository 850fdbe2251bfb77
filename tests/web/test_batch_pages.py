"""单位统一申报 pages with the Django test client: the template, an upload previewed before
anything is saved, saving exactly the valid rows, the refused rows as an xlsx, an idempotent
re-import, the background task with its progress, scope, the paper Annex 3 entry by a clerk and
by a district, and the clerk's correction of a returned batch application."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from rewards.applications.models import Application
from rewards.applications.selectors import applicant_applications
from rewards.batches.imports import import_run
from rewards.batches.models import BatchImport, ImportStatus
from rewards.batches.sheet import COLUMNS
from rewards.core.models import AuditEvent
from rewards.core.vocab import Channel, Status
from rewards.notifications.models import SmsMessage
from rewards.review.services import review_decide
from tests import factories
from tests.batches.sheets import materials_zip, row_for, sheet

from .conftest import EMPLOYER

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def wrong_check_digit(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


def mixed_rows(workers) -> list[dict]:  # type: ignore[no-untyped-def]
    """Rows 5–7 good, row 8 a wrong check digit, row 9 a card failing Luhn."""
    good = [row_for(worker, seq=str(index)) for index, worker in enumerate(workers[:3], start=1)]
    bad_id = row_for(workers[3], seq="4", id_number=wrong_check_digit(workers[3].id_number))
    bad_card = row_for(workers[4], seq="5", bank_card_no="6222021234567890123")
    return [*good, bad_id, bad_card]


def upload(client: Client, content: bytes, zip_content: bytes | None = None, **extra):  # type: ignore[no-untyped-def]
    body = {"file": SimpleUploadedFile("汇总表.xlsx", content), **extra}
    if zip_content is not None:
        body["attachments"] = SimpleUploadedFile("材料.zip", zip_content)
    return client.post("/staff/batch/", body)


def latest_import() -> BatchImport:
    return BatchImport.objects.order_by("-pk").first()  # type: ignore[return-value]


# --- the template and the upload page ------------------------------------------------------------


def test_the_template_is_an_xlsx_with_chinese_headers_and_the_clerks_union(clerk, campaign):
    response = clerk.get("/staff/batch/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = workbook.active
    assert ws["A2"].value == "填报单位：杭州西湖精密机械有限公司工会"
    headers = [cell.value for cell in ws[3]]
    assert headers == [header for _, header in COLUMNS]
    assert {"姓名", "身份证号", "技术等级", "发证机关", "银行卡开户行"} <= set(headers)
    assert ws["A4"].value == "示例"
    assert len(ws.data_validations.dataValidation) >= 4


def test_the_upload_page_and_nav_are_for_clerks_and_districts_only(clerk, xihu_reviewer, city_reviewer, campaign):
    page = clerk.get("/staff/batch/").content.decode()
    assert "批量导入汇总表" in page and "/staff/batch/template.xlsx" in page and "录入一份纸质申请表" in page
    assert 'href="/staff/batch/"' in clerk.get("/staff/").content.decode()
    district = signed_in(xihu_reviewer).get("/staff/batch/").content.decode()
    assert "杭州西湖精密机械有限公司工会" in district  # its grassroots unions to choose from
    city = signed_in(city_reviewer)
    assert city.get("/staff/batch/").status_code == 403
    assert 'href="/staff/batch/"' not in city.get("/staff/").content.decode()


# --- preview, save, refused rows, re-import ------------------------------------------------------


def test_an_upload_is_previewed_with_every_problem_and_saves_nothing(clerk, workers):
    response = upload(clerk, sheet(mixed_rows(workers)))
    batch_import = latest_import()
    assert response.status_code == 302 and response["Location"] == f"/staff/batch/{batch_import.pk}/"
    assert batch_import.status == ImportStatus.CHECKED
    assert (batch_import.count("valid"), batch_import.count("rejected"), batch_import.total) == (3, 2, 5)
    page = clerk.get(response["Location"]).content.decode()
    assert "检查结果（尚未保存）" in page and "保存可导入的 3 行" in page
    assert "校验位" in page and "银行卡号校验不通过" in page
    assert not Application.objects.exists() and not SmsMessage.objects.exists()
    # The stored results hold no personal numbers; the sheet itself waits sealed.
    stored = json.dumps(batch_import.results, ensure_ascii=False)
    assert all(worker.id_number not in stored for worker in workers)
    assert default_storage.exists(batch_import.sheet_path)
    with default_storage.open(batch_import.sheet_path, "rb") as handle:
        assert not handle.read().startswith(b"PK")
    assert AuditEvent.objects.filter(action="batch.import_start", object_id=str(batch_import.pk)).exists()


def test_confirming_saves_exactly_the_valid_rows(clerk, workers, grassroots_clerk):
    upload(clerk, sheet(mixed_rows(workers)))
    batch_import = latest_import()
    sheet_path = batch_import.sheet_path
    response = clerk.post(f"/staff/batch/{batch_import.pk}/save")
    assert response.status_code == 302
    batch_import.refresh_from_db()
    assert batch_import.status == ImportStatus.DONE
    assert (batch_import.accepted, batch_import.unchanged, batch_import.rejected) == (3, 0, 2)
    saved = Application.objects.filter(channel=Channel.BATCH)
    assert sorted(saved.values_list("name", flat=True)) == sorted(worker.name for worker in workers[:3])
    assert set(saved.values_list("status", flat=True)) == {Status.PENDING_GRASSROOTS}
    assert set(saved.values_list("submitting_org", flat=True)) == {grassroots_clerk.organisation_id}
    assert SmsMessage.objects.filter(template="batch_entered").count() == 3
    assert not default_storage.exists(sheet_path) and batch_import.sheet_path == ""
    assert AuditEvent.objects.filter(action="batch.import_confirm", object_id=str(batch_import.pk)).exists()
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert "导入完成" in page and "已保存" in page
    assert all(number in page for number in saved.values_list("application_no", flat=True))
    # A second confirmation (a double click) saves nothing more.
    clerk.post(f"/staff/batch/{batch_import.pk}/save")
    assert Application.objects.count() == 3


def test_the_refused_rows_download_as_an_xlsx_with_the_reasons(clerk, workers):
    upload(clerk, sheet(mixed_rows(workers)))
    batch_import = latest_import()
    clerk.post(f"/staff/batch/{batch_import.pk}/save")
    response = clerk.get(f"/staff/batch/{batch_import.pk}/rejected.xlsx")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headers = [cell.value for cell in ws[3]]
    assert headers[-1] == "错误原因" and headers[-2] == "原行号"
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=4) if any(cell.value for cell in row)]
    assert [row[-2] for row in rows] == [8, 9]
    assert rows[0][headers.index("身份证号")] == wrong_check_digit(workers[3].id_number)  # as typed, to fix
    assert "校验位" in rows[0][-1] and "银行卡号校验不通过" in rows[1][-1]
    export = AuditEvent.objects.get(action="batch.rejected_export")
    assert export.object_id == str(batch_import.pk) and export.detail["rows"] == 2


def test_an_id_cell_that_excel_made_a_number_comes_back_as_the_sheet_held_it(clerk, workers):
    """The ID typed into a number cell: Excel kept 15 digits (3.30185E+17). The refused-rows
    file holds that same number (shown as the sheet showed it), not an 18-digit text that looks
    whole, and its reason says that Excel's number format lost the digits and how to type it."""
    # A number ending in X cannot be typed into a number cell: take a worker whose ID can.
    typed, other = sorted(workers, key=lambda worker: not worker.id_number.isdigit())[:2]
    assert typed.id_number.isdigit()
    held = float(f"{int(typed.id_number):.15g}")  # what Excel saved of the typed number
    content = sheet([row_for(typed, id_number=held), row_for(other)])
    upload(clerk, content)
    batch_import = latest_import()
    clerk.post(f"/staff/batch/{batch_import.pk}/save")

    response = clerk.get(f"/staff/batch/{batch_import.pk}/rejected.xlsx")

    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headers = [cell.value for cell in ws[3]]
    cell = ws.cell(row=4, column=headers.index("身份证号") + 1)
    assert (cell.data_type, cell.value) == ("n", held)
    reason = ws.cell(row=4, column=len(headers)).value
    assert reason.startswith(f"身份证号单元格是数字格式（表中显示为 {held:.5E}）")
    assert "Excel 的数字只保留15位有效数字" in reason and "设为“文本”格式" in reason
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert f"表中显示为 {held:.5E}" in page


def test_reimporting_the_same_file_creates_nothing(clerk, workers):
    content = sheet(mixed_rows(workers))
    upload(clerk, content)
    clerk.post(f"/staff/batch/{latest_import().pk}/save")
    before = list(Application.objects.order_by("pk").values_list("pk", "application_no", "updated_at"))
    upload(clerk, content)
    again = latest_import()
    assert again.status == ImportStatus.DONE  # nothing left to save
    assert (again.count("unchanged"), again.count("valid"), again.count("rejected")) == (3, 0, 2)
    page = clerk.get(f"/staff/batch/{again.pk}/").content.decode()
    assert "已存在" in page and "没有可以保存的行" in page and "保存可导入的" not in page
    assert list(Application.objects.order_by("pk").values_list("pk", "application_no", "updated_at")) == before
    assert SmsMessage.objects.count() == 3


def test_saving_a_preview_whose_rows_were_saved_meanwhile_promises_no_sms(clerk, workers):
    """Two previews of the same rows (two files: the same file again supersedes the first): the
    second saved after the first finds every row there and says that nothing new was saved, not
    职工将收到短信."""
    upload(clerk, sheet(mixed_rows(workers)))
    first = latest_import()
    upload(clerk, sheet(mixed_rows(workers)[::-1]))
    second = latest_import()
    response = clerk.post(f"/staff/batch/{first.pk}/save", follow=True)
    assert "已保存 3 份申请，职工将收到短信。另有 2 行有问题、未导入" in response.content.decode()
    response = clerk.post(f"/staff/batch/{second.pk}/save", follow=True)
    page = response.content.decode()
    assert "没有新保存的申请，不会发送短信。3 行此前已导入（已存在），未重复保存。另有 2 行有问题、未导入" in page
    assert "职工将收到短信" not in page
    assert SmsMessage.objects.count() == 3


def test_the_materials_zip_is_matched_by_id_number(clerk, workers):
    rows = [row_for(worker, seq=str(index)) for index, worker in enumerate(workers[:2], start=1)]
    archive = materials_zip([worker.id_number for worker in workers[:2]], leave_out={workers[1].id_number: "bank_card"})
    upload(clerk, sheet(rows), archive)
    batch_import = latest_import()
    assert [row["status"] for row in batch_import.results] == ["valid", "rejected"]
    assert "缺少材料" in batch_import.results[1]["errors"][0]
    clerk.post(f"/staff/batch/{batch_import.pk}/save")
    application = Application.objects.get()
    assert application.attachments.filter(current=True).count() == 3


def test_the_import_says_it_came_with_materials_after_it_is_saved_too(clerk, workers):
    """含材料压缩包 follows the upload, not the staged file (gone once saved) or the notes (a sheet
    without a zip may have some: a hidden row)."""
    ids = [worker.id_number for worker in workers[:2]]
    upload(clerk, sheet([row_for(workers[0])]), materials_zip(ids[:1]), save_after_check="1")
    with_zip = latest_import()
    assert with_zip.status == ImportStatus.DONE and with_zip.zip_path == "" and with_zip.notes == []
    assert "含材料压缩包" in clerk.get(f"/staff/batch/{with_zip.pk}/").content.decode()

    content = sheet([row_for(workers[1]), row_for(workers[2], seq="2")])
    workbook = load_workbook(io.BytesIO(content))
    workbook.active.row_dimensions[6].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(clerk, buffer.getvalue())
    without = latest_import()
    assert without.notes and not without.with_materials
    assert "含材料压缩包" not in clerk.get(f"/staff/batch/{without.pk}/").content.decode()


def test_an_unreadable_file_is_refused_on_the_upload_page(clerk, workers):
    response = upload(clerk, b"not a spreadsheet")
    assert response.status_code == 400
    assert "无法读取该文件" in response.content.decode()
    assert not BatchImport.objects.exists()


def test_a_workbook_named_as_a_zip_is_refused_on_the_upload_page(clerk, workers):
    content = sheet([row_for(workers[0])])
    response = upload(clerk, content, content)
    assert response.status_code == 400
    assert "材料压缩包是一个 Excel 工作簿，不是材料的压缩包" in response.content.decode()
    assert not BatchImport.objects.exists() and not Application.objects.exists()


def test_checking_and_saving_at_once_when_the_clerk_asks(clerk, workers):
    upload(clerk, sheet(mixed_rows(workers)), save_after_check="1")
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.DONE and (batch_import.accepted, batch_import.rejected) == (3, 2)
    assert Application.objects.count() == 3


def test_a_districts_template_names_the_grassroots_union_it_chose(xihu_reviewer, xihu_grassroots, shangcheng_grassroots):
    district = signed_in(xihu_reviewer)
    for asked, line in ((xihu_grassroots.name, f"填报单位：{xihu_grassroots.name}"), (shangcheng_grassroots.name, "填报单位：")):
        response = district.get("/staff/batch/template.xlsx", {"org": asked})
        assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).active["A2"].value == line


# --- the background path ------------------------------------------------------------------------------


def test_a_large_file_goes_to_the_background_task_and_the_page_polls(clerk, workers, settings):
    settings.BATCH_SYNC_ROWS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    rows = [row_for(worker, seq=str(index)) for index, worker in enumerate(workers[:5], start=1)]
    upload(clerk, sheet(rows))
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.QUEUED and batch_import.total == 5
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队等待处理" in page and "可以离开本页" in page
    # The worker runs the job; the next poll (an htmx request) gets the preview, without polling.
    assert import_run(batch_import.pk) == ImportStatus.CHECKED
    assert import_run(batch_import.pk) == "skipped"  # a second run of the same job does nothing
    partial = clerk.get(f"/staff/batch/{batch_import.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="batch-live"') and "every 1s" not in partial
    assert "保存可导入的 5 行" in partial
    batch_import.refresh_from_db()
    assert (batch_import.processed, batch_import.total) == (5, 5)


def test_the_background_task_checks_and_saves_through_the_queue(clerk, workers, settings, django_capture_on_commit_callbacks):
    settings.BATCH_SYNC_ROWS = 2
    rows = [row_for(worker, seq=str(index)) for index, worker in enumerate(workers[:5], start=1)]
    with django_capture_on_commit_callbacks(execute=True):
        upload(clerk, sheet(rows))
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.CHECKED and batch_import.processed == 5
    start = AuditEvent.objects.get(action="batch.import_start")
    assert start.detail["background"] is True
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(f"/staff/batch/{batch_import.pk}/save")
    batch_import.refresh_from_db()
    assert batch_import.status == ImportStatus.DONE and batch_import.accepted == 5
    assert Application.objects.count() == 5


# --- scope ---------------------------------------------------------------------------------------------------


def test_a_shangcheng_reviewer_cannot_open_a_xihu_import(clerk, workers, shangcheng_reviewer):
    upload(clerk, sheet(mixed_rows(workers)))
    batch_import = latest_import()
    outsider = signed_in(shangcheng_reviewer)
    for url in (f"/staff/batch/{batch_import.pk}/", f"/staff/batch/{batch_import.pk}/rejected.xlsx"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/staff/batch/{batch_import.pk}/save").status_code == 404
    assert batch_import.file_name not in outsider.get("/staff/batch/").content.decode()
    denied = AuditEvent.objects.filter(action="access.denied", object_type="batches.batchimport", object_id=str(batch_import.pk))
    assert denied.count() == 3
    assert not AuditEvent.objects.filter(action="batch.rejected_export").exists()
    assert not Application.objects.exists()


def test_only_the_uploader_saves(clerk, workers, xihu_reviewer):
    upload(clerk, sheet(mixed_rows(workers)))
    batch_import = latest_import()
    district = signed_in(xihu_reviewer)
    assert "保存可导入的" not in district.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    district.post(f"/staff/batch/{batch_import.pk}/save")
    assert not Application.objects.exists()


def test_after_an_error_the_upload_page_asks_for_the_files_again(clerk, xihu_reviewer, workers, xihu_grassroots):
    """A browser keeps no chosen file across a page: after any error the form says to choose it again."""
    content = sheet([row_for(workers[0])])
    response = upload(clerk, content, zip_content=b"not a zip")
    page = response.content.decode()
    assert response.status_code == 400 and "材料压缩包" in page
    assert "请重新选择汇总表文件" in page and "请重新选择压缩包" in page
    # A district reviewer who chose no grassroots union: said as a choice, with the file hint.
    response = upload(signed_in(xihu_reviewer), content)
    page = response.content.decode()
    assert response.status_code == 400
    assert '<p class="field-error">请选择代为录入的基层工会。</p>' in page and "请填写" not in page
    assert "请重新选择汇总表文件" in page and "请重新选择压缩包" not in page
    # No file chosen at all: the field's own error, no hint to choose it "again".
    response = signed_in(xihu_reviewer).post("/staff/batch/", {"org": xihu_grassroots.name})
    assert response.status_code == 400 and "请选择要上传的汇总表" in response.content.decode()
    assert "请重新选择" not in response.content.decode()
    assert not BatchImport.objects.exists()


def test_a_district_imports_for_its_grassroots_union_only(xihu_reviewer, workers, xihu_grassroots, shangcheng_grassroots):
    district = signed_in(xihu_reviewer)
    response = upload(district, sheet([row_for(workers[0])]), org=shangcheng_grassroots.name)
    assert response.status_code == 400 and "不在您的管辖范围内" in response.content.decode()
    assert not BatchImport.objects.exists()
    upload(district, sheet([row_for(workers[0])]), org=xihu_grassroots.name)
    batch_import = latest_import()
    assert batch_import.org == xihu_grassroots
    district.post(f"/staff/batch/{batch_import.pk}/save")
    assert Application.objects.get().status == Status.PENDING_DISTRICT


# --- one paper Annex 3 -----------------------------------------------------------------------------------


def paper_form(member, **overrides) -> dict:  # type: ignore[no-untyped-def]
    data = factories.annex3(member, employer=EMPLOYER, is_migrant="否")
    data.update(overrides)
    return data


def test_the_entry_form_creates_a_pending_grassroots_application_with_an_sms(clerk, workers, grassroots_clerk):
    worker = workers[0]
    page = clerk.get("/staff/batch/new-entry").content.decode()
    assert "录入纸质申请表" in page and 'name="id_number"' in page and 'name="certificate_file"' in page
    response = clerk.post("/staff/batch/new-entry", paper_form(worker))
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/applications/{application.application_no}"
    assert application.channel == Channel.BATCH and application.status == Status.PENDING_GRASSROOTS
    assert application.submitting_org_id == grassroots_clerk.organisation_id
    assert not application.attachments.exists()  # the paper copies travel with the summary table
    sms = SmsMessage.objects.get(template="batch_entered")
    assert sms.params["application_no"] == application.application_no
    assert AuditEvent.objects.filter(action="batch.entry", object_id=str(application.pk)).exists()
    # The worker sees it after signing in.
    assert [app.application_no for app in applicant_applications(worker.id_hash)] == [application.application_no]
    detail = clerk.get(response["Location"]).content.decode()
    assert "单位统一申报" in detail and "已录入" in detail


def test_the_entry_form_gives_the_same_field_errors_and_rule_results_as_online(clerk, workers):
    worker = workers[0]
    response = clerk.post("/staff/batch/new-entry", paper_form(worker, id_number=wrong_check_digit(worker.id_number)))
    assert response.status_code == 400 and "校验位" in response.content.decode()
    response = clerk.post("/staff/batch/new-entry", paper_form(worker, employer="杭州没有工会的贸易有限公司"))
    assert response.status_code == 400 and "必须建立工会组织" in response.content.decode()
    # Well-formed but not a promotion: the rule list is shown, nothing is saved.
    response = clerk.post("/staff/batch/new-entry", paper_form(worker, new_level="senior_worker", previous_level="technician"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "不符合奖励条件" in page and "晋级" in page and "发证时间" in page
    assert not Application.objects.exists() and not SmsMessage.objects.exists()
    # The same person twice: refused with the existing number.
    clerk.post("/staff/batch/new-entry", paper_form(worker))
    number = Application.objects.get().application_no
    response = clerk.post("/staff/batch/new-entry", paper_form(worker))
    assert response.status_code == 409 and number in response.content.decode()
    assert Application.objects.count() == 1


def test_a_district_entering_for_its_grassroots_union_gets_pending_district(xihu_reviewer, workers, xihu_grassroots):
    district = signed_in(xihu_reviewer)
    response = district.post("/staff/batch/new-entry", paper_form(workers[0]))
    assert response.status_code == 400 and "请选择本区县（产业）所属的基层工会" in response.content.decode()
    assert '<p class="w-error">请选择代为录入的基层工会。</p>' in response.content.decode()  # chosen from a list, not typed
    assert "请填写" not in response.content.decode()
    response = district.post("/staff/batch/new-entry", {**paper_form(workers[0]), "org": xihu_grassroots.name})
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Status.PENDING_DISTRICT and application.submitting_org == xihu_grassroots
    paper = application.events.get(decision="approve")
    assert paper.from_status == Status.PENDING_GRASSROOTS and paper.organisation == xihu_grassroots
    assert SmsMessage.objects.filter(template="batch_entered").count() == 1


# --- the clerk's queue and a returned batch application ----------------------------------------------


def test_the_clerks_queue_lists_its_batch_rows_and_a_return_is_corrected_on_the_detail_page(
    clerk, workers, grassroots_clerk, xihu_reviewer
):
    for worker in workers[:2]:
        clerk.post("/staff/batch/new-entry", paper_form(worker))
    first, second = Application.objects.order_by("pk")
    queue = clerk.get("/staff/").content.decode()  # opens on 待基层初审
    assert first.application_no in queue and second.application_no in queue
    review_decide(user=grassroots_clerk, application_no=first.application_no, decision="return", opinion="证书编号与纸质申请表不一致")
    returned = clerk.get("/staff/?status=returned").content.decode()
    assert first.application_no in returned and second.application_no not in returned
    detail = clerk.get(f"/staff/applications/{first.application_no}").content.decode()
    assert "修改后重新提交" in detail and "证书编号与纸质申请表不一致" in detail
    # Not offered to the district, nor on an application that is not returned.
    assert "修改后重新提交" not in signed_in(xihu_reviewer).get(f"/staff/applications/{first.application_no}").content.decode()
    assert "修改申请内容" not in clerk.get(f"/staff/applications/{second.application_no}").content.decode()
    form = {key: value for key, value in paper_form(workers[0]).items() if key != "id_number"}
    form["certificate_no"] = "2020CORRECTED1"
    bad = clerk.post(f"/staff/applications/{first.application_no}/resubmit", {**form, "bank_card_no": "6222021234567890123"})
    # Told on the application's page (POST-redirect-GET), with what was typed, the card number
    # waiting in the session encrypted.
    assert bad.status_code == 302 and bad["Location"] == f"/staff/applications/{first.application_no}#resubmit"
    assert "6222021234567890123" not in str(clerk.session["staff_refused_forms"])
    page = clerk.get(bad["Location"]).content.decode()
    assert "银行卡号校验不通过" in page and 'value="2020CORRECTED1"' in page and 'value="6222021234567890123"' in page
    assert "银行卡号校验不通过" not in clerk.get(f"/staff/applications/{first.application_no}").content.decode()  # once
    response = clerk.post(f"/staff/applications/{first.application_no}/resubmit", form)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Status.PENDING_DISTRICT and first.certificate_no == "2020CORRECTED1"
    assert first.events.filter(from_status=Status.PENDING_GRASSROOTS, decision="approve").exists()


def test_a_large_import_is_shown_a_page_of_rows_at_a_time(clerk, workers):
    upload(clerk, sheet(mixed_rows(workers)))
    batch_import = latest_import()
    # As a 700-row sheet leaves it: every third row refused.
    batch_import.results = [
        {
            "row": number + 4,
            "name": f"职工{number}",
            "status": "rejected" if number % 3 == 0 else "valid",
            "errors": ["银行卡号校验不通过"] if number % 3 == 0 else [],
        }
        for number in range(700)
    ]
    batch_import.save(update_fields=["results"])
    url = f"/staff/batch/{batch_import.pk}/"

    first = clerk.get(url).content.decode()
    assert first.count('<tr class="row-') == 200 and "第 1 / 4 页" in first and "第 1–200 行" in first
    assert "职工0<" in first and "职工199<" in first and "职工200<" not in first
    assert f'href="{url}?page=2"' in first and "上一页" not in first
    last = clerk.get(url, {"page": 4}).content.decode()
    assert last.count('<tr class="row-') == 100 and "职工699<" in last and f'href="{url}?page=3"' in last and "下一页" not in last
    problems = clerk.get(url, {"show": "problems", "page": 2}).content.decode()
    assert problems.count('<tr class="row-rejected') == 34 and "第 2 / 2 页" in problems  # 234 refused rows
    assert f'href="{url}?show=problems&amp;page=1"' in problems
    assert clerk.get(url, {"page": "x"}).status_code == 200  # a bad page number is the first page


def _second_call_fails(real):  # type: ignore[no-untyped-def]
    """``real``, but the second call raises a full disk."""
    calls: list[int] = []

    def wrapper(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(**kwargs)

    return wrapper


def _failed_saving(clerk, workers, settings, rows: int) -> BatchImport:  # type: ignore[no-untyped-def]
    """``rows`` rows uploaded to be saved at once, run by the background job, which fails."""
    settings.BATCH_SYNC_ROWS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    upload(clerk, sheet([row_for(worker, seq=str(n)) for n, worker in enumerate(workers[:rows], start=1)]), save_after_check="1")
    batch_import = latest_import()
    assert import_run(batch_import.pk) == ImportStatus.FAILED
    batch_import.refresh_from_db()
    return batch_import


def test_a_failure_after_some_lots_were_saved_says_how_many_are_in(clerk, workers, settings, monkeypatch):
    """Rows are saved a lot at a time, each lot whole: a failure in a later lot must not tell the
    clerk that nothing was imported when the first lot is in (and its SMS queued)."""
    from rewards.batches import services
    from rewards.batches.imports import FAILED_UNEXPECTEDLY

    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(services, "_save_chunk", _second_call_fails(services._save_chunk))
    batch_import = _failed_saving(clerk, workers, settings, 5)
    assert Application.objects.count() == 2
    assert batch_import.error.startswith("处理文件时出错：出错前已保存 2 份申请（可在审核列表中查看），其余未保存。")
    assert "文件未导入任何一行" not in batch_import.error and FAILED_UNEXPECTEDLY not in batch_import.error
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert "出错前已保存 2 份申请" in page


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("汇总表.et", "这是 WPS 表格自己的 .et 格式：请在 WPS 中“另存为” Excel 工作簿（.xlsx）后上传。"),
        ("汇总表.csv", "请上传 Excel 工作簿（.xlsx）：CSV 文本文件中的长号码、日期容易变形，请用下载的模板填写。"),
        ("汇总表.pdf", "请上传用下载的模板填写的 Excel 汇总表（.xlsx，也可以是 .xls）。"),
    ],
)
def test_a_file_of_another_kind_is_told_what_to_do(clerk, workers, name, said):
    response = clerk.post("/staff/batch/", {"file": SimpleUploadedFile(name, sheet([row_for(workers[0])]))})
    assert response.status_code == 400 and said in response.content.decode()
    assert not BatchImport.objects.exists()


def test_an_xls_name_is_taken_and_read_by_its_content(clerk, workers):
    """calamine reads .xls as well as .xlsx: the name no longer turns a readable file away."""
    response = clerk.post("/staff/batch/", {"file": SimpleUploadedFile("汇总表.xls", sheet([row_for(workers[0])]))})
    assert response.status_code == 302
    assert latest_import().total == 1


def test_rows_saved_one_by_one_before_a_failure_are_counted(clerk, workers, settings, monkeypatch):
    """A lot that meets a conflict is saved row by row, each row committed alone: a failure in a
    later row must count the rows already in."""
    from rewards.batches import bulk, services

    def conflict(**kwargs):  # type: ignore[no-untyped-def]
        raise bulk.ChunkConflict()

    monkeypatch.setattr(bulk, "save_many", conflict)
    monkeypatch.setattr(services, "_save_row", _second_call_fails(services._save_row))
    batch_import = _failed_saving(clerk, workers, settings, 3)
    assert Application.objects.count() == 1
    assert batch_import.error.startswith("处理文件时出错：出错前已保存 1 份申请")
