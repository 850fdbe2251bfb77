"""附件4 汇总表 (API.md GET /api/v1/reports/annex4.xlsx and .pdf): one submitting unit's batch
applications in the notice's column order, the 填报单位 line and the notes; one table per
grassroots union on request; scoped, masked for non-reviewers, audited."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from rewards.core import clock
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.organisations.models import OrgKind
from rewards.organisations.services import organisation_ensure
from rewards.reports.annex4 import HEADERS, NOTES

from .conftest import batch_application, get_as, online_application, pdf_pages, pdf_text, signed_in, workbook

pytestmark = pytest.mark.django_db

XLSX = "/api/v1/reports/annex4.xlsx"
PDF = "/api/v1/reports/annex4.pdf"
OFFICIAL_HEADERS = [
    "序号",
    "姓名",
    "性别",
    "工作单位",
    "身份证号",
    "职业（工种）",
    "技术等级",
    "证书编号",
    "联系方式（手机号码）",
    "银行卡号",
    "银行卡开户行",
]
TITLE = "2020年度杭州市职工高技能人才奖励人员汇总表"


@pytest.fixture
def rows(campaign, business_day, xihu_grassroots, xihu_grassroots_b, shangcheng_grassroots):  # type: ignore[no-untyped-def]
    """Three live rows, a withdrawn one and a rejected one for 西湖精密, one for 之江电气, one for a 上城区 union."""
    start = clock.now() - dt.timedelta(hours=1)
    mine = [
        batch_application(campaign, xihu_grassroots, name=name, submitted_at=start + dt.timedelta(minutes=index), **extra)
        for index, (name, extra) in enumerate(
            [
                ("王建国", {}),
                ("李秀英", {"gender": "female", "new_level": "technician", "status": Status.APPROVED}),
                ("欧阳晓燕", {"gender": "female", "status": Status.PENDING_GRASSROOTS}),
            ]
        )
    ]
    batch_application(campaign, xihu_grassroots, name="撤回者", status=Status.WITHDRAWN)
    batch_application(campaign, xihu_grassroots, name="不予者", status=Status.REJECTED)  # not put forward on the stamped form
    other_unit = batch_application(campaign, xihu_grassroots_b, name="赵磊")
    elsewhere = batch_application(campaign, shangcheng_grassroots, name="孙丽")
    return {"mine": mine, "other_unit": other_unit, "elsewhere": elsewhere}


def data_rows(ws, header_row: int) -> list[list]:  # type: ignore[no-untyped-def]
    values = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if not isinstance(row[0], int):
            break
        values.append(list(row))
    return values


def header_row_of(ws) -> int:  # type: ignore[no-untyped-def]
    return next(row[0].row for row in ws.iter_rows() if row[0].value == "序号")


def test_headers_are_the_notices_columns():
    assert list(HEADERS) == OFFICIAL_HEADERS


def test_xlsx_of_a_grassroots_union_for_its_district_reviewer(api, rows, xihu_grassroots, xihu_reviewer):
    response = get_as(api, xihu_reviewer, XLSX, org=xihu_grassroots.name, year=2020)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "no-store"
    expected_name = f"附件4-2020年度高技能人才奖励人员汇总表-{xihu_grassroots.name}.xlsx"
    assert f"filename*=UTF-8''{quote(expected_name, safe='')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")

    book = workbook(response.content)
    assert len(book.worksheets) == 1
    ws = book.worksheets[0]
    assert ws["A1"].value == "附件4"
    assert ws["A2"].value == TITLE
    assert ws["A3"].value == f"填报单位：{xihu_grassroots.name}（盖章）"
    assert "年" in ws.cell(row=3, column=9).value and "日" in ws.cell(row=3, column=9).value
    header = header_row_of(ws)
    assert [cell.value for cell in ws[header]] == OFFICIAL_HEADERS
    table = data_rows(ws, header)
    assert [row[0] for row in table] == [1, 2, 3]
    assert [row[1] for row in table] == ["王建国", "李秀英", "欧阳晓燕"]  # in entry order; withdrawn, rejected and other units left out
    first = rows["mine"][0]
    assert table[0] == [
        1,
        "王建国",
        "男",
        first.employer,
        first.id_number,
        "数控车工",
        "高级工",
        first.certificate_no,
        first.phone,
        first.bank_card_no,
        "中国工商银行杭州西湖支行",
    ]
    assert table[1][2] == "女" and table[1][6] == "技师"
    for column in (5, 8, 9, 10):  # 身份证号, 证书编号, 联系方式, 银行卡号: text, never numbers
        cell = ws.cell(row=header + 1, column=column)
        assert cell.data_type == "s" and cell.number_format == "@"
    notes = [ws.cell(row=row, column=1).value for row in range(header + len(table) + 1, ws.max_row + 1)]
    assert notes == list(NOTES)
    assert "该表仅单位统一申报时需要填写，个人申报无需填写" in notes[0]
    assert "受奖励人员所在单位必须建立工会组织" in notes[1]
    assert ws.page_setup.orientation == "landscape"


def test_export_is_audited_without_personal_numbers(api, rows, xihu_grassroots, xihu_reviewer):
    get_as(api, xihu_reviewer, XLSX, org=xihu_grassroots.name, year=2020)
    entry = AuditEvent.objects.get(action="report.annex4")
    assert entry.actor == xihu_reviewer
    assert entry.object_type == "organisations.organisation" and entry.object_id == str(xihu_grassroots.pk)
    assert entry.detail == {"year": 2020, "format": "xlsx", "per_unit": False, "units": 1, "rows": 3, "full": True}
    for application in rows["mine"]:
        for number in (application.id_number, application.phone, application.bank_card_no):
            assert number not in str(entry.detail)


def test_a_district_gets_one_table_or_one_sheet_per_grassroots_union(api, rows, xihu, xihu_grassroots, xihu_grassroots_b, xihu_reviewer):
    combined = workbook(get_as(api, xihu_reviewer, XLSX, org=xihu.name, year=2020).content)
    assert len(combined.worksheets) == 1
    ws = combined.worksheets[0]
    assert ws["A3"].value == "填报单位：西湖区总工会（盖章）"
    assert [row[1] for row in data_rows(ws, header_row_of(ws))] == ["王建国", "李秀英", "欧阳晓燕", "赵磊"]

    per_unit = workbook(get_as(api, xihu_reviewer, XLSX, org=xihu.name, year=2020, per_unit=1).content)
    assert [sheet.title for sheet in per_unit.worksheets] == [xihu_grassroots.name, xihu_grassroots_b.name]
    first, second = per_unit.worksheets
    assert first["A3"].value == f"填报单位：{xihu_grassroots.name}（盖章）"
    assert [row[:2] for row in data_rows(first, header_row_of(first))] == [[1, "王建国"], [2, "李秀英"], [3, "欧阳晓燕"]]
    assert second["A3"].value == f"填报单位：{xihu_grassroots_b.name}（盖章）"
    assert [row[:2] for row in data_rows(second, header_row_of(second))] == [[1, "赵磊"]]
    assert [cell.value for cell in second[header_row_of(second)]] == OFFICIAL_HEADERS
    assert AuditEvent.objects.filter(action="report.annex4").latest("id").detail["units"] == 2


def test_online_applications_are_not_in_annex4(api, rows, member, xihu, xihu_reviewer):
    online_application(api, member)
    ws = workbook(get_as(api, xihu_reviewer, XLSX, org=xihu.name).content).worksheets[0]
    assert member.name not in [row[1] for row in data_rows(ws, header_row_of(ws))]


def test_an_auditor_gets_masked_numbers(api, rows, xihu_grassroots, auditor):
    ws = workbook(get_as(api, auditor, XLSX, org=xihu_grassroots.name).content).worksheets[0]
    first = rows["mine"][0]
    table = data_rows(ws, header_row_of(ws))
    assert table[0][4] == mask_id_number(first.id_number)
    assert table[0][8] == mask_phone(first.phone)
    assert table[0][9] == mask_bank_card(first.bank_card_no)
    assert AuditEvent.objects.get(action="report.annex4").detail["full"] is False


def test_pdf_is_a_landscape_form_with_title_unit_line_rows_and_notes(api, rows, xihu_grassroots, xihu_reviewer):
    response = get_as(api, xihu_reviewer, PDF, org=xihu_grassroots.name, year=2020)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "附件4" in text and TITLE in text
    assert f"填报单位：{xihu_grassroots.name}（盖章）" in text
    for header in OFFICIAL_HEADERS:
        assert header in text, header
    first = rows["mine"][0]
    assert f"1王建国男{first.employer}{first.id_number}数控车工高级工{first.certificate_no}{first.phone}{first.bank_card_no}" in text
    assert "撤回者" not in text and "赵磊" not in text
    assert "".join(NOTES[0].split()) in text and "".join(NOTES[1].split()) in text
    assert pdf_pages(response.content) == 1
    assert AuditEvent.objects.get(action="report.annex4").detail["format"] == "pdf"


def test_pdf_per_unit_has_one_section_per_grassroots_union(api, rows, xihu, xihu_grassroots, xihu_grassroots_b, xihu_reviewer):
    response = get_as(api, xihu_reviewer, PDF, org=xihu.name, per_unit="1")
    assert pdf_pages(response.content) == 2
    text = pdf_text(response.content)
    assert text.count(TITLE) == 2
    assert f"填报单位：{xihu_grassroots.name}（盖章）" in text and f"填报单位：{xihu_grassroots_b.name}（盖章）" in text
    assert "1赵磊" in text


def test_an_empty_unit_still_prints_the_blank_form(api, campaign, xihu_grassroots_b, xihu_reviewer):
    text = pdf_text(get_as(api, xihu_reviewer, PDF, org=xihu_grassroots_b.name).content)
    assert TITLE in text and "本年度没有单位统一申报的人员" in text


# --- scope, roles and input ------------------------------------------------------------------


def test_another_districts_reviewer_gets_404_and_the_denial_is_audited(api, rows, xihu_grassroots, xihu, shangcheng_reviewer):
    for org in (xihu_grassroots.name, xihu.name):
        response = get_as(api, shangcheng_reviewer, XLSX, org=org)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert get_as(api, shangcheng_reviewer, PDF, org=xihu_grassroots.name).status_code == 404
    denials = AuditEvent.objects.filter(action="access.denied").order_by("id")
    assert denials.count() == 3
    assert denials[0].object_id == str(xihu_grassroots.pk) and denials[0].detail == {"org": xihu_grassroots.name, "what": "annex4"}
    assert not AuditEvent.objects.filter(action="report.annex4").exists()


def test_a_grassroots_clerk_prints_only_its_own_union(api, rows, grassroots_clerk, xihu_grassroots, xihu_grassroots_b, xihu):
    response = get_as(api, grassroots_clerk, XLSX, org=xihu_grassroots.name)
    assert response.status_code == 200
    ws = workbook(response.content).worksheets[0]
    assert len(data_rows(ws, header_row_of(ws))) == 3
    assert ws.cell(row=header_row_of(ws) + 1, column=5).value == rows["mine"][0].id_number
    for org in (xihu_grassroots_b.name, xihu.name):
        assert get_as(api, grassroots_clerk, XLSX, org=org).status_code == 404


def test_roles_and_input_errors(api, rows, xihu_grassroots, administrator, city_reviewer, city):
    assert api.get(XLSX, {"org": xihu_grassroots.name}).status_code == 401
    assert get_as(api, administrator, XLSX, org=xihu_grassroots.name).status_code == 403
    missing = get_as(api, city_reviewer, XLSX)
    assert missing.status_code == 400 and "org" in missing.json()["error"]["fields"]
    bad_year = get_as(api, city_reviewer, XLSX, org=xihu_grassroots.name, year="二〇二〇")
    assert bad_year.status_code == 400 and "year" in bad_year.json()["error"]["fields"]
    assert get_as(api, city_reviewer, XLSX, org=xihu_grassroots.name, year=2019).status_code == 404
    city_wide = get_as(api, city_reviewer, XLSX, org=city.name)
    assert city_wide.status_code == 400 and "org" in city_wide.json()["error"]["fields"]
    assert get_as(api, city_reviewer, XLSX, org="没有这个工会").status_code == 404


def test_the_city_reviewer_may_print_any_unit_and_names_match_across_bracket_widths(api, rows, campaign, city_reviewer, xihu):
    unit, _ = organisation_ensure(name="杭州（西湖）光学仪器有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    application = batch_application(campaign, unit, name="周海峰")
    response = get_as(api, city_reviewer, PDF, org="杭州(西湖)光学仪器有限公司工会", year="2020")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "填报单位：杭州（西湖）光学仪器有限公司工会（盖章）" in text
    assert application.id_number in text


# --- the staff page ----------------------------------------------------------------------------


def test_the_staff_page_offers_the_units_and_downloads(rows, xihu, xihu_grassroots, xihu_grassroots_b, xihu_reviewer):
    client = signed_in(xihu_reviewer)
    page = client.get("/staff/reports/annex4")
    assert page.status_code == 200
    assert "汇总表（附件4）" in page.text
    for name in (xihu.name, xihu_grassroots.name, xihu_grassroots_b.name):
        assert f'<option value="{name}"' in page.text
    assert "杭州河坊餐饮有限公司工会" not in page.text  # 上城区's union is not offered
    assert "每个基层工会一张表" in page.text
    download = client.get("/staff/reports/annex4", {"org": xihu.name, "year": "2020", "per_unit": "1", "download": "xlsx"})
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(workbook(download.content).worksheets) == 2
    pdf = client.get("/staff/reports/annex4", {"org": xihu_grassroots.name, "year": "2020", "download": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="report.annex4").count() == 2


def test_the_staff_page_refuses_a_unit_outside_the_subtree(rows, xihu_grassroots, shangcheng_reviewer):
    response = signed_in(shangcheng_reviewer).get("/staff/reports/annex4", {"org": xihu_grassroots.name, "download": "xlsx"})
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.text
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_the_staff_layout_links_to_the_annex4_page(rows, grassroots_clerk):
    page = signed_in(grassroots_clerk).get("/staff/reports/annex4")
    assert 'href="/staff/reports/annex4"' in page.text
    assert page.status_code == 200


def test_the_staff_page_asks_for_a_unit_in_chinese_when_none_is_chosen(rows, city_reviewer):
    response = signed_in(city_reviewer).get("/staff/reports/annex4", {"org": "", "year": "2020", "download": "xlsx"})
    assert response.status_code == 400
    assert "请填写填报单位" in response.text
    assert 'class="filters annex4-form" method="get" action="/staff/reports/annex4" novalidate' in response.text


def test_the_pages_count_per_unit_is_the_number_of_rows_in_its_file(rows, xihu_grassroots, xihu_reviewer):
    """Withdrawn and rejected rows are left out of the table and of the count above it alike."""
    client = signed_in(xihu_reviewer)
    page = client.get("/staff/reports/annex4").content.decode()
    assert f"<td>{xihu_grassroots.name}</td>" in page
    row = page.split(f"<td>{xihu_grassroots.name}</td>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">3</td>' in row
    download = client.get("/staff/reports/annex4", {"org": xihu_grassroots.name, "year": "2020", "download": "xlsx"})
    sheet = workbook(download.content).worksheets[0]
    assert len(data_rows(sheet, header_row_of(sheet))) == 3


@pytest.mark.parametrize("year", ["²⁰²⁰", "②⓪②⓪", "²"])
def test_a_year_of_digits_that_are_not_numbers_is_refused_not_a_500(api, rows, xihu_grassroots, city_reviewer, year):
    """The year "²⁰²⁰" passes str.isdigit() and int() refuses it: the page and the API answered 500."""
    api_answer = get_as(api, city_reviewer, XLSX, org=xihu_grassroots.name, year=year)
    assert api_answer.status_code == 400 and "四位数字" in api_answer.json()["error"]["fields"]["year"][0]
    client = signed_in(city_reviewer)
    assert client.get("/staff/reports/annex4", {"year": year}).status_code == 400  # the page too (decision 268)
    download = client.get("/staff/reports/annex4", {"org": xihu_grassroots.name, "year": year, "download": "xlsx"})
    assert download.status_code == 400 and "四位数字" in download.text


def test_full_width_digits_name_the_year(api, rows, xihu_grassroots, city_reviewer):
    response = get_as(api, city_reviewer, XLSX, org=xihu_grassroots.name, year="２０２０")
    assert response.status_code == 200
