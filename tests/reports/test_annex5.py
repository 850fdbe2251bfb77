"""附件5 非通用性职业（工种）奖励项目申报表 (API.md GET /api/v1/reports/annex5.xlsx, and .pdf): the
notice's three columns and the city's answer, one form per union; scoped; audited."""

from __future__ import annotations

import pytest

from rewards.campaigns.declarations import occupation_declaration_decide, occupation_declare
from rewards.core import clock
from rewards.core.models import AuditEvent
from rewards.reports import renderers
from rewards.reports.annex5 import HEADERS, PDF_PAGE_LINES, TEMPLATE, pdf_lines, pdf_row

from .conftest import get_as, pdf_page_texts, pdf_text, workbook

pytestmark = pytest.mark.django_db

XLSX = "/api/v1/reports/annex5.xlsx"
PDF = "/api/v1/reports/annex5.pdf"
NOTICE_HEADERS = ["序号", "奖励职业（工种）名称", "申报理由"]
TITLE = "2020年非通用性职业（工种）奖励项目申报表"


@pytest.fixture
def declared(campaign, business_day, xihu_reviewer, shangcheng_reviewer, economic_officer):  # type: ignore[no-untyped-def]
    """西湖区: three declarations (one approved, one rejected, one pending); 上城区: one pending."""
    business_day("2020-08-20")
    drone = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="本区无人机企业集聚，持证职工约300人。")
    security = occupation_declare(user=xihu_reviewer, occupation="网络与信息安全管理员", reason="数字经济重点产业急需。")
    tea = occupation_declare(user=xihu_reviewer, occupation="茶艺师", reason="西湖龙井茶文化产业。")
    occupation_declare(user=shangcheng_reviewer, occupation="中式面点师", reason="老字号餐饮企业集中。")
    occupation_declaration_decide(user=economic_officer, declaration_id=drone.pk, decision="approve", opinion="同意备案。")
    occupation_declaration_decide(
        user=economic_officer, declaration_id=security.pk, decision="reject", opinion="已有人社部门证书，无需备案。"
    )
    business_day("2020-10-15")
    return {"drone": drone, "security": security, "tea": tea}


def header_row_of(ws) -> int:  # type: ignore[no-untyped-def]
    return next(row[0].row for row in ws.iter_rows() if row[0].value == "序号")


def data_rows(ws) -> list[list]:  # type: ignore[no-untyped-def]
    start = header_row_of(ws)
    return [list(row) for row in ws.iter_rows(min_row=start + 1, values_only=True) if isinstance(row[0], int)]


def test_the_first_three_columns_are_the_notices():
    assert list(HEADERS[:3]) == NOTICE_HEADERS
    assert list(HEADERS[3:]) == ["审核情况", "市总经济部意见"]


def test_a_district_reviewer_downloads_its_own_form(api, declared, xihu_reviewer):
    response = get_as(api, xihu_reviewer, XLSX, year=2020)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and "annex5-2020-" in response["Content-Disposition"]
    book = workbook(response.content)
    assert len(book.worksheets) == 1
    ws = book.worksheets[0]
    cells = [cell for row in ws.iter_rows(values_only=True) for cell in row if cell]
    assert "附件5" in cells and TITLE in cells
    assert "申报单位（盖章）：西湖区总工会" in cells
    assert [cell.value for cell in ws[header_row_of(ws)]] == [*NOTICE_HEADERS, "审核情况", "市总经济部意见"]
    assert data_rows(ws) == [
        [1, "无人机驾驶员", "本区无人机企业集聚，持证职工约300人。", "已备案同意", "同意备案。"],
        [2, "网络与信息安全管理员", "数字经济重点产业急需。", "不同意", "已有人社部门证书，无需备案。"],
        [3, "茶艺师", "西湖龙井茶文化产业。", "待审核", None],
    ]
    assert any(isinstance(cell, str) and "8月30日前报市总工会经济工作部" in cell for cell in cells)


def test_the_city_gets_one_form_per_declaring_union_in_annex1_order(api, declared, economic_officer):
    book = workbook(get_as(api, economic_officer, XLSX, year=2020).content)

    assert book.sheetnames == ["上城区总工会", "西湖区总工会"]
    assert data_rows(book["上城区总工会"]) == [[1, "中式面点师", "老字号餐饮企业集中。", "待审核", None]]
    assert len(data_rows(book["西湖区总工会"])) == 3


