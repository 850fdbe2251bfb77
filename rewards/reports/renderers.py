"""Shared renderers for the printed annexes: exporters produce rows, these make the files.

Like pretix's exporters (STYLE.md): an annex builds :class:`Sheet` objects (a title, the
填报单位 line, columns and rows, the notes under the table) or a template context, and the
renderers here turn them into an xlsx workbook or an A4 PDF. Everything happens in memory:
files that carry full personal numbers are produced on demand and never kept (DOMAIN.md §9),
which is also why the workbook is built in openpyxl's normal mode (its write-only mode spools
rows to temporary files on disk).
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.template.loader import render_to_string

from rewards.core.tabular import no_formulas

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"

#: Stylesheets and other local assets of the PDF templates; the only place a PDF may read from.
ASSETS = Path(__file__).resolve().parent / "assets"

#: The Chinese fonts of Debian's fonts-noto-cjk (Makefile: APT_RUNTIME).
SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"


@dataclass(frozen=True)
class Generated:
    """A file made on demand: what a view sends as a download."""

    #: The Chinese file name the clerk sees (RFC 5987 ``filename*``).
    filename: str
    #: The plain ``filename`` for clients that do not read ``filename*``.
    ascii_filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Column:
    header: str
    #: Width in Excel character units (a Chinese character is about 2).
    width: float
    #: Stored and formatted as text (``@``): ID, card and certificate numbers, mobiles.
    text: bool = False
    align: str = "center"
    #: A head count or other tally: formatted ``#,##0`` (12,345, as the pages show counts), still a number.
    count: bool = False


@dataclass(frozen=True)
class Percent:
    """A share in per cent: printed “12.5%”, written to Excel as the number 0.125 formatted
    ``0.0%`` (so that a union can sort and add it up)."""

    value: Decimal

    def __str__(self) -> str:
        return f"{self.value:.1f}%"


@dataclass
class Sheet:
    """One table of an annex, laid out as the official form."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: list[list[Any]] = field(default_factory=list)
    #: The small label above the title ("附件4").
    label: str = ""
    #: 填报单位 line: left part (unit) and right part (date) on the row below the title.
    unit_line: str = ""
    date_line: str = ""
    notes: Sequence[str] = ()


