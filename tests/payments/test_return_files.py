"""The bank's return file as banks write it: GBK-encoded Chinese reasons are read; a quote left
open (which would fold the rows after it into one reason) refuses the file whole; the full file
again after a reversal changes nothing. And a card corrected after a failed payment to one that
another person's application uses waits for the city's reviewer instead of being paid."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rewards.applications.models import Application, FlagCode
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.payments.models import LineStatus, PaymentLine
from rewards.payments.services import held_back, payable

from .. import factories
from ..api.helpers import bearer, staff_token
from .helpers import build, results_file, sent_batch

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]


def _post(api, token, batch_no, upload):  # type: ignore[no-untyped-def]
    return api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": upload}, **bearer(token))


def test_a_gbk_file_with_chinese_reasons_is_read(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = _rows(content)
    text = "reference,amount,result,reason\r\n" + f"{rows[0][0]},{rows[0][4]},failure,户名与卡号不符\r\n"
    response = _post(api, a, batch_no, SimpleUploadedFile("回单.csv", text.encode("gbk")))
    assert response.status_code == 200 and response.json() == {"paid": 0, "failed": 1}
    assert PaymentLine.objects.get(reference=rows[0][0]).result_reason == "户名与卡号不符"


def test_bytes_in_no_known_encoding_are_refused_with_what_to_do(api, approved, finance_a, finance_b):
    batch_no, a, _, _ = sent_batch(api, finance_a, finance_b)
    response = _post(api, a, batch_no, SimpleUploadedFile("r.csv", b"reference,amount,result,reason\r\n\xff\xfe\xfd\x80\r\n"))
    assert response.status_code == 400 and "UTF-8 或 GBK" in str(response.json())


def test_the_bank_file_as_an_excel_workbook_is_refused_with_what_to_do(api, approved, finance_a, finance_b):
    batch_no, a, _, _ = sent_batch(api, finance_a, finance_b)
    workbook = api.get(f"/api/v1/payments/batches/{batch_no}/file?format=xlsx", **bearer(a)).content
    assert workbook.startswith(b"PK")
    response = _post(api, a, batch_no, SimpleUploadedFile("回单.xlsx", workbook))
    assert response.status_code == 400
    assert "回单须为 CSV 文件，这是 Excel 工作簿" in str(response.json()) and "编码" not in str(response.json())


def test_a_quote_left_open_refuses_the_file_whole(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = _rows(content)
    text = (
        "reference,amount,result,reason\r\n"
        f'{rows[0][0]},{rows[0][4]},failure,"户名不符\r\n'
        f"{rows[1][0]},{rows[1][4]},success,\r\n"
        f"{rows[2][0]},{rows[2][4]},success,\r\n"
    )
    response = _post(api, a, batch_no, SimpleUploadedFile("r.csv", text.encode("utf-8")))
    assert response.status_code == 400
    assert "第 2 行的引号没有配对" in str(response.json())
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {LineStatus.SENT}
    assert not SmsMessage.objects.filter(template__in=["paid", "payment_failed"]).exists()


def test_a_reason_on_two_lines_inside_closed_quotes_is_refused_too(api, approved, finance_a, finance_b):
    """A line break inside a field is never a bank's reason: one rule, no guessing."""
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = _rows(content)[0]
    text = f'reference,amount,result,reason\r\n{row[0]},{row[4]},failure,"户名\r\n不符"\r\n'
    assert _post(api, a, batch_no, SimpleUploadedFile("r.csv", text.encode("utf-8"))).status_code == 400


