"""Writing the files a clerk would hand to an importer: CSV (UTF-8 or GB18030) and xlsx."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests import factories


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """Cells keep their Python type: ``str`` is a text cell, ``int`` a numeric one, dates date cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def digit_id_number() -> str:
    """A valid ID number ending in a digit (so it can be typed into Excel as a number)."""
    while True:
        number = factories.new_id_number()
        if number[-1].isdigit():
            return number


def wrong_check_digit(id_number: str) -> str:
    """The same number with a check digit that cannot be the right one."""
    return id_number[:17] + ("0" if id_number[-1] != "0" else "1")


#: What the importers say of an ID number held as a number cell of more than 15 digits (as the
#: batch sheet does, decision 147), before the cell as Excel shows it …
NUMBER_CELL_SHOWN = "身份证号码单元格是数字格式（表中显示为 "
#: … and after it.
NUMBER_CELL_LOST = "）：Excel 的数字只保留15位有效数字，后面的位数已丢失，无法从表格中找回。请把该列设为“文本”格式，再重新输入完整的号码。"


def reasons(report: Any) -> dict[int, str]:
    """Rejected rows of a report as ``{row number: reasons joined}``."""
    return {rejection.row: "；".join(rejection.errors) for rejection in report.rejected}
