"""The batch sheet: Annex 4's columns plus the other Annex 3 fields (API.md "Batch file").

The header is the first row holding both 姓名 and 身份证号; rows above it (a title, the 填报单位
line) are skipped, and so is a template example row whose 序号 is 示例.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from rewards.core.tabular import UnreadableFile, cell_text, is_numeric_cell, no_formulas
from rewards.core.text import fold_width
from rewards.core.vocab import Gender, Issuer, Level

#: (field, official header) in sheet order: Annex 4's columns first, then the rest of Annex 3.
COLUMNS: list[tuple[str, str]] = [
    ("seq", "序号"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("employer", "工作单位"),
    ("id_number", "身份证号"),
    ("occupation", "职业（工种）"),
    ("new_level", "技术等级"),
    ("certificate_no", "证书编号"),
    ("phone", "联系方式（手机号码）"),
    ("bank_card_no", "银行卡号"),
    ("bank_branch", "银行卡开户行"),
    ("education", "学历"),
    ("previous_level", "原有最高技能等级"),
    ("previous_level_date", "原有技能等级取得时间"),
    ("certificate_issue_date", "发证时间"),
    ("issuer", "发证机关"),
    ("is_migrant", "是否外来务工人员"),
    ("hukou_place", "户籍地"),
    ("years_in_hangzhou", "来杭年限"),
]
LABELS = {field: header for field, header in COLUMNS}
ALIASES = {
    "身份证号码": "id_number",
    "申报奖励工种": "occupation",
    "职业": "occupation",
    "工种": "occupation",
    "现晋升的技能等级": "new_level",
    "技能等级": "new_level",
    "等级证书编号": "certificate_no",
    "手机号码": "phone",
    "联系方式": "phone",
    "银行卡开户行(写至支行)": "bank_branch",
}
REQUIRED = ("name", "id_number")
#: Columns a sheet must have: every field an application requires (eligibility.fields.SUBMISSION_FIELDS).
SHEET_REQUIRED = (
    "name",
    "id_number",
    "employer",
    "occupation",
    "new_level",
    "certificate_no",
    "phone",
    "bank_card_no",
    "bank_branch",
    "education",
    "certificate_issue_date",
    "issuer",
)
TEXT_FIELDS = ("id_number", "bank_card_no", "phone", "certificate_no")


def header_key(value: Any) -> str:
    return fold_width(cell_text(value)).replace(" ", "").replace("\n", "").replace("\u3000", "")


_HEADER_TO_FIELD = {header_key(header): field for field, header in COLUMNS}
_HEADER_TO_FIELD.update({header_key(alias): field for alias, field in ALIASES.items()})
_HEADER_TO_FIELD.update({field: field for field, _ in COLUMNS})


@dataclass
class SheetRow:
    row: int
    values: dict[str, Any]
    errors: list[str]


def read_rows(content: bytes) -> Iterator[SheetRow]:
    """Rows of the first sheet of an xlsx file, with their sheet row numbers."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own error types
        raise UnreadableFile("无法读取该文件：请上传由模板填写的 .xlsx 文件。") from exc
    columns: dict[int, str] | None = None
    for number, cells in enumerate(rows, start=1):
        cells = list(cells)
        if columns is None:
            keys = [header_key(cell) for cell in cells]
            if "姓名" in keys and ("身份证号" in keys or "身份证号码" in keys or "id_number" in keys):
                columns = {index: _HEADER_TO_FIELD[key] for index, key in enumerate(keys) if key in _HEADER_TO_FIELD}
                missing = [LABELS[field] for field in SHEET_REQUIRED if field not in columns.values()]
                if missing:  # one message for the file, not one per row and column
                    raise UnreadableFile(
                        f"表头第 {number} 行缺少以下列：{'、'.join(missing)}。每份申请都须填写这些内容，请使用下载的模板填写。"
                    )
            continue
        if not any(cell_text(cell) for cell in cells):
            continue
        values: dict[str, Any] = {}
        errors: list[str] = []
        for index, field in columns.items():
            cell = cells[index] if index < len(cells) else ""
            if field in TEXT_FIELDS and is_numeric_cell(cell) and cell_text(cell):
                errors.append(f"{LABELS[field]}单元格是数字格式，长数字已丢失位数，请把该列设为文本后重新填写。")
                continue
            if isinstance(cell, dt.datetime):
                cell = cell.date()
            values[field] = cell if isinstance(cell, dt.date) else cell_text(cell)
        if cell_text(values.get("seq")) == "示例":
            continue
        yield SheetRow(row=number, values=values, errors=errors)
    if columns is None:
        raise UnreadableFile("文件中找不到表头行（须有“姓名”和“身份证号”两列）。请使用下载的模板填写。")