def test_the_full_file_again_after_a_reversal_changes_nothing(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    answers = [(row[0], row[4], "success", "") for row in _rows(content)]
    assert _post(api, a, batch_no, results_file(answers)).json() == {"paid": 6, "failed": 0}
    reversed_ref = answers[0][0]
    api.post(f"/api/v1/payments/lines/{reversed_ref}/reversal", {"reason": "账户冻结"}, content_type="application/json", **bearer(a))
    sms = SmsMessage.objects.count()

    again = _post(api, a, batch_no, SimpleUploadedFile("全量回单.csv", ("\ufeff" + results_file(answers).read().decode()).encode()))

    assert again.status_code == 200 and again.json() == {"paid": 0, "failed": 0}
    assert PaymentLine.objects.get(reference=reversed_ref).status == LineStatus.REVERSED
    assert SmsMessage.objects.count() == sms
    conflicting = _post(api, a, batch_no, results_file([(reversed_ref, answers[0][1], "failure", "户名不符")]))
    assert conflicting.status_code == 400 and "删去该行再导入" in str(conflicting.json())


def test_a_card_corrected_to_anothers_card_is_held_back_until_the_city_resolves_it(
    api, approved, finance_a, finance_b, campaign, city_reviewer
):
    from rewards.applications.services import application_resubmit
    from rewards.review.services import flag_resolve

    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = _rows(content)
    _post(api, a, batch_no, results_file([(rows[0][0], rows[0][4], "failure", "账户已销户")]))
    failed = Application.objects.get(status=Status.PAYMENT_FAILED)
    other = Application.objects.exclude(pk=failed.pk).first()

    application_resubmit(
        application_no=failed.application_no,
        data={"bank_card_no": other.bank_card_no, "bank_branch": "中国工商银行杭州西湖支行"},
        files={},
        applicant_id_hash=failed.id_hash,
    )

    failed.refresh_from_db()
    assert failed.status == Status.APPROVED
    assert failed.flags.filter(code=FlagCode.CARD_SHARED, hard=True, resolved_at__isnull=True).exists()
    assert list(held_back(campaign)) == [failed] and failed not in payable(campaign)
    assert build(api, a).json()["error"]["code"] == "nothing_to_pay"
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(finance_a)
    page = staff.get("/staff/payments/").content.decode()
    assert "暂不编入核发批次" in page and failed.application_no in page

    flag = failed.flags.get(code=FlagCode.CARD_SHARED)
    flag_resolve(user=city_reviewer, application_no=failed.application_no, code=flag.code, note="已电话核实：夫妻共用一张卡，经本人确认。")
    assert failed in payable(campaign)
    assert build(api, a).status_code == 201


def test_downloaded_again_the_file_holds_only_the_lines_still_waiting(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = _rows(content)
    assert len(rows) == 6
    _post(api, a, batch_no, results_file([(rows[0][0], rows[0][4], "success", ""), (rows[1][0], rows[1][4], "failure", "户名不符")]))

    again = api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a))

    assert again.status_code == 200
    assert [row[0] for row in _rows(again.content)] == [row[0] for row in rows[2:]]
    _post(api, a, batch_no, results_file([(row[0], row[4], "success", "") for row in rows[2:]]))
    last = api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a))
    assert last.status_code == 409 and last.json()["error"]["code"] == "nothing_to_send"


def test_a_cancelled_batch_says_so_when_its_file_is_asked_for(api, approved, finance_a):
    a = staff_token(api, finance_a)
    batch_no = build(api, a).json()["batch_no"]
    api.post(f"/api/v1/payments/batches/{batch_no}/cancel", **bearer(a))
    response = api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a))
    assert response.status_code == 409 and "已作废" in response.json()["error"]["message"]


def test_the_application_page_shows_its_payments_and_the_reversal_is_audited_with_its_facts(
    api, approved, finance_a, finance_b, auditor, xihu_reviewer
):
    from rewards.core.models import AuditEvent

    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = _rows(content)[0]
    _post(api, a, batch_no, results_file([(row[0], row[4], "success", "")]))
    api.post(f"/api/v1/payments/lines/{row[0]}/reversal", {"reason": "账户冻结，银行退汇"}, content_type="application/json", **bearer(a))
    line = PaymentLine.objects.select_related("application").get(reference=row[0])

    event = AuditEvent.objects.get(action="payment.reversal")
    assert event.detail == {
        "batch_no": batch_no,
        "reference": row[0],
        "application_no": line.application.application_no,
        "amount": row[4],
        "from": "paid",
        "to": "reversed",
    }
    for user, link in ((auditor, True), (xihu_reviewer, False)):
        staff = Client(HTTP_HOST="127.0.0.1")
        staff.force_login(user)
        page = staff.get(f"/staff/applications/{line.application.application_no}").content.decode()
        assert "发放记录" in page and row[0] in page and "已退汇" in page and "账户冻结，银行退汇" in page
        assert (f'href="/staff/payments/{batch_no}/"' in page) is link