def test_the_city_may_ask_for_one_union(api, declared, city_reviewer):
    book = workbook(get_as(api, city_reviewer, XLSX, year=2020, union="上城区总工会").content)

    assert len(book.worksheets) == 1
    assert data_rows(book.worksheets[0])[0][1] == "中式面点师"


def test_with_nothing_declared_the_city_gets_the_blank_form(api, campaign, auditor):
    response = get_as(api, auditor, XLSX, year=2020)

    assert response.status_code == 200
    ws = workbook(response.content).worksheets[0]
    # The notice's form: numbered rows to fill in by hand, as many as a union may declare.
    assert data_rows(ws) == [[1, None, None, None, None], [2, None, None, None, None], [3, None, None, None, None]]
    assert "申报单位（盖章）：" in [cell for row in ws.iter_rows(values_only=True) for cell in row if cell]


def test_a_union_that_declared_nothing_gets_as_many_blank_rows_as_it_may_declare(api, campaign, xihu_reviewer):
    campaign.declaration_limit = 5
    campaign.save(update_fields=["declaration_limit"])
    ws = workbook(get_as(api, xihu_reviewer, XLSX, year=2020).content).worksheets[0]
    assert [row[0] for row in data_rows(ws)] == [1, 2, 3, 4, 5]
    assert all(cell is None for row in data_rows(ws) for cell in row[1:])
    text = pdf_text(get_as(api, xihu_reviewer, PDF, year=2020).content)
    assert "申报单位（盖章）：西湖区总工会" in text and "尚未申报" not in text
    assert "市总经济部意见12345注：" in text  # five numbered rows, nothing in them


def test_the_pdf_has_the_chinese_text(api, declared, xihu_reviewer):
    response = get_as(api, xihu_reviewer, PDF, year=2020)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in (
        "附件5",
        TITLE,
        "申报单位（盖章）：西湖区总工会年月日",  # the date beside the stamp, as on the workbook
        "奖励职业（工种）名称",
        "申报理由",
        "无人机驾驶员",
        "本区无人机企业集聚，持证职工约300人。",
        "已备案同意",
        "已有人社部门证书，无需备案。",
        "8月30日前报市总工会经济工作部",
    ):
        assert words in text, words


def test_the_citys_pdf_has_a_section_per_union(api, declared, economic_officer):
    text = pdf_text(get_as(api, economic_officer, PDF, year=2020).content)

    assert text.index("申报单位（盖章）：上城区总工会") < text.index("申报单位（盖章）：西湖区总工会")


def test_every_export_is_audited(api, declared, xihu_reviewer, economic_officer):
    get_as(api, xihu_reviewer, XLSX, year=2020)
    get_as(api, economic_officer, PDF, year=2020)

    events = list(AuditEvent.objects.filter(action="report.annex5").order_by("pk"))
    assert [event.actor for event in events] == [xihu_reviewer, economic_officer]
    assert events[0].object_type == "organisations.organisation"
    assert events[0].detail == {"year": 2020, "format": "xlsx", "unions": 1, "rows": 3}
    assert events[1].detail == {"year": 2020, "format": "pdf", "unions": 2, "rows": 4}


def test_another_unions_form_is_404_and_recorded(api, declared, xihu_reviewer):
    response = get_as(api, xihu_reviewer, XLSX, year=2020, union="上城区总工会")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    denial = AuditEvent.objects.get(action="access.denied")
    assert denial.detail["what"] == "annex5" and denial.result == "denied"
    assert not AuditEvent.objects.filter(action="report.annex5").exists()


@pytest.mark.parametrize("role", ["grassroots_clerk", "finance_a", "administrator"])
def test_other_roles_are_403(api, declared, request, role):
    response = get_as(api, request.getfixturevalue(role), XLSX, year=2020)

    assert response.status_code == 403


def test_a_grassroots_union_is_not_a_declaring_unit(api, declared, economic_officer, xihu_grassroots):
    response = get_as(api, economic_officer, XLSX, year=2020, union=xihu_grassroots.name)

    assert response.status_code == 400
    assert "union" in response.json()["error"]["fields"]


def test_an_unknown_year_is_404(api, declared, economic_officer):
    assert get_as(api, economic_officer, XLSX, year=2019).status_code == 404


# --- the PDF across pages: the header on every page, rows kept whole where they fit -------------

HEADER_TEXT = "".join(HEADERS)


