"""奖励核发 as the service centre's two finance officers do it: 林晓燕 (finance.a) builds a batch
of every approved application; 陈国栋 (finance.b) opens it, sees the approval screen with the one
application whose card was changed after approval, approves it, downloads the bank file (the
page turns to 已报送银行), imports a return file that the system refuses whole (an unknown
reference, a wrong amount), then the bank's real one with one failure, searches a line, and
reads the report. Screenshots 60–69 in docs/screenshots/."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from rewards.applications.models import Application, Flag, FlagCode
from rewards.campaigns.selectors import campaign_units
from rewards.campaigns.services import campaign_load_notice
from rewards.core import clock
from rewards.core.vocab import Status
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.payments import services
from rewards.payments.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from tests import factories

from .conftest import STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = STAFF_PASSWORD
BANKS = ["中国工商银行杭州西湖支行", "中国建设银行杭州分行营业部", "杭州银行文创支行", "中国农业银行杭州拱墅支行", "浙江农商银行萧山支行"]
LEVELS = ["senior_worker", "senior_worker", "senior_worker", "technician", "senior_worker", "senior_technician", "technician"]


@pytest.fixture
def cast(settings):  # type: ignore[no-untyped-def]
    """Two finance officers; 26 approved applications over six unions, 5 of 上城区 already paid
    in an earlier batch; one application whose card was corrected after a failed payment."""
    settings.APP_TODAY = "2020-12-20"
    settings.SHOW_DEMO_BANNER = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    finance_a = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=PASSWORD, full_name="林晓燕")
    finance_b = staff_create(username="finance.b", role=Role.FINANCE_OFFICER, organisation=city, password=PASSWORD, full_name="陈国栋")
    units = {unit.organisation.name: unit.organisation for unit in campaign_units(campaign)}
    unions = [units[name] for name in ("西湖区总工会", "拱墅区总工会", "高新区（滨江）总工会", "萧山区总工会", "余杭区总工会", "建设工会")]
    shangcheng = units["上城区总工会"]
    earlier = [
        factories.make_application(campaign=campaign, member=factories.make_member(union=shangcheng), bank_branch=BANKS[1])
        for _ in range(5)
    ]
    # An earlier batch, built by B and approved by A, sent and paid in full.
    batch, _ = services.payment_batch_build(user=finance_b, campaign=campaign)
    services.payment_batch_approve(user=finance_a, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_b, batch_no=batch.batch_no)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    services.payment_results_import(
        user=finance_b, batch_no=batch.batch_no, content=results_csv([(r[0], r[4], "success", "") for r in rows])
    )
    apps = []
    for index in range(21):
        union = unions[index % len(unions)]
        apps.append(
            factories.make_application(
                campaign=campaign,
                member=factories.make_member(union=union),
                new_level=LEVELS[index % len(LEVELS)],
                bank_branch=BANKS[index % len(BANKS)],
            )
        )
    changed = apps[4]
    Flag.objects.create(
        application=changed, code=FlagCode.BANK_CHANGED, message="发放失败后，职工更正了银行卡信息。", raised_at=timezone.now()
    )
    return {"campaign": campaign, "apps": apps, "earlier": earlier, "changed": changed, "first_batch": batch}


def results_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    return ("reference,amount,result,reason\r\n" + "".join(",".join(row) + "\r\n" for row in rows)).encode("utf-8")


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    # Finance officers start at the payment batches.
    page.wait_for_url("**/staff/payments/")


def test_two_officers_build_approve_send_and_reconcile_a_batch(cast, live_server, page_factory, tmp_path):
    base = live_server.url
    apps = cast["apps"]

    # 林晓燕 builds the batch.
    page = page_factory(1440, 900)
    sign_in(page, base, "finance.a")
    page.click("nav.staff-nav >> text=奖励核发")
    page.wait_for_selector("#payable-title")
    assert "21" in page.inner_text(".pay-payable .pay-figure")
    screenshot(page, "60-payments-list")
    page.click("form.pay-build-form button[type=submit]")
    page.wait_for_selector(".pay-head")
    batch = PaymentBatch.objects.exclude(pk=cast["first_batch"].pk).get()
    assert batch.count == 21 and batch.status == BatchStatus.BUILT
    assert page.locator(f"form[action$='/{batch.batch_no}/approve']").count() == 0
    assert "本批次由您生成" in page.inner_text(".pay-actions")
    screenshot(page, "61-payments-built-builder")

    # 陈国栋 reviews it on the approval screen.
    other = page_factory(1440, 900)
    sign_in(other, base, "finance.b")
    other.goto(f"{base}/staff/payments/")
    other.click(f"text={batch.batch_no}")
    other.wait_for_selector("#review")
    review = other.inner_text("#review")
    assert "审核通过后更改了银行卡的申请（1 笔）" in review and cast["changed"].application_no in review
    assert all(app.bank_card_no not in other.content() for app in apps)
    other.locator("#review").scroll_into_view_if_needed()
    screenshot(other, "62-payments-approval-screen")
    other.click("form.pay-approve button[type=submit]")  # not ticked: the server says so, in Chinese
    other.wait_for_selector("text=请先勾选确认已核对笔数")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT
    other.check("input[name=confirm]")
    other.click("form.pay-approve button[type=submit]")
    other.wait_for_selector("form[data-download]")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by.username == "finance.b"
    screenshot(other, "63-payments-approved")

    # The bank file: the first download asks first (it marks the batch sent: no cancelling after),
    # then marks it sent, and the page turns to the results import.
    dialogs: list[str] = []
    other.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    other.click("form[data-download] button[value=csv]")
    assert dialogs == ["首次下载即视为已报送银行，此后不能作废本批次。确定下载？"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED  # not confirmed: nothing sent
    other.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    with other.expect_download() as info:
        other.click("form[data-download] button[value=csv]")
    saved = tmp_path / "bank.csv"
    info.value.save_as(saved)
    assert info.value.suggested_filename == f"核发批次{batch.batch_no}发放文件.csv"
    other.wait_for_selector("#id_results_file")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SENT
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))[1:]
    assert len(rows) == 21 and {row[2] for row in rows} == {app.bank_card_no for app in apps}
    screenshot(other, "64-payments-sent")
    # Downloaded again, the file holds the lines still waiting for the bank: the page asks first,
    # naming the double payment a second submission to the bank would make.
    with other.expect_download() as again:
        other.click("form[data-download] button[value=csv]")
    assert again.value.suggested_filename == f"核发批次{batch.batch_no}发放文件.csv"
    assert dialogs[-1].startswith("这 21 笔已于") and dialogs[-1].endswith("否则会重复发放。确定再次下载？")

    # A wrong return file is refused whole, every reason shown.
    bad = [(row[0], row[4], "success", "") for row in rows]
    bad[2] = (bad[2][0], "5000.00", "success", "")
    bad.append((f"{batch.batch_no}-000999", "500.00", "success", ""))
    bad_path = tmp_path / "回单-有误.csv"
    bad_path.write_bytes(results_csv(bad))
    other.set_input_files("#id_results_file", str(bad_path))
    other.click("form.pay-results button[type=submit]")
    other.wait_for_selector("#results-refused")
    refused = other.inner_text("#results-refused")
    assert "数据库未作任何改动" in refused and "未知的付款参考号" in refused and "金额 5000.00" in refused
    assert PaymentLine.objects.filter(batch=batch, status=LineStatus.SENT).count() == 21
    screenshot(other, "65-payments-results-refused")

    # The bank's real answer: one failure.
    failed_reference = rows[7][0]
    good = [
        (row[0], row[4], "success", "") if row[0] != failed_reference else (row[0], row[4], "failure", "户名与卡号不符") for row in rows
    ]
    good_path = tmp_path / "回单.csv"
    good_path.write_bytes(results_csv(good))
    other.goto(f"{base}/staff/payments/{batch.batch_no}/")
    other.set_input_files("#id_results_file", str(good_path))
    other.click("form.pay-results button[type=submit]")
    other.wait_for_selector(".flash-success")
    assert "发放成功 20 笔，发放失败 1 笔" in other.inner_text(".flash-list")
    assert dialogs[1:] == [
        dialogs[0],
        dialogs[2],
        *["导入后立即按回单更新每笔的发放结果并短信通知职工，不能撤销。确定导入？"] * 2,
    ]  # each asked
    assert other.inner_text(".pay-head .pay-status") == "银行结果已全部导入"
    assert Application.objects.filter(pk__in=[app.pk for app in apps], status=Status.PAID).count() == 20
    assert PaymentLine.objects.get(reference=failed_reference).status == LineStatus.FAILED
    screenshot(other, "66-payments-results-imported")

    # The line search; a paid line's 登记退汇 form opened.
    failed_line = PaymentLine.objects.get(reference=failed_reference)
    other.fill("input[name=q]", failed_line.name)
    other.click("form[role=search] button[type=submit]")
    other.wait_for_selector("text=户名与卡号不符")
    assert "找到 1 笔" in other.inner_text(".pay-section .result-count")
    paid_line = PaymentLine.objects.filter(batch=batch, status=LineStatus.PAID).order_by("reference").first()
    other.fill("input[name=q]", paid_line.reference)
    other.click("form[role=search] button[type=submit]")
    other.wait_for_selector("summary:has-text('登记退汇')")
    other.click("summary:has-text('登记退汇')")
    other.fill(f"#reason-{paid_line.reference}", "账户已冻结，银行退回")
    screenshot(other, "67-payments-line-search-reversal")
    other.click(f"form[action$='/lines/{paid_line.reference}/reversal'] button[type=submit]")
    other.wait_for_selector(".flash-success")
    # The bank's success keeps its time; the reversal has its own, with its reason.
    results = other.inner_text(".pay-lines tbody tr .pay-bank-results")
    paid_line.refresh_from_db()
    assert paid_line.status == LineStatus.REVERSED and paid_line.result_at < paid_line.reversed_at
    assert results.startswith("成功 ") and "退汇 " in results and results.endswith("：账户已冻结，银行退回")
    assert paid_line.result_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M") in results
    assert other.locator(".pay-status-table >> text=已退汇").count() == 1
    screenshot(other, "67b-payments-line-reversed")

    # The report, and its xlsx.
    other.click("nav.staff-nav >> text=奖励核发")
    other.click("nav.pay-tabs >> text=核发统计")
    other.wait_for_selector("#by-union")
    figures = other.inner_text(".pay-report-figures")
    paid_total = sum(line.amount for line in PaymentLine.objects.filter(status=LineStatus.PAID))
    assert f"{paid_total:,.2f}" in figures and "发放失败 · 1 笔" in figures and "退汇 · 1 笔" in figures
    screenshot(other, "68-payments-report")
    with other.expect_download() as info:
        other.click("text=下载 Excel（xlsx）")
    report = tmp_path / "report.xlsx"
    info.value.save_as(report)
    assert load_workbook(report).sheetnames == ["按工会", "按等级"]

    # Back on the list: both batches with their states.
    other.click("nav.pay-tabs >> text=核发批次")
    other.wait_for_selector("#batches-title")
    assert other.locator(".pay-table tbody tr").count() == 2
    results = other.inner_text(f".pay-table tbody tr:has(a:text-is('{batch.batch_no}')) td:last-child")
    assert results.replace(" ", "") == "成功19失败1退汇1"  # each line once: 21 = 19 + 1 + 1
    screenshot(other, "69-payments-list-after")
    assert page_factory.outside == []