def test_the_approval_screen_names_an_application_paid_once_and_reversed(api, approved, finance_a, finance_b):
    from rewards.applications.services import application_resubmit

    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = _rows(content)[0]
    _post(api, a, batch_no, results_file([(row[0], row[4], "success", "")]))
    api.post(f"/api/v1/payments/lines/{row[0]}/reversal", {"reason": "账户冻结，银行退汇"}, content_type="application/json", **bearer(a))
    line = PaymentLine.objects.select_related("application").get(reference=row[0])
    application_resubmit(
        application_no=line.application.application_no,
        data={"bank_card_no": factories.new_card(), "bank_branch": "中国银行杭州滨江支行"},
        files={},
        applicant_id_hash=line.application.id_hash,
    )
    second = build(api, a).json()["batch_no"]
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(finance_b)

    page = staff.get(f"/staff/payments/{second}/").content.decode()

    assert "曾经发放、后被退汇的申请（1 笔）" in page
    assert f"{batch_no} / {row[0]}" in page and "账户冻结，银行退汇" in page
    assert "并已核实 1 笔退汇款项确已到账" in page


def test_a_hard_signal_raised_after_the_build_stops_the_approval(api, approved, finance_a, finance_b):
    from rewards.applications.models import Flag

    a, b = staff_token(api, finance_a), staff_token(api, finance_b)
    batch_no = build(api, a).json()["batch_no"]
    flagged = approved[0]
    Flag.objects.create(
        application=flagged, code=FlagCode.CARD_SHARED, hard=True, message="该银行卡号也用于他人的申请。", raised_at=flagged.submitted_at
    )

    response = api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(b))

    assert response.status_code == 409 and response.json()["error"]["code"] == "changed_since_build"
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(finance_b)
    page = staff.get(f"/staff/payments/{batch_no}/").content.decode()
    assert f"{flagged.application_no}" in page and "出现了未处理的风险信号（银行卡号与他人申请相同）" in page


def test_a_line_of_another_batch_names_that_batch_and_where_to_import_it(api, approved, finance_a, finance_b):
    """A finance officer who picks the wrong batch's page is told which batch the line is of."""
    a, b = staff_token(api, finance_a), staff_token(api, finance_b)
    batches = []
    for union in ("西湖区总工会", "上城区总工会"):
        batch_no = build(api, a, union=union).json()["batch_no"]
        assert api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(b)).status_code == 200
        batches.append((batch_no, _rows(api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a)).content)))
    (first, first_rows), (second, _) = batches
    response = _post(api, a, second, results_file([(first_rows[0][0], first_rows[0][4], "success", "")]))
    assert response.status_code == 400
    assert response.json()["error"]["reasons"] == [
        f"第 2 行：付款参考号 {first_rows[0][0]} 属于其他批次（{first}），不是本批次 {second} 的明细：请删去该行，到核发批次 {first} 导入。"
    ]
    assert PaymentLine.objects.get(reference=first_rows[0][0]).status == LineStatus.SENT


def test_a_card_corrected_after_a_failed_payment_is_the_next_batchs_change_not_the_failed_ones(api, approved, finance_a, finance_b):
    """The batch whose payment failed paid the old card: corrected afterwards, the card is not
    named on that batch's page as a change it carried (an auditor reading it later would take
    the approver for having passed a changed card); the next batch, which pays it, names it."""
    from rewards.applications.services import application_resubmit

    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = _rows(content)[0]
    _post(api, a, batch_no, results_file([(row[0], row[4], "failure", "账户已销户")]))
    failed = PaymentLine.objects.select_related("application").get(reference=row[0]).application
    application_resubmit(
        application_no=failed.application_no,
        data={"bank_card_no": factories.new_card(), "bank_branch": "中国银行杭州滨江支行"},
        files={},
        applicant_id_hash=failed.id_hash,
    )
    assert failed.flags.filter(code=FlagCode.BANK_CHANGED).exists()
    second = build(api, a).json()["batch_no"]
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(finance_b)

    first_page = staff.get(f"/staff/payments/{batch_no}/").content.decode()
    second_page = staff.get(f"/staff/payments/{second}/").content.decode()

    assert "审核通过后更改了银行卡的申请" not in first_page and "卡已变更" not in first_page
    assert "审核通过后更改了银行卡的申请（1 笔）" in second_page and "卡已变更" in second_page
    assert failed.application_no in second_page


