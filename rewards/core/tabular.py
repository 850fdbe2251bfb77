"""Reading CSV and xlsx files row by row, for every importer.

Rows come out as ``(row_number, {header: cell})`` with ``row_number`` the file's own
line or sheet row number (the header row is 1), so a rejected row can be named the way
the clerk sees it in Excel.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeGuard

from .oserrors import os_reason
from .text import clean, fold_width

#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection"), half and full width.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
FORMULA_MESSAGE = "不能以“=”“+”“-”“@”开头（表格软件会把它当作公式执行）。"


def starts_like_a_formula(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def spreadsheet_text(value: Any) -> Any:
    """A value for a CSV cell that Excel will open: text starting like a formula gets a leading
    apostrophe (shown as text, never run). Numbers, dates and other text pass unchanged."""
    if isinstance(value, str) and starts_like_a_formula(value):
        return "'" + value
    return value


def no_formulas(cells: Any) -> None:
    """openpyxl makes every string starting with "=" a formula: the cells just written are made
    text again (their value is kept as written). Pass the cells of a row or a sheet."""
    for cell in cells:
        if getattr(cell, "data_type", None) == "f":
            cell.data_type = "s"


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message says why, in Chinese."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    total: int | None


def _normalise_header(value: Any) -> str:
    return fold_width(clean(value)).replace(" ", "").replace("\n", "")


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # "Unicode text" as Excel saves it
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8"
        return "gb18030"  # CSV saved by Excel on a Chinese Windows


def _csv_rows(path: Path, header_row_finder) -> Table:  # type: ignore[no-untyped-def]
    with open(path, "rb") as probe:
        head = probe.read(64 * 1024)
    encoding = _sniff_encoding(head)
    total = None
    with open(path, "rb") as counter:
        total = sum(chunk.count(b"\n") for chunk in iter(lambda: counter.read(1 << 20), b""))

    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by the generator
    reader = csv.reader(handle)
    try:
        headers, header_line = header_row_finder(enumerate(reader, start=1))
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise UnreadableFile(f"文件开头无法读取（请保存为 UTF-8 编码的 CSV 或 .xlsx）：{type(exc).__name__}") from exc
    if headers is None:
        handle.close()
        raise UnreadableFile("文件中找不到表头行。")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, cells in enumerate(reader, start=header_line + 1):
                if not any(clean(cell) for cell in cells):
                    continue
                if len(cells) > len(headers) and any(clean(c) for c in cells[len(headers) :]):
                    yield number, {"__error__": f"本行有 {len(cells)} 列，多于表头的 {len(headers)} 列。"}
                    continue
                yield number, dict(zip(headers, cells + [""] * (len(headers) - len(cells)), strict=False))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(f"第 {reader.line_num} 行附近无法读取：{exc}") from exc
        finally:
            handle.close()

    return Table(headers=headers, rows=rows(), total=max(0, total - header_line) if total else None)


def _xlsx_rows(path: Path, header_row_finder) -> Table:  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types
        raise UnreadableFile(f"无法读取 Excel 文件：{exc}") from exc
    iterator = enumerate(sheet.iter_rows(), start=1)
    headers, header_line = header_row_finder(iterator)
    if headers is None:
        raise UnreadableFile("工作表中找不到表头行。")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells in iterator:
            cells = list(cells)
            if not any(clean(cell) for cell in cells):
                continue
            yield number, dict(zip(headers, cells + [""] * (len(headers) - len(cells)), strict=False))

    return Table(headers=headers, rows=rows(), total=max(0, sheet.height - header_line))


def first_row_header_finder(required: set[str]):  # type: ignore[no-untyped-def]
    """The header is the first non-empty row; it must hold every ``required`` column."""

    def find(numbered_rows):  # type: ignore[no-untyped-def]
        for number, cells in numbered_rows:
            names = [_normalise_header(cell) for cell in cells]
            if not any(names):
                continue
            while names and not names[-1]:
                names.pop()
            missing = sorted(required - set(names))
            if missing:
                raise UnreadableFile(f"表头缺少列：{'、'.join(missing)}（第 {number} 行）。")
            return names, number
        return None, 0

    return find


def open_table(path: str | Path, *, required: set[str], header_finder=None) -> Table:  # type: ignore[no-untyped-def]
    path = Path(path)
    try:
        with open(path, "rb") as probe:
            magic = probe.read(4)
    except FileNotFoundError:
        raise UnreadableFile(f"文件不存在：{path}") from None
    except OSError as exc:  # a file of root's read as rewards (deploy/bin/manage), a folder
        raise UnreadableFile(f"无法打开文件 {path}（{os_reason(exc)}）：请把文件放在运行命令的用户能读取的位置。") from None
    finder = header_finder or first_row_header_finder(required)
    if magic.startswith(b"PK"):
        return _xlsx_rows(path, finder)
    if path.suffix.lower() in (".xls", ".xlsx", ".xlsm"):
        raise UnreadableFile("不是有效的 xlsx 文件（请另存为 .xlsx 或 UTF-8 编码的 CSV）。")
    return _csv_rows(path, finder)


def file_sha256(path: str | Path) -> str:
    """The file's SHA-256 (hex), as an import's record and audit entry name the file read."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cell_text(value: Any) -> str:
    """A cell as text; dates become ISO dates, whole floats lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(value)


def is_numeric_cell(value: Any) -> TypeGuard[int | float]:
    """An ID or card typed as a number in Excel (digits already lost past 15)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: Excel keeps 15 significant digits of a number: a whole number of up to 15 digits (a mobile,
#: most certificate numbers) is exact in a number cell.
EXCEL_DIGITS = 15


def number_as_shown(value: int | float) -> str:
    """A number cell as Excel shows it with the 0 format: whole numbers without ``.0``, at most
    15 significant digits (what Excel kept of a longer number)."""
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return cell_text(value)
    if abs(value) >= 10**EXCEL_DIGITS:
        return str(int(Decimal(f"{value:.{EXCEL_DIGITS}g}")))
    return str(int(value))


def number_cell_problem(label: str, cell: int | float, *, long_number: bool) -> str | None:
    """Why a number cell in a column of numbers kept as text is refused (None: it is not), for
    the batch sheet and the registry importers alike (decision 147). A long number (an ID or
    card, or more than 15 digits) always is; Excel kept only 15 significant digits of one longer
    than that, and the message says so with the cell as Excel shows it."""
    whole = isinstance(cell, int) or (math.isfinite(cell) and cell.is_integer())
    if whole and abs(cell) >= 10**EXCEL_DIGITS:
        return (
            f"{label}单元格是数字格式（表中显示为 {float(cell):.5E}）：Excel 的数字只保留{EXCEL_DIGITS}位有效数字，"
            "后面的位数已丢失，无法从表格中找回。请把该列设为“文本”格式，再重新输入完整的号码。"
        )
    if long_number:
        return (
            f"{label}单元格是数字格式：{label}须按文本填写（Excel 的数字只保留{EXCEL_DIGITS}位有效数字，放不下更长的号码）。"
            "请把该列设为“文本”格式，再重新输入完整的号码。"
        )
    return None  # a mobile or a short certificate number is exact; another number, the field check judges


#: How Excel shows a long number (3.30106E+17), saved as text by a copy and paste or a CSV.
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[Ee]\+?[0-9]+")


def scientific_text_problem(label: str, text: str) -> str | None:
    """Why a number typed as Excel shows a long one (3.30106E+17) is refused (None: it is not):
    the digits after the sixth are gone, in the batch sheet and the registry importers alike."""
    if _SCIENTIFIC.fullmatch(fold_width(text).replace(" ", "")):
        return f"{label}“{text}”是 Excel 显示长数字的科学计数法，后面的数字已丢失。请把该列设为文本格式，再重新输入完整的号码。"
    return None