def template(*, year: int, org_name: str = "") -> bytes:
    """The downloadable template: a title, the 填报单位 line, the Chinese header row, an example
    row (序号 示例, skipped on import) and drop-down lists for the coded columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "汇总表"
    width = len(COLUMNS)
    sheet.append([f"{year}年度杭州市职工高技能人才奖励人员汇总表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"填报单位：{org_name}"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.append([header for _, header in COLUMNS])
    example = {
        "seq": "示例",
        "name": "张三",
        "gender": "男",
        "employer": org_name.removesuffix("工会") or "杭州××有限公司",
        "id_number": "330106199001010018",
        "occupation": "车工",
        "new_level": "高级工",
        "certificate_no": "2020330100001",
        "phone": "13900000000",
        "bank_card_no": "6222020000000000000",
        "bank_branch": "中国工商银行杭州西湖支行",
        "education": "高中",
        "previous_level": "中级工",
        "previous_level_date": "2016-06-30",
        "certificate_issue_date": "2020-06-30",
        "issuer": Issuer.HR_HANGZHOU.label,
        "is_migrant": "否",
        "hukou_place": "",
        "years_in_hangzhou": "",
    }
    sheet.append([example[field] for field, _ in COLUMNS])
    thin = Side(style="thin", color="999999")
    header_fill = PatternFill("solid", fgColor="F2DEDE")
    for index, (field, _) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=3, column=index)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        sheet.cell(row=4, column=index).font = Font(color="888888", italic=True)
        sheet.column_dimensions[letter].width = {"id_number": 22, "bank_card_no": 24, "bank_branch": 26, "employer": 26}.get(field, 14)
        if field in TEXT_FIELDS or field in ("previous_level_date", "certificate_issue_date"):
            for row in range(4, 2005):
                sheet.cell(row=row, column=index).number_format = "@"
    lists = {
        "gender": [str(label) for _, label in Gender.choices],
        "new_level": [str(Level(code).label) for code in (Level.SENIOR_WORKER, Level.TECHNICIAN, Level.SENIOR_TECHNICIAN)],
        "previous_level": [str(label) for _, label in Level.choices],
        "issuer": [str(label) for _, label in Issuer.choices],
        "is_migrant": ["是", "否"],
    }
    for index, (field, _) in enumerate(COLUMNS, start=1):
        if field in lists:
            letter = get_column_letter(index)
            validation = DataValidation(type="list", formula1='"' + ",".join(lists[field]) + '"', allow_blank=True)
            validation.error = "请从下拉列表中选择。"
            validation.errorTitle = "输入有误"
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}5:{letter}2004")
    sheet.freeze_panes = "C4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rejected_rows_workbook(rows: list[dict[str, Any]], originals: dict[int, dict[str, Any]], *, year: int, org_name: str) -> bytes:
    """The refused rows in the template's layout plus a 错误原因 column, to fix and re-import."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "未导入的行"
    sheet.append([f"{year}年度杭州市职工高技能人才奖励人员汇总表（未导入的行，修改后可重新导入）"])
    sheet.append([f"填报单位：{org_name}"])
    sheet.append([header for _, header in COLUMNS] + ["原行号", "错误原因"])
    for result in rows:
        values = originals.get(result["row"], {})
        line = []
        for field, _ in COLUMNS:
            value = values.get(field, "")
            line.append(value.isoformat() if isinstance(value, dt.date) else value)
        sheet.append([*line, result["row"], "；".join(result["errors"])])
        no_formulas(sheet[sheet.max_row])  # the clerk's cells as typed, never run
    for index in range(1, len(COLUMNS) + 3):
        sheet.cell(row=3, column=index).font = Font(bold=True)
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_row_count(content: bytes) -> int:
    """Rows below the header (an upper bound of the data rows), for progress bars."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    except Exception:
        return 0
    return max(0, sheet.height - 3)