def test_a_refused_file_is_audited_with_its_first_reasons_masked_and_shown_on_the_entry(api, approved, finance_a, finance_b, auditor):
    from rewards.core.models import AuditEvent

    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = _rows(content)
    # 24 unknown references, the first a card number put in the wrong column, and a bad amount.
    answers = [("6222021234567890016", "500.00", "success", "")] + [
        (f"{batch_no}-9{index:05d}", "500.00", "success", "") for index in range(23)
    ]
    answers.append((rows[0][0], "5000.00", "success", ""))
    refused = _post(api, a, batch_no, results_file(answers))
    assert refused.status_code == 400
    assert "6222021234567890016" not in refused.content.decode() and "622202*********0016" in refused.content.decode()
    entry = AuditEvent.objects.get(action="payment.results_import", result="failed")
    assert entry.detail["problems"] == 25 and entry.detail["reason"] == "invalid_result_file"
    listed = entry.detail["problem_list"]
    assert len(listed) == 20
    assert listed[0] == "第 2 行：未知的付款参考号 622202*********0016。"
    assert listed[1] == f"第 3 行：未知的付款参考号 {batch_no}-900000。"
    assert "6222021234567890016" not in str(entry.detail)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(auditor)
    page = client.get(f"/staff/audit/{entry.pk}").content.decode()
    assert "问题：25" in page and "问题明细（至多前 20 处）：" in page
    assert "  1. 第 2 行：未知的付款参考号 622202*********0016。" in page
    assert f"  20. 第 21 行：未知的付款参考号 {batch_no}-900018。" in page
    assert "6222021234567890016" not in page


def test_a_file_with_only_the_header_is_refused_not_recorded_as_an_import(api, approved, finance_a, finance_b):
    """Walked as a finance officer: the header alone (a bank's empty answer, or the page's format
    typed out) was “imported”: listed among 已导入的银行回单 as 成功 0 笔，失败 0 笔 and audited as a
    successful import, with “这份银行回单已经导入过” for a file never seen before."""
    from rewards.core.models import AuditEvent
    from rewards.payments.models import ResultImport

    batch_no, a, _, _ = sent_batch(api, finance_a, finance_b)
    for body in (b"reference,amount,result,reason\r\n", b"\xef\xbb\xbfreference,amount,result,reason\r\n\r\n,,,\r\n"):
        response = _post(api, a, batch_no, SimpleUploadedFile("回单.csv", body))
        assert response.status_code == 400 and "文件中只有表头，没有任何一笔的银行结果。" in str(response.json())
    assert not ResultImport.objects.exists()
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {LineStatus.SENT}
    assert not AuditEvent.objects.filter(action="payment.results_import", result="success").exists()
    refusals = AuditEvent.objects.filter(action="payment.results_import", result="failed")
    assert refusals.count() == 2
    # The auditor reads why in words true of a file with no rows too.
    from rewards.reports.auditlog import detail_text

    said = detail_text(refusals.first().detail, action="payment.results_import")
    assert "原因：回单文件未通过检查" in said and "无法接受的行" not in said


def test_a_wrong_header_is_echoed_as_written(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = _rows(content)[0]
    # The header row left out: the first result is read as the header.
    response = _post(api, a, batch_no, SimpleUploadedFile("r.csv", f"{row[0]},{row[4]},success,\r\n".encode()))
    assert response.status_code == 400
    assert f"实际为 {row[0]},{row[4]},success,。" in str(response.json())  # not lower-cased (p2020…)


def test_a_line_of_a_cancelled_batch_is_not_sent_to_be_imported_there(api, approved, finance_a, finance_b):
    """A cancelled batch's file never went to the bank and its page has no import: the reason
    says so and asks to check with the bank, instead of “到核发批次 … 导入”."""
    a, b = staff_token(api, finance_a), staff_token(api, finance_b)
    cancelled = build(api, a).json()["batch_no"]
    assert api.post(f"/api/v1/payments/batches/{cancelled}/cancel", **bearer(a)).status_code == 200
    stray = PaymentLine.objects.filter(batch__batch_no=cancelled).order_by("reference").first()
    assert stray is not None
    batch_no = build(api, a).json()["batch_no"]
    assert api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(b)).status_code == 200
    api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a))
    response = _post(api, a, batch_no, results_file([(stray.reference, f"{stray.amount:.2f}", "success", "")]))
    assert response.status_code == 400
    said = str(response.json())
    assert f"付款参考号 {stray.reference} 属于核发批次 {cancelled}，该批次“已作废”，发放文件从未报送银行" in said
    assert "请与银行核对" in said and f"到核发批次 {cancelled} 导入" not in said
