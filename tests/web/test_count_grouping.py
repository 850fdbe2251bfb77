"""Counts read with thousands on the staff pages and in the exports, as amounts and the training
and progress counts already do (decision 222): 笔数 of the payment pages and report workbook,
Annex 4's 人数, the review queue's counts, the batch import's counts, the audit log's. Years,
application and batch numbers, IDs and row numbers stay as they are: 2020, not 2,020."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from rewards.batches.models import BatchImport
from rewards.payments import selectors as payment_selectors
from rewards.payments.models import PaymentBatch
from rewards.payments.services import payment_batch_build
from rewards.review import selectors as review_selectors
from tests import factories
from tests.batches.sheets import row_for, sheet

from .test_batch_pages import upload

pytestmark = pytest.mark.django_db

MANY = 1234


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def _tally(count: int, amount: str = "617000.00") -> payment_selectors.Tally:
    return payment_selectors.Tally(count=count, amount=Decimal(amount))


@pytest.fixture
def approved(campaign, xihu):  # type: ignore[no-untyped-def]
    return [factories.make_application(campaign=campaign, member=factories.make_member(union=xihu)) for _ in range(3)]


@pytest.fixture
def batch(approved, finance_a, campaign) -> PaymentBatch:  # type: ignore[no-untyped-def]
    """A batch of three lines whose control total reads 1 234 笔 (as a large batch's would)."""
    built, _ = payment_batch_build(user=finance_a, campaign=campaign)
    PaymentBatch.objects.filter(pk=built.pk).update(count=MANY)
    return PaymentBatch.objects.get(pk=built.pk)


def test_the_payment_list_groups_its_counts_and_keeps_years_and_batch_numbers(monkeypatch, finance_a, batch, campaign):
    units = [payment_selectors.PayableUnit(union_id=1, name="西湖区总工会", tally=_tally(MANY))]
    monkeypatch.setattr(payment_selectors, "payable_summary", lambda campaign: (_tally(MANY), units))
    page = signed_in(finance_a).get("/staff/payments/?year=2020").content.decode()
    assert "<strong>1,234</strong><span>份申请" in page and "全部工会（1,234 份，617,000.00 元）" in page
    assert "西湖区总工会（1,234 份，617,000.00 元）" in page
    assert '<td class="num">1,234</td>' in page  # the batch's 笔数
    assert batch.batch_no in page and "2020" in page and "2,020" not in page
    assert "1234" not in page


def test_the_batch_page_groups_the_control_total(finance_b, batch):
    page = signed_in(finance_b).get(f"/staff/payments/{batch.batch_no}/").content.decode()
    assert "控制总数（<strong>1,234</strong> 笔" in page and "我已核对笔数（1,234 笔）" in page
    assert '<div class="pay-figure"><strong>1,234</strong><span>笔</span></div>' in page
    assert batch.batch_no in page and "1234" not in page


def test_the_payment_report_groups_its_counts_on_the_page_and_formats_them_in_the_workbook(monkeypatch, finance_a, approved, campaign):
    real = payment_selectors.payment_report

    def large(campaign):  # type: ignore[no-untyped-def]
        report = real(campaign)
        report.total.paid, report.total.failed, report.total.reversed = _tally(MANY), _tally(1000, "500000.00"), _tally(999, "0")
        return report

    monkeypatch.setattr(payment_selectors, "payment_report", large)
    monkeypatch.setattr("rewards.payments.report.payment_report", large)
    client = signed_in(finance_a)
    page = client.get("/staff/payments/reports?year=2020").content.decode()
    assert "已发放 · 1,234 笔" in page and "发放失败 · 1,000 笔" in page and "退汇 · 999 笔" in page
    total = page[page.index('<tr class="total">') :]
    compact = re.sub(r">\s+<", "><", total)
    assert '<td class="num">1,234</td><td class="num">617,000.00</td><td class="num">0</td><td class="num">1,000</td>' in compact
    assert "2020年度" in page and "2,020" not in page

    content = client.get("/staff/payments/reports?year=2020&download=xlsx").content
    sheet = load_workbook(io.BytesIO(content))["按工会"]
    assert "2020年度" in sheet["A1"].value  # the year as it is
    header = next(row for row in sheet.iter_rows(min_row=1, max_row=6) if row[0].value == "区县市、产业工会")
    total_row = next(row for row in sheet.iter_rows(min_row=header[0].row) if row[0].value == "合计")
    # 笔数 are numbers (to add up) that read 1,234; amounts keep their two decimals; the label is text.
    assert [cell.value for cell in total_row][1:] == [MANY, Decimal("617000.00"), 0, 1000, Decimal("500000.00"), 999, 0, 0, 0]
    assert [total_row[index].number_format for index in (1, 3, 4, 6, 8)] == ["#,##0"] * 5
    assert [total_row[index].number_format for index in (2, 5, 7, 9)] == ["#,##0.00"] * 4
    assert total_row[0].number_format == "General"


def test_annex4_groups_the_units_head_counts(monkeypatch, xihu_reviewer, campaign):
    from rewards.web.staff import reports

    def counts(user, campaign):  # type: ignore[no-untyped-def]
        return [
            {"unit": "杭州西湖精密机械有限公司工会", "district": "西湖区总工会", "count": MANY},
            {"unit": "小厂工会", "district": "西湖区总工会", "count": 999},
        ]

    monkeypatch.setattr(reports, "_unit_counts", counts)
    page = signed_in(xihu_reviewer).get("/staff/reports/annex4?year=2020").content.decode()
    assert '<td class="num">1,234</td>' in page and '<td class="num">999</td>' in page
    assert "2020年度各填报单位的单位统一申报人数" in page and "&amp;year=2020&amp;download=xlsx" in page


def test_the_queue_groups_its_status_counts(monkeypatch, xihu_reviewer, approved):
    monkeypatch.setattr(review_selectors, "status_counts", lambda user, filters: {"pending_district": MANY, "approved": 3})
    page = signed_in(xihu_reviewer).get("/staff/?status=pending_district").content.decode()
    assert re.search(r"待区县（产业）审核<span class=\"sr-only\">，共 </span><span class=\"count\">1,234</span>", page)
    assert '<span class="count">1,237</span>' in page  # 全部
    assert "共 <strong>1,234</strong> 份" in page
    page = signed_in(xihu_reviewer).get("/staff/?status=approved").content.decode()
    assert '<span class="count">1,234</span>' in page and "共 <strong>3</strong> 份" in page
    assert approved[0].application_no in page  # application numbers as they are


def test_a_batch_import_groups_its_row_counts_but_not_its_row_numbers(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    imported = BatchImport.objects.order_by("-pk").first()
    assert imported is not None
    rows = [{"row": 4 + index, "name": f"职工{index}", "status": "rejected", "errors": ["身份证号码应为18位。"]} for index in range(MANY)]
    BatchImport.objects.filter(pk=imported.pk).update(results=rows, total=MANY, processed=MANY, rejected=MANY)
    page = clerk.get(f"/staff/batch/{imported.pk}/?show=problems&page=7").content.decode()
    assert "<strong>1,234</strong><span>有问题，不导入</span>" in page and "共 1,234 行" in page
    assert '只看有问题的行<span class="count">1,234</span>' in page
    # The sheet's rows as Excel numbers them, positions rather than counts.
    assert '<td class="num">1237</td>' in page and "第 1201–1234 行" in page
    home = clerk.get("/staff/batch/").content.decode()
    assert '<td class="num">1,234</td>' in home and "有问题 1,234" in home


def test_the_audit_log_groups_its_export_limit_and_the_exports_count(auditor, monkeypatch):
    from rewards.core.audit import audit
    from rewards.reports import auditlog

    client = signed_in(auditor)
    for _ in range(1001):
        audit("report.payments", actor=auditor, detail={"year": 2020})
    page = client.get("/staff/audit?action=report.payments").content.decode()
    assert "最多导出最新的 5,000 条" in page and "本页 <strong>50</strong> 条" in page
    monkeypatch.setattr(auditlog, "EXPORT_LIMIT", 1000)
    content = client.get("/staff/audit/export.xlsx?action=report.payments").content
    sheet = load_workbook(io.BytesIO(content)).active
    line = sheet["A3"].value
    assert line.startswith("共 1,000 条") and "超过 1,000 条，仅导出最新的 1,000 条" in line
    # The entries' numbers (IDs) and the detail's year as they are.
    first = [cell.value for cell in sheet[5]]
    assert (
        isinstance(first[0], int) and sheet["A5"].number_format == "General" and "2020" in str(first[10]) and "2,020" not in str(first[10])
    )