def _pdf_of_rows(rows: list[list]) -> bytes:  # type: ignore[type-arg]
    context = {
        "label": "附件5",
        "title": TITLE,
        "headers": HEADERS,
        "date_line": "",
        "notes": ("注：",),
        "sections": [{"unit_line": "申报单位（盖章）：西湖区总工会", "rows": [pdf_row(row) for row in rows]}],
        "generated_at": clock.now(),
    }
    return renderers.pdf(TEMPLATE, context)


def _lines(count: int, char: str = "意") -> str:
    return "\n".join(char for _ in range(count))


def test_a_row_is_kept_whole_up_to_a_pages_lines():
    assert pdf_lines("", 10) == 1
    assert pdf_lines("一二三四五六七八九十", 10) == 1 and pdf_lines("一二三四五六七八九十一", 10) == 2
    assert pdf_lines("1234567890" * 2, 10) == 2  # half-width characters count 0.6: twenty of them fill 12 places
    assert pdf_lines("甲\n\n乙", 10) == 3  # a line break starts a line; an empty line is one
    assert pdf_row([1, "车工", "理由", "待审核", _lines(PDF_PAGE_LINES)])["fits"] is True
    assert pdf_row([1, "车工", "理由", "待审核", _lines(PDF_PAGE_LINES + 1)])["fits"] is False
    assert pdf_row([1, "车工", "甲" * 18 * PDF_PAGE_LINES, "待审核", ""])["fits"] is True
    assert pdf_row([1, "车工", "甲" * (18 * PDF_PAGE_LINES + 1), "待审核", ""])["fits"] is False


def test_the_tallest_row_kept_whole_prints_on_one_page_under_the_header():
    # The row that may still be kept whole really fits under the header: pushed to the next page
    # whole, the header printed above it (a row that did not fit would lose that page's header).
    tallest = _lines(PDF_PAGE_LINES, "高")
    rows = [[1, "车工", "理由", "待审核", "同意。"], [2, "钳工", "理由", "待审核", tallest]]
    pages = pdf_page_texts(_pdf_of_rows(rows))

    assert len(pages) == 2
    assert all(page.count(HEADER_TEXT) == 1 for page in pages)
    assert "高" not in pages[0] and pages[1].count("高") == PDF_PAGE_LINES


def test_a_row_taller_than_a_page_breaks_across_pages_under_the_header():
    taller = _lines(PDF_PAGE_LINES * 2, "高")
    rows = [[1, "车工", "理由", "待审核", "同意。"], [2, "钳工", "理由", "待审核", taller], [3, "焊工", "理由", "待审核", ""]]
    pages = pdf_page_texts(_pdf_of_rows(rows))

    assert len(pages) >= 3
    assert all(page.count(HEADER_TEXT) == 1 for page in pages), [page[:40] for page in pages]
    assert "高" in pages[0]  # not pushed off the first page, leaving it empty
    assert sum(page.count("高") for page in pages) == PDF_PAGE_LINES * 2  # all of it printed


def test_long_reasons_and_opinions_among_many_rows_carry_the_header_on_every_page(
    api, campaign, business_day, xihu_reviewer, economic_officer
):
    campaign.declaration_limit = 15
    campaign.save(update_fields=["declaration_limit"])
    business_day("2020-08-20")
    opinion = ("经审核，该职业已纳入国家职业分类大典，相关技能等级证书由人社部门认定，建议按通用性职业办理。" * 12)[:500]
    reason = ("本区相关企业集聚，持证职工众多，技能人才缺口大，申请列入非通用性职业。\n" * 30)[:1000]
    declared = [
        occupation_declare(user=xihu_reviewer, occupation=f"职业{number:02d}", reason=reason if number == 9 else "本区企业集聚。")
        for number in range(1, 15)
    ]
    for declaration in declared[2:4]:
        occupation_declaration_decide(user=economic_officer, declaration_id=declaration.pk, decision="reject", opinion=opinion)

    content = get_as(api, xihu_reviewer, PDF, year=2020).content
    pages = pdf_page_texts(content)

    assert len(pages) >= 3
    assert all(page.count(HEADER_TEXT) == 1 for page in pages), [page[:40] for page in pages]
    text = "".join(pages)
    # Every character of them printed (a row broken across pages has the header between its parts).
    assert text.count("典") == 2 * opinion.count("典") and text.count("缺") == reason.count("缺")
    assert all(f"职业{number:02d}" in text for number in range(1, 15))
