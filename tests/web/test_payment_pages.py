"""奖励核发 pages with the Django test client: building a batch (once, even on a double
submit), the four-eyes approval screen with every bank_changed signal and the changes since
the build, cancelling, the bank file marking the batch sent, the bank's return file (refused
whole with its reasons, or applied), reversals, the line search, the paid/failed report and
its xlsx, who may see and do what, and card numbers never in full on a page."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from rewards.applications.models import Application, Flag, FlagCode
from rewards.core import crypto
from rewards.core.masking import mask_bank_card
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.payments import services
from rewards.payments.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/staff/payments/"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.fixture
def approved(campaign, xihu, shangcheng):  # type: ignore[no-untyped-def]
    """Six approved applications: four of 西湖区 (one 技师, one 高级技师), two of 上城区 (3,400 元)."""
    levels = ["senior_worker", "senior_worker", "technician", "senior_technician"]
    apps = [factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), new_level=level) for level in levels]
    apps += [factories.make_application(campaign=campaign, member=factories.make_member(union=shangcheng)) for _ in range(2)]
    return apps


@pytest.fixture
def a(finance_a) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(finance_a)


@pytest.fixture
def b(finance_b) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(finance_b)


def build(finance_a, campaign) -> PaymentBatch:  # type: ignore[no-untyped-def]
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    return batch


def approve(finance_b, batch: PaymentBatch) -> None:
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)


def sent(finance_a, finance_b, campaign) -> tuple[PaymentBatch, list[list[str]]]:  # type: ignore[no-untyped-def]
    """A batch built by A, approved by B and downloaded: its bank file rows."""
    batch = build(finance_a, campaign)
    approve(finance_b, batch)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    return batch, list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]


def results_file(rows: list[tuple[str, str, str, str]]) -> SimpleUploadedFile:
    text = "reference,amount,result,reason\r\n" + "".join(",".join(row) + "\r\n" for row in rows)
    return SimpleUploadedFile("回单.csv", text.encode("utf-8"))


def page_of(client: Client, batch: PaymentBatch, query: str = "") -> str:
    response = client.get(f"{URL}{batch.batch_no}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def snapshot():  # type: ignore[no-untyped-def]
    return (
        sorted(PaymentLine.objects.values_list("reference", "status", "live", "result_reason")),
        sorted(Application.objects.values_list("application_no", "status")),
        SmsMessage.objects.count(),
        sorted(PaymentBatch.objects.values_list("batch_no", "status")),
    )


# --- the batches and building ---------------------------------------------------------------


def test_the_list_shows_what_is_payable_and_a_build_from_the_page_makes_one_batch_even_on_a_double_submit(a, approved):
    page = a.get(URL)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "生成核发批次" in html and "3,400.00" in html and "上城区总工会（2 份，1,000.00 元）" in html
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)  # type: ignore[union-attr]

    first = a.post(f"{URL}build", {"idempotency_key": key, "union": ""})
    again = a.post(f"{URL}build", {"idempotency_key": key, "union": ""})
    batch = PaymentBatch.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"{URL}{batch.batch_no}/"
    assert batch.count == 6 and batch.total_amount == Decimal("3400.00") and batch.status == BatchStatus.BUILT
    assert AuditEvent.objects.filter(action="payment.batch_build").count() == 1
    shown = a.get(again["Location"]).content.decode()
    assert "没有重复生成" in shown and "3,400.00" in shown

    listing = a.get(URL).content.decode()
    assert batch.batch_no in listing and "已生成，待复核" in listing and "finance.a" in listing
    # A fresh key on every rendering, and nothing left to pay.
    assert key not in listing and "目前没有待发放的申请" in listing


def test_a_build_for_one_union_takes_only_its_applications(a, approved, shangcheng):
    a.post(f"{URL}build", {"idempotency_key": "k-union", "union": str(shangcheng.pk)})
    batch = PaymentBatch.objects.get()
    assert batch.count == 2 and batch.total_amount == Decimal("1000.00") and batch.union == shangcheng


def test_nothing_to_pay_and_an_unknown_union_are_chinese_messages(a, campaign):
    response = a.post(f"{URL}build", {"idempotency_key": "k-1"}, follow=True)
    assert "没有待发放的申请" in response.content.decode()
    response = a.post(f"{URL}build", {"idempotency_key": "k-2", "union": "999999"}, follow=True)
    assert "请从列表中选择区县（产业）工会" in response.content.decode()
    assert PaymentBatch.objects.count() == 0


def test_forms_need_the_csrf_token(finance_a, approved):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(finance_a)
    assert 'name="csrfmiddlewaretoken"' in client.get(URL).content.decode()
    assert client.post(f"{URL}build", {"idempotency_key": "k"}).status_code == 403
    assert PaymentBatch.objects.count() == 0


# --- four eyes ---------------------------------------------------------------------------------


def test_the_builder_sees_no_approve_button_and_is_refused_while_a_second_officer_approves(a, b, approved, finance_a, finance_b, campaign):
    batch = build(finance_a, campaign)
    approve_action = f'action="{URL}{batch.batch_no}/approve"'
    html = page_of(a, batch)
    assert approve_action not in html and "本批次由您生成" in html and "四眼原则" in html

    refused = a.post(f"{URL}{batch.batch_no}/approve", {"confirm": "1"})
    # A forbidden action stays a 403 (not redirected like a refusal of what was typed), told once.
    assert refused.status_code == 403 and "不能复核自己生成的批次" in refused.content.decode()
    assert "不能复核自己生成的批次" not in page_of(a, batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT and batch.approved_by is None
    # The builder's attempt is on the batch's record, for the auditor (SECURITY.md 5, 17).
    attempt = AuditEvent.objects.get(action="payment.batch_approve")
    assert (attempt.actor, attempt.result, attempt.object_id) == (finance_a, "denied", str(batch.pk))
    assert attempt.detail == {"batch_no": batch.batch_no, "reason": "own_batch"}
    assert not AuditEvent.objects.filter(action="access.denied").exists()

    html = page_of(b, batch)
    assert approve_action in html and "复核通过" in html
    # The confirmation box must be ticked.
    unticked = b.post(f"{URL}{batch.batch_no}/approve", {}, follow=True)
    assert unticked.redirect_chain and "请先勾选确认已核对笔数" in unticked.content.decode()
    assert PaymentBatch.objects.get().status == BatchStatus.BUILT
    response = b.post(f"{URL}{batch.batch_no}/approve", {"confirm": "1"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by == finance_b
    assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.APPROVED}
    assert AuditEvent.objects.filter(action="payment.batch_approve", result="ok").count() == 1
    assert "已复核通过核发批次" in b.get(response["Location"]).content.decode()
    # The same approval again, from a tab left open: said as such, nothing recorded twice.
    again = b.post(f"{URL}{batch.batch_no}/approve", {"confirm": "1"}, follow=True).content.decode()
    assert "此前已由您复核通过" in again and "已复核通过核发批次" not in again
    assert AuditEvent.objects.filter(action="payment.batch_approve", result="ok").count() == 1


def test_the_approval_screen_lists_every_bank_changed_application_and_the_changes_since_the_build(b, approved, finance_a, campaign):
    changed = approved[1]
    Flag.objects.create(
        application=changed, code=FlagCode.BANK_CHANGED, message="发放失败后，职工更正了银行卡信息。", raised_at=timezone.now()
    )
    batch = build(finance_a, campaign)
    html = page_of(b, batch)
    review = html[html.index('id="review"') : html.index('id="unions-title"')]
    assert "审核通过后更改了银行卡的申请（1 笔）" in review
    assert changed.application_no in review and "发放失败后，职工更正了银行卡信息。" in review
    assert "生成以来，本批次所有申请" in review
    assert all(app.application_no not in review for app in approved if app.pk != changed.pk)
    # In the lines too, highlighted.
    assert html.count('class="pay-bank-changed') == 2

    # The worker's card changes after the build: the screen says so and approval is refused (409).
    new_card = factories.new_card()
    Application.objects.filter(pk=approved[4].pk).update(bank_card_no=new_card, bank_card_hash=crypto.blind_index("card", new_card))
    html = page_of(b, batch)
    assert "有 1 笔明细的申请在生成批次后发生了变化" in html and "银行卡信息已变更" in html and approved[4].application_no in html
    response = b.post(f"{URL}{batch.batch_no}/approve", {"confirm": "1"}, follow=True)
    assert response.redirect_chain == [(f"{URL}{batch.batch_no}/", 302)]
    assert "有 1 笔明细的申请在生成后发生了变化" in response.content.decode()
    assert PaymentBatch.objects.get().status == BatchStatus.BUILT


def test_cancel_before_sending_frees_the_applications(a, approved, finance_a, campaign):
    batch = build(finance_a, campaign)
    assert f'action="{URL}{batch.batch_no}/cancel"' in page_of(a, batch)
    assert a.post(f"{URL}{batch.batch_no}/cancel").status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED and batch.cancelled_by == finance_a
    assert set(batch.lines.values_list("status", "live")) == {(LineStatus.CANCELLED, False)}
    html = page_of(a, batch)
    assert "已作废" in html and "/cancel" not in html and "/approve" not in html
    assert services.payable(campaign).count() == 6


# --- the bank file and the bank's answer ---------------------------------------------------


def test_the_first_download_marks_the_batch_sent_and_the_page_then_offers_the_results_import(a, approved, finance_a, finance_b, campaign):
    batch = build(finance_a, campaign)
    file_action = f'action="{URL}{batch.batch_no}/file"'
    results_action = f'action="{URL}{batch.batch_no}/results"'
    assert file_action not in page_of(a, batch)
    refused = a.post(f"{URL}{batch.batch_no}/file", {"format": "csv"})  # not approved yet: no file, said on the page
    assert refused.status_code == 302 and refused["Location"] == f"{URL}{batch.batch_no}/"
    assert "操作未完成" in a.get(refused["Location"]).content.decode()
    approve(finance_b, batch)

    html = page_of(a, batch)
    assert file_action in html and "首次下载即视为已报送银行" in html and results_action not in html
    response = a.post(f"{URL}{batch.batch_no}/file", {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"] and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["reference", "name", "bank_card_no", "bank_branch", "amount"]
    assert {row[2] for row in rows[1:]} == {app.bank_card_no for app in approved}  # full numbers: only here
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SENT and batch.sent_by == finance_a

    html = page_of(a, batch)
    assert results_action in html and "导入银行回单" in html and "再次下载发放文件" in html
    assert f'action="{URL}{batch.batch_no}/cancel"' not in html
    xlsx = a.post(f"{URL}{batch.batch_no}/file", {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(xlsx.content))
    data, summary = workbook.worksheets
    assert xlsx.status_code == 200 and data.max_row == 7
    amounts = [row[4] for row in data.iter_rows(min_row=2, values_only=True)]
    cards = [row[2] for row in data.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(amount, int | float) for amount in amounts)  # numbers: Excel's SUM adds them up
    assert all(isinstance(card, str) and len(card) >= 16 for card in cards)  # text: every digit kept
    assert summary.title == "合计" and list(summary.iter_rows(values_only=True))[1] == (batch.batch_no, 6, float(batch.total_amount))
    assert sum(amounts) == float(batch.total_amount)
    assert AuditEvent.objects.filter(action="payment.file_download").count() == 2
    # Once sent it cannot be cancelled: the service's message, nothing changed.
    refused = a.post(f"{URL}{batch.batch_no}/cancel", follow=True)
    assert refused.redirect_chain == [(f"{URL}{batch.batch_no}/", 302)] and "不能作废" in refused.content.decode()
    assert PaymentBatch.objects.get().status == BatchStatus.SENT


FIRST_DOWNLOAD = 'data-confirm="首次下载即视为已报送银行，此后不能作废本批次。确定下载？"'
IMPORT_RESULTS = 'data-confirm="导入后立即按回单更新每笔的发放结果并短信通知职工，不能撤销。确定导入？"'


def test_the_first_download_and_a_results_import_ask_first_naming_what_cannot_be_undone(a, approved, finance_a, finance_b, campaign):
    """Both act at once and cannot be undone: the page asks first, as 作废本批次 does (staff-forms.js)."""
    batch = build(finance_a, campaign)
    approve(finance_b, batch)
    html = page_of(a, batch)
    download = re.search(r'<form [^>]*action="[^"]*/file"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert FIRST_DOWNLOAD in download and "data-first" in download
    assert IMPORT_RESULTS not in html
    assert a.post(f"{URL}{batch.batch_no}/file", {"format": "csv"}).status_code == 200

    html = page_of(a, batch)
    download = re.search(r'<form [^>]*action="[^"]*/file"[^>]*>', html).group(0)  # type: ignore[union-attr]
    # Downloaded again, the lines still waiting for the bank went with the first file: sending
    # them again pays them twice unless the bank never got it. The page asks, saying so.
    assert "再次下载发放文件" in html and FIRST_DOWNLOAD not in download and "data-first" not in download
    assert 'data-confirm="这 6 笔已于' in download and "否则会重复发放。确定再次下载？" in download
    assert "只有银行确认没有收到或无法读取原文件时才再次报送" in html
    results = re.search(r'<form [^>]*action="[^"]*/results"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert IMPORT_RESULTS in results
    # The question names the lines still waiting, not the batch's.
    rows = list(csv.reader(io.StringIO(services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)[0].decode("utf-8-sig"))))[1:]
    services.payment_results_import(
        user=finance_a, batch_no=batch.batch_no, content=results_file([(row[0], row[4], "success", "") for row in rows[:5]]).read()
    )
    download = re.search(r'<form [^>]*action="[^"]*/file"[^>]*>', page_of(a, batch)).group(0)  # type: ignore[union-attr]
    assert 'data-confirm="这 1 笔已于' in download


def test_a_batch_with_every_bank_result_says_so_on_the_list_and_its_page(a, approved, finance_a, finance_b, campaign):
    batch, rows = sent(finance_a, finance_b, campaign)
    sent_label = '<span class="pay-status pay-sent">已下载发放文件（已报送银行）</span>'
    done_label = '<span class="pay-status pay-all_results">银行结果已全部导入</span>'
    services.payment_results_import(
        user=finance_a, batch_no=batch.batch_no, content=results_file([(row[0], row[4], "success", "") for row in rows[:3]]).read()
    )
    assert sent_label in page_of(a, batch) and sent_label in a.get(URL).content.decode()  # three still wait for the bank

    answers = [(row[0], row[4], "success", "") for row in rows[3:5]] + [(rows[5][0], rows[5][4], "failure", "账户已销户")]
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file(answers).read())
    html = page_of(a, batch)
    assert done_label in html and "每一笔的银行结果均已导入" in html and sent_label not in html
    assert done_label in a.get(URL).content.decode()
    # Shown only: the batch stays sent, and a reversal keeps every line answered.
    assert PaymentBatch.objects.get().status == BatchStatus.SENT
    services.payment_line_reversal(user=finance_a, reference=rows[0][0], reason="账户冻结，银行退汇")
    assert done_label in page_of(a, batch) and done_label in a.get(URL).content.decode()


def test_a_results_file_with_an_unknown_reference_shows_every_reason_and_changes_nothing(a, approved, finance_a, finance_b, campaign):
    batch, rows = sent(finance_a, finance_b, campaign)
    answers = [(row[0], row[4], "success", "") for row in rows]
    answers.append(("P2020099999-000001", "500.00", "success", ""))
    answers[0] = (answers[0][0], "5000.00", "success", "")
    before = snapshot()
    response = a.post(f"{URL}{batch.batch_no}/results", {"file": results_file(answers)}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(f"{URL}{batch.batch_no}/", 302)]
    assert "未知的付款参考号 P2020099999-000001" in html and f"付款参考号 {rows[0][0]} 的金额 5000.00 与发放金额 500.00 不符" in html
    assert "数据库未作任何改动" in html and "以下 2 处问题" in html
    assert snapshot() == before


def test_the_import_form_says_what_each_column_holds_and_a_refusal_of_the_file_itself_names_no_rows(
    a, approved, finance_a, finance_b, campaign
):
    """Walked as a new finance officer making the bank's answer by hand: the form gave the header
    but not what ``result`` holds (only a refusal said success 或 failure); and an empty file, a
    workbook or a header alone was refused as “文件中有无法接受的行”, asking to check rows with the bank."""
    batch, _ = sent(finance_a, finance_b, campaign)
    html = page_of(a, batch)
    form = html[html.index('id="results"') :]
    assert (
        "<code>result</code> 填 <code>success</code> 或 <code>成功</code>（发放成功），"
        "<code>failure</code> 或 <code>失败</code>（发放失败），不能留空" in form
    )
    assert "表头 <code>reference,amount,result,reason</code>，不区分大小写和全角、半角" in form
    assert "<code>reason</code> 发放失败时填银行给出的原因" in form and "与发放文件相同" in form
    for content, reason in ((b"", "文件是空的。"), (b"reference,amount,result,reason\r\n", "文件中只有表头")):
        response = a.post(f"{URL}{batch.batch_no}/results", {"file": SimpleUploadedFile("回单.csv", content)}, follow=True)
        refused = response.content.decode()
        assert response.redirect_chain == [(f"{URL}{batch.batch_no}/", 302)] and reason in refused
        assert "银行回单文件未导入：文件未通过检查，数据库未作任何改动。" in refused and "无法接受的行" not in refused
        assert "请按以下 1 处问题更正（必要时与银行核对）后，重新导入整份回单" in refused
    assert not batch.result_imports.exists()


def test_a_good_results_file_marks_paid_and_failed_and_the_same_file_again_changes_nothing(a, approved, finance_a, finance_b, campaign):
    batch, rows = sent(finance_a, finance_b, campaign)
    answers = [(row[0], row[4], "success", "") for row in rows[:5]] + [(rows[5][0], rows[5][4], "failure", "户名与卡号不符")]
    response = a.post(f"{URL}{batch.batch_no}/results", {"file": results_file(answers)}, follow=True)
    html = response.content.decode()
    assert "发放成功 5 笔，发放失败 1 笔" in html and "户名与卡号不符" in html
    assert Application.objects.filter(status=Status.PAID).count() == 5
    assert Application.objects.filter(status=Status.PAYMENT_FAILED).count() == 1
    assert PaymentLine.objects.get(reference=rows[5][0]).status == LineStatus.FAILED
    before = snapshot()
    again = a.post(f"{URL}{batch.batch_no}/results", {"file": results_file(answers)}, follow=True)
    assert "没有任何改动" in again.content.decode() and snapshot() == before
    # A page without a file says so.
    without = a.post(f"{URL}{batch.batch_no}/results", {}, follow=True)
    assert without.redirect_chain and "请选择银行回单文件（CSV）。" in without.content.decode()


def test_the_batch_page_says_whether_an_imports_sms_are_queued_yet(
    a, approved, finance_a, finance_b, campaign, django_capture_on_commit_callbacks
):
    batch, rows = sent(finance_a, finance_b, campaign)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        a.post(f"{URL}{batch.batch_no}/results", {"file": results_file([(rows[0][0], rows[0][4], "success", "")])})
    html = page_of(a, batch)
    assert "成功 1 笔，失败 0 笔 · <span" in html and "短信正在后台登记" in html and "短信已全部进入" not in html
    for callback in callbacks:  # the background task runs
        callback()
    html = page_of(a, batch)
    assert "成功 1 笔，失败 0 笔 · 短信已全部进入发送队列" in html and "短信正在后台登记" not in html
    assert SmsMessage.objects.filter(template="paid").count() == 1


def test_a_reversal_needs_a_reason_and_makes_the_application_payment_failed(a, approved, finance_a, finance_b, campaign):
    batch, rows = sent(finance_a, finance_b, campaign)
    services.payment_results_import(
        user=finance_a, batch_no=batch.batch_no, content=results_file([(row[0], row[4], "success", "") for row in rows]).read()
    )
    reference = rows[0][0]
    html = page_of(a, batch)
    assert f'action="{URL}lines/{reference}/reversal"' in html and "登记退汇" in html

    refused = a.post(f"{URL}lines/{reference}/reversal", {"reason": "  "}, follow=True)
    assert refused.redirect_chain == [(f"{URL}{batch.batch_no}/?q={reference}", 302)]
    assert "请填写银行退汇的原因" in refused.content.decode()
    assert PaymentLine.objects.get(reference=reference).status == LineStatus.PAID

    response = a.post(f"{URL}lines/{reference}/reversal", {"reason": "账户冻结，银行退汇"}, follow=True)
    line = PaymentLine.objects.get(reference=reference)
    assert line.status == LineStatus.REVERSED and line.live is False and line.reversal_reason == "账户冻结，银行退汇"
    assert line.application.status == Status.PAYMENT_FAILED
    html = response.content.decode()
    assert "已登记" in html and "账户冻结，银行退汇" in html and "已退汇" in html
    assert AuditEvent.objects.filter(action="payment.reversal").count() == 1
    # A reversed line cannot be reversed again.
    again = a.post(f"{URL}lines/{reference}/reversal", {"reason": "再次"}, follow=True)
    assert again.redirect_chain and "登记退汇未成功" in again.content.decode()
    assert PaymentLine.objects.get(reference=reference).status == LineStatus.REVERSED
    assert a.post(f"{URL}lines/NOPE-1/reversal", {"reason": "x"}).status_code == 404


def test_the_line_search_finds_by_reference_name_and_application_number(a, approved, finance_a, campaign):
    batch = build(finance_a, campaign)
    lines = list(batch.lines.select_related("application").order_by("reference"))
    target = lines[3]
    for query in (target.reference, target.name, target.application.application_no):
        html = page_of(a, batch, "?" + f"q={query}")
        assert "找到 <strong>1</strong> 笔" in html, query
        assert target.reference in html
        assert all(other.reference not in html for other in lines if other.pk != target.pk)
    html = page_of(a, batch, "?q=nobody-at-all")
    assert "没有符合条件的明细" in html
    assert "找到 <strong>6</strong> 笔" in page_of(a, batch, "?status=built")
    assert "找到 <strong>0</strong> 笔" in page_of(a, batch, "?status=paid")


def test_lines_are_paginated_by_a_hundred(a, campaign, xihu, finance_a):
    for _ in range(101):
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    batch = build(finance_a, campaign)
    first = page_of(a, batch)
    assert "第 1/2 页（每页 100 笔）" in first and f"{batch.batch_no}-000101" not in first
    assert f"{batch.batch_no}-000101" in page_of(a, batch, "?page=2")


# --- the report -------------------------------------------------------------------------------


def test_the_report_sums_equal_the_database_and_its_xlsx_is_an_audited_export(a, approved, finance_a, finance_b, campaign, xihu):
    batch, rows = sent(finance_a, finance_b, campaign)
    answers = [(row[0], row[4], "success", "") for row in rows[:4]] + [(rows[4][0], rows[4][4], "failure", "卡号错误")]
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file(answers).read())
    services.payment_line_reversal(user=finance_a, reference=rows[0][0], reason="账户冻结")

    response = a.get(f"{URL}reports")
    assert response.status_code == 200
    report = response.context["report"]
    lines = PaymentLine.objects.filter(batch__campaign=campaign)
    paid = lines.filter(status=LineStatus.PAID).aggregate(n=Sum("amount"))["n"]
    failed = lines.filter(status=LineStatus.FAILED).aggregate(n=Sum("amount"))["n"]
    reversed_ = lines.filter(status=LineStatus.REVERSED).aggregate(n=Sum("amount"))["n"]
    pending = lines.filter(status=LineStatus.SENT).aggregate(n=Sum("amount"))["n"]
    assert report.total.paid.amount == paid and report.total.paid.count == 3
    # A reversal is its own column, not a failure: each line is counted once.
    assert report.total.failed.amount == failed and report.total.failed.count == 1
    assert report.total.reversed.amount == reversed_ and report.total.reversed.count == 1
    assert report.total.pending.amount == pending and report.total.pending.count == 1
    assert sum(row.paid.amount for row in report.unions) == paid == sum(row.paid.amount for row in report.levels)
    assert sum(row.failed.amount for row in report.unions) == failed == sum(row.failed.amount for row in report.levels)
    assert sum(row.reversed.count for row in report.unions) == 1 == sum(row.reversed.count for row in report.levels)
    counted = report.total.paid.count + report.total.failed.count + report.total.reversed.count + report.total.pending.count
    assert counted == lines.count() == 6
    # Annex 1 order: 24 unions, each listed whether or not it has payments.
    assert len(report.unions) == 24
    xihu_row = next(row for row in report.unions if row.label == xihu.name)
    xihu_paid = lines.filter(status=LineStatus.PAID, application__union=xihu).aggregate(n=Sum("amount"))["n"]
    assert xihu_row.paid.amount == xihu_paid
    html = response.content.decode()
    assert f"{paid:,.2f}" in html and "按技能等级" in html and "技师" in html

    download = a.get(f"{URL}reports?download=xlsx")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in download["Cache-Control"]
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["按工会", "按等级"]
    values = [[cell for cell in row] for row in book["按工会"].iter_rows(values_only=True)]
    total_row = next(row for row in values if row[0] == "合计")
    assert Decimal(str(total_row[2])) == paid and total_row[1] == 3 and total_row[3] == 0
    assert total_row[4] == 1 and Decimal(str(total_row[5])) == failed and total_row[6] == 1 and Decimal(str(total_row[7])) == reversed_
    assert any("退汇：银行发放成功后又退回款项的明细" in str(row[0]) for row in values)
    assert AuditEvent.objects.filter(action="report.payments", actor=finance_a).count() == 1


def test_a_reversal_is_counted_on_its_own_on_the_list_and_the_batch_page(a, approved, finance_a, finance_b, campaign):
    batch, rows = sent(finance_a, finance_b, campaign)
    answers = [(row[0], row[4], "success", "") for row in rows[:4]] + [(rows[4][0], rows[4][4], "failure", "卡号错误")]
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file(answers).read())
    services.payment_line_reversal(user=finance_a, reference=rows[0][0], reason="账户冻结")
    listed = a.get(URL).content.decode()
    cell = re.search(r'<td class="nowrap">(<span class="pay-result.*?)</td>', listed).group(1)  # type: ignore[union-attr]
    shown = re.findall(r'<span class="pay-result[^"]*"[^>]*>(\S+) (\d+)</span>', cell)
    # 3 paid (one of the four came back), 1 failed, 1 reversed, 1 waiting: six lines, each once.
    assert shown == [("成功", "3"), ("失败", "1"), ("退汇", "1"), ("待回单", "1")]
    assert sum(int(count) for _, count in shown) == batch.count
    assert "退汇＝发放成功后银行又退回款项（不计入成功或失败）" in listed
    html = page_of(a, batch)
    totals = html[html.index('class="table pay-status-table"') : html.index("</table>", html.index('class="table pay-status-table"'))]
    assert "已退汇" in totals and "已发放" in totals and "发放失败" in totals
    assert "已退汇＝发放成功后银行又退回，不计入已发放或发放失败" in html


def test_the_report_counts_a_payment_after_a_failure_as_paid_and_as_repaid(a, approved, finance_a, finance_b, campaign):
    batch, rows = sent(finance_a, finance_b, campaign)
    answers = [(row[0], row[4], "success", "") for row in rows[:4]] + [(row[0], row[4], "failure", "卡号错误") for row in rows[4:]]
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file(answers).read())
    services.payment_line_reversal(user=finance_a, reference=rows[0][0], reason="账户冻结")
    # Two corrected (one failed, one reversed) and paid by a second batch; the third failure waits.
    again = [PaymentLine.objects.get(reference=rows[4][0]).application_id, PaymentLine.objects.get(reference=rows[0][0]).application_id]
    Application.objects.filter(pk__in=again).update(status=Status.APPROVED)
    Application.objects.filter(pk=PaymentLine.objects.get(reference=rows[5][0]).application_id).update(status=Status.PAID)
    second, second_rows = sent(finance_a, finance_b, campaign)
    assert second.count == 2
    answers = [(row[0], row[4], "success", "") for row in second_rows]
    services.payment_results_import(user=finance_a, batch_no=second.batch_no, content=results_file(answers).read())

    report = a.get(f"{URL}reports").context["report"]
    assert (report.total.paid.count, report.total.repaid.count) == (5, 2)
    assert (report.total.failed.count, report.total.reversed.count, report.total.pending.count) == (2, 1, 0)
    repaid = PaymentLine.objects.filter(batch=second).aggregate(n=Sum("amount"))["n"]
    assert report.total.repaid.amount == repaid
    assert sum(row.repaid.count for row in report.unions) == 2 == sum(row.repaid.count for row in report.levels)
    html = a.get(f"{URL}reports").content.decode()
    assert "已发放 · 5 笔（其中重发成功 2 笔）" in html and "其中重发成功：此前发放失败或退汇" in html


# --- who may see and do what ----------------------------------------------------------------


def test_a_district_reviewer_gets_403_everywhere_and_builds_nothing(xihu_reviewer, approved, finance_a, campaign):
    batch = build(finance_a, campaign)
    client = signed_in(xihu_reviewer)
    assert "奖励核发" not in client.get("/staff/").content.decode()
    for path in (URL, f"{URL}{batch.batch_no}/", f"{URL}reports"):
        response = client.get(path)
        assert response.status_code == 403 and "无权" in response.content.decode(), path
    assert client.post(f"{URL}build", {"idempotency_key": "x"}).status_code == 403
    assert client.post(f"{URL}{batch.batch_no}/cancel").status_code == 403
    assert PaymentBatch.objects.get().status == BatchStatus.BUILT and PaymentBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="access.denied", actor=xihu_reviewer).count() == 5


def test_anonymous_is_sent_to_the_sign_in(approved):
    response = Client(HTTP_HOST="127.0.0.1").get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login")


def test_an_auditor_and_a_city_reviewer_read_everything_but_get_no_action_forms(
    auditor, city_reviewer, approved, finance_a, finance_b, campaign
):
    built = build(finance_a, campaign)
    factories.make_application(campaign=campaign, member=factories.make_member(union=approved[0].union))
    for user in (auditor, city_reviewer):
        client = signed_in(user)
        listing = client.get(URL).content.decode()
        assert "奖励核发" in listing and built.batch_no in listing
        assert 'name="idempotency_key"' not in listing and "您可以查看批次和统计" in listing
        html = page_of(client, built)
        assert 'method="post"' not in html.split("</nav>", 1)[1]
        for action in ("/approve", "/cancel", "/file", "/results", "/reversal"):
            assert action not in html, (user, action)
        assert "您的角色只能查看" in html
        assert client.get(f"{URL}reports").status_code == 200
        assert client.post(f"{URL}{built.batch_no}/approve", {"confirm": "1"}).status_code == 403
        assert client.post(f"{URL}build", {"idempotency_key": "k"}).status_code == 403
    assert PaymentBatch.objects.get().status == BatchStatus.BUILT
    # A sent and partly paid batch: still no forms.
    services.payment_batch_cancel(user=finance_a, batch_no=built.batch_no)
    batch, rows = sent(finance_a, finance_b, campaign)
    services.payment_results_import(
        user=finance_a, batch_no=batch.batch_no, content=results_file([(rows[0][0], rows[0][4], "success", "")]).read()
    )
    html = page_of(signed_in(auditor), batch)
    assert 'method="post"' not in html.split("</nav>", 1)[1]


def test_card_numbers_on_the_pages_are_masked(a, b, approved, finance_a, finance_b, campaign):
    Flag.objects.create(
        application=approved[0], code=FlagCode.BANK_CHANGED, message="发放失败后，职工更正了银行卡信息。", raised_at=timezone.now()
    )
    batch = build(finance_a, campaign)
    pages = [a.get(URL), a.get(f"{URL}{batch.batch_no}/"), b.get(f"{URL}{batch.batch_no}/")]
    approve(finance_b, batch)
    services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    pages += [a.get(f"{URL}{batch.batch_no}/"), a.get(f"{URL}{batch.batch_no}/?q={approved[0].name}"), a.get(f"{URL}reports")]
    for response in pages:
        html = response.content.decode()
        for app in approved:
            assert app.bank_card_no not in html
    html = pages[2].content.decode()
    assert all(mask_bank_card(app.bank_card_no) in html for app in approved)
    assert mask_bank_card(approved[0].bank_card_no).startswith(approved[0].bank_card_no[:6])
