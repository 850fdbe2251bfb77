"""The shared renderers: worksheet names, PDFs that read only local assets, nothing on disk."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from weasyprint.urls import URLFetchingError

from rewards.reports import renderers
from rewards.reports.renderers import ASSETS, Column, Sheet, sheet_name

from .conftest import batch_application, get_as, pdf_text, workbook


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_name("杭州[西湖]:精密/机械*有限公司?工会", taken) == "杭州_西湖__精密_机械_有限公司_工会"
    long = "杭州市西湖区某某某某某某某某某某某某某某某某某某某某某某某某某某工会"
    first = sheet_name(long, taken)
    second = sheet_name(long, taken)
    assert len(first) == 31 and len(second) <= 31 and first != second and second.endswith("(2)")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/font.woff",
        "https://example.invalid/style.css",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x.css",
        "file:///etc/passwd",
        (ASSETS / ".." / "annex3.py").resolve().as_uri(),
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_local_assets(url):
    with pytest.raises((URLFetchingError, ValueError)):
        renderers._local_fetcher()(url)


def test_the_pdf_fetcher_reads_the_annex_stylesheets():
    response = renderers._local_fetcher()((ASSETS / "annex3.css").as_uri())
    assert b"@page" in response.read()
    response.close()


def test_text_columns_stay_text_and_the_sheet_prints_landscape():
    content = renderers.xlsx(
        [
            Sheet(
                name="表",
                title="标题",
                columns=[Column("序号", 6), Column("身份证号", 22, text=True)],
                rows=[[1, 330106199001011234]],
                unit_line="填报单位：某工会（盖章）",
                date_line="年 月 日",
            )
        ]
    )
    ws = workbook(content).worksheets[0]
    assert ws["A1"].value == "标题" and ws["A2"].value == "填报单位：某工会（盖章）"
    assert [c.value for c in ws[3]] == ["序号", "身份证号"]
    assert ws["B4"].value == "330106199001011234" and ws["B4"].data_type == "s"
    assert ws.print_title_rows == "$3:$3"


def _files_under(root: Path) -> set[str]:
    return {os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names}


@pytest.mark.django_db
def test_generated_annexes_are_not_written_to_disk(
    api, settings, campaign, business_day, xihu_grassroots, xihu_reviewer, tmp_path, monkeypatch
):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # A data folder of this test's own: other test workers write into the shared one meanwhile.
    data_dir = tmp_path / "data"
    (data_dir / "private").mkdir(parents=True)
    settings.DATA_DIR = data_dir
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(data_dir / "private")}},
    }
    application = batch_application(campaign, xihu_grassroots, name="吴静")
    before = _files_under(data_dir)
    for url in ("/api/v1/reports/annex4.xlsx", "/api/v1/reports/annex4.pdf"):
        assert get_as(api, xihu_reviewer, url, org=xihu_grassroots.name).status_code == 200
    response = get_as(api, xihu_reviewer, f"/api/v1/review/applications/{application.application_no}/annex3.pdf")
    assert "吴静" in pdf_text(response.content)
    assert _files_under(tmp_path) - _files_under(data_dir) == set()
    new_files = {path for path in _files_under(data_dir) - before if not path.endswith(("-journal", "-wal", "-shm"))}
    assert new_files == set()


def test_rows_grow_to_show_wrapped_text_whole():
    """A fixed 22-point row showed one line of a wrapped cell and clipped the rest (Excel does not
    grow a row whose height is set): the Annex 5 reasons and opinions, 企业人力资源管理师 in Annex 4's
    职业 column, the 联系方式（手机号码） header."""
    reason = "辖区高端装备制造企业集聚，五轴联动加工中心操作岗位持证职工约一百二十人。"  # 37 characters
    content = renderers.xlsx(
        [
            Sheet(
                name="表",
                title="标题",
                columns=[Column("序号", 6), Column("申报理由", 60), Column("联系方式（手机号码）", 14), Column("身份证号", 22, text=True)],
                rows=[
                    [1, "茶艺师", "13900000000", "330106199001011234"],
                    [2, "甲" * 29, None, "330106199001011234"],  # 58 units: the last that fits one line
                    [3, "甲" * 30, None, None],  # 60 units: one character too many
                    [4, reason, None, None],
                    [5, "第一条\n第二条\n第三条", None, None],
                    [6, "长" * 1000, None, None],
                ],
            )
        ]
    )
    ws = workbook(content).worksheets[0]
    heights = {row: ws.row_dimensions[row].height for row in range(2, 9)}
    # 15 points a line and 7 of margin; at least 32 for the header and 22 for a data row
    assert heights[2] == 37  # the header wraps to two lines
    assert heights[3] == heights[4] == 22
    assert heights[5] == heights[6] == 37
    assert heights[7] == 52
    assert heights[8] == 409  # Excel's largest row


def test_amounts_show_two_decimals_as_on_the_pages():
    """已发放金额 0.00 and a budget of 12,000.50 read 0 and 12000.5 in the workbooks."""
    content = renderers.xlsx(
        [
            Sheet(
                name="表",
                title="标题",
                columns=[Column("人数", 8), Column("金额（元）", 16)],
                rows=[[3, Decimal("0.00")], [2, Decimal("12000.50")]],
            )
        ]
    )
    ws = workbook(content).worksheets[0]
    assert [ws["B3"].value, ws["B4"].value] == [0, 12000.5]  # still numbers, to add up
    assert ws["B3"].number_format == ws["B4"].number_format == "#,##0.00"
    assert ws["A3"].number_format == "General"
