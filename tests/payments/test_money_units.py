"""Every sum of money in the payments' spreadsheets says its unit: the xlsx bank file's 金额 and
its 合计 sheet read 金额（元） and 金额合计（元）, as the 核发统计 export's columns do (a finance
officer pasting the bank file beside the report saw 金额 on one and 已发放金额（元） on the other)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from rewards.payments.report import payment_report_export

from ..api.helpers import bearer
from .helpers import sent_batch

pytestmark = pytest.mark.django_db


def _money_headers(row: tuple[object, ...]) -> list[str]:
    return [str(cell) for cell in row if cell is not None and "金额" in str(cell)]


def test_the_xlsx_bank_file_names_its_money_columns_in_yuan(api, approved, finance_a, finance_b):
    batch_no, a, _, _ = sent_batch(api, finance_a, finance_b)

    response = api.get(f"/api/v1/payments/batches/{batch_no}/file?format=xlsx", **bearer(a))

    assert response.status_code == 200
    data, summary = load_workbook(io.BytesIO(response.content)).worksheets
    assert next(data.iter_rows(max_row=1, values_only=True)) == ("付款参考号", "户名", "银行卡号", "开户行", "金额（元）")
    assert next(summary.iter_rows(max_row=1, values_only=True)) == ("批次号", "笔数", "金额合计（元）")
    # The figures under them stay numbers (Excel adds them up), in 元 with two decimals.
    amounts = [row[4] for row in data.iter_rows(min_row=2, values_only=True)]
    assert len(amounts) == len(approved) and all(isinstance(amount, int | float) for amount in amounts)
    assert next(summary.iter_rows(min_row=2, values_only=True))[2] == sum(amounts)


def test_the_payment_reports_money_columns_say_yuan_too(approved, finance_a, campaign):
    content = payment_report_export(user=finance_a, campaign=campaign).content
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        header = next(row for row in sheet.iter_rows(values_only=True) if row[0] in ("区县市、产业工会", "技能等级"))
        money = _money_headers(header)
        assert len(money) == 4 and all(name.endswith("金额（元）") for name in money), (sheet.title, money)