# --- xlsx ----------------------------------------------------------------------------------


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("' ") or "Sheet"
    candidate = cleaned[:31]
    number = 2
    while candidate in taken:
        suffix = f"({number})"
        candidate = cleaned[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


#: Amounts (every Decimal a sheet carries is an amount in 元): two decimals and thousands, as on
#: the pages, still a number to add up.
AMOUNT_FORMAT = "#,##0.00"
#: Counts (a :attr:`Column.count` column): whole numbers with thousands, as on the pages.
COUNT_FORMAT = "#,##0"

#: Points per wrapped line of 宋体 11 pt (Excel's own row height for it is 14.25), the least data
#: and header rows, and Excel's largest row height.
LINE_HEIGHT = 15.0
DATA_ROW_HEIGHT = 22.0
HEADER_ROW_HEIGHT = 32.0
MAX_ROW_HEIGHT = 409.0


def _display_width(text: str) -> int:
    """Excel width units of ``text`` in one line: a Chinese (wide or full-width) character is 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(value: Any, width: float) -> int:
    """How many lines a wrapped cell of ``width`` needs for ``value`` (its own line breaks too)."""
    text = str(value)
    usable = max(1.0, width - 1)  # the cell's own margins
    if "\n" not in text and len(text) * 2 <= usable:
        return 1  # the usual short cell, without looking at each character
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def row_height(values: Sequence[Any], columns: Sequence[Column], *, least: float, header: bool = False) -> float:
    """A row tall enough to show its wrapped cells whole: a fixed height clips what wraps (a
    reason of two lines, 企业人力资源管理师 in the 职业 column), and Excel does not grow a row
    whose height is set. Text cells (ID, card numbers) do not wrap; headers all do."""
    lines = max(
        (
            _lines(value, column.width)
            for column, value in zip(columns, values, strict=False)
            if value is not None and (header or not column.text)
        ),
        default=1,
    )
    return min(MAX_ROW_HEIGHT, max(least, lines * LINE_HEIGHT + 7))


def _cell_style(workbook: Any, column: Column, *, font: Any, border: Any) -> str:
    """The name of a registered style for the data cells of ``column`` (text cells formatted ``@``,
    counts ``#,##0``)."""
    from openpyxl.styles import Alignment, NamedStyle

    kind = "text" if column.text else "count" if column.count else "plain"
    name = f"annex-{column.align}-{kind}"
    if name not in workbook.named_styles:
        style = NamedStyle(name=name, font=font, border=border)
        style.alignment = Alignment(horizontal=column.align, vertical="center", wrap_text=not column.text)
        if column.text:
            style.number_format = "@"
        elif column.count:
            style.number_format = COUNT_FORMAT
        workbook.add_named_style(style)
    return name


def xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per :class:`Sheet`, ready to print on landscape A4."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name="宋体", size=11)
    bold = Font(name="宋体", size=11, bold=True)
    taken: set[str] = set()

    for sheet in sheets:
        ws = workbook.create_sheet(sheet_name(sheet.name, taken))
        count = len(sheet.columns)
        last = get_column_letter(count)
        row = 1
        if sheet.label:
            ws.cell(row=row, column=1, value=sheet.label).font = Font(name="黑体", size=12)
            row += 1
        ws.cell(row=row, column=1, value=sheet.title).font = Font(name="方正小标宋简体", size=18, bold=True)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = 36
        row += 1
        if sheet.unit_line or sheet.date_line:
            split = max(1, count - 3)
            ws.cell(row=row, column=1, value=sheet.unit_line).font = font
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=split)
            date_cell = ws.cell(row=row, column=split + 1, value=sheet.date_line)
            date_cell.font = font
            date_cell.alignment = Alignment(horizontal="right")
            ws.merge_cells(start_row=row, start_column=split + 1, end_row=row, end_column=count)
            ws.row_dimensions[row].height = 24
            row += 1

        header_row = row
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=row, column=index, value=column.header)
            cell.font = bold
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.row_dimensions[row].height = row_height(
            [column.header for column in sheet.columns], sheet.columns, least=HEADER_ROW_HEIGHT, header=True
        )
        row += 1

        # One named style per column kind, registered once: styling cell by cell is what costs.
        column_styles = [_cell_style(workbook, column, font=font, border=border) for column in sheet.columns]
        for values in sheet.rows:
            for index, (column, value) in enumerate(zip(sheet.columns, values, strict=True), start=1):
                if column.text and value is not None:
                    value = str(value)  # never a number: Excel would round an 18-digit ID
                percent = isinstance(value, Percent)
                cell = ws.cell(row=row, column=index, value=float(value.value / 100) if isinstance(value, Percent) else value)
                cell.style = column_styles[index - 1]
                if percent:
                    cell.number_format = "0.0%"
                elif isinstance(value, Decimal):
                    cell.number_format = AMOUNT_FORMAT  # 元 as the pages show them: 12,000.50, 0.00
                no_formulas((cell,))  # typed text starting with "=" stays text
            ws.row_dimensions[row].height = row_height(values, sheet.columns, least=DATA_ROW_HEIGHT)
            row += 1

        for note in sheet.notes:
            ws.cell(row=row, column=1, value=note).font = Font(name="宋体", size=10)
            ws.merge_cells(f"A{row}:{last}{row}")
            row += 1

        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.print_area = f"A1:{last}{row - 1}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.print_options.horizontalCentered = True

    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------


def _local_fetcher():  # type: ignore[no-untyped-def]
    """A WeasyPrint URL fetcher that reads only files under :data:`ASSETS`: no network, ever."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    class LocalAssetsFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise URLFetchingError(f"报表只读取本地资源，已拒绝：{parts.scheme}:")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(ASSETS):
                raise URLFetchingError("报表只读取报表资源目录内的文件。")
            return super().fetch(path.as_uri(), headers)

    return LocalAssetsFetcher(allowed_protocols=("file",), timeout=1)


def pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """An A4 PDF from a Django template; its stylesheets are linked relative to :data:`ASSETS`."""
    from weasyprint import HTML

    html = render_to_string(template_name, {"serif": SERIF, "sans": SANS, **context})
    document = HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=_local_fetcher())
    return document.write_pdf() or b""
