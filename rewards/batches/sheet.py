"""The batch sheet: Annex 4's columns plus the other Annex 3 fields (API.md "Batch file").

The header is the first row holding both 姓名 and 身份证号; rows above it (a title, the 填报单位
line) are skipped, and so is a template example row whose 序号 is 示例. The data sheet is the
first visible sheet holding such a header row (a 填表说明 sheet may come before it). Rows the
clerk hid, rows without a name and an ID number, footer and total lines are skipped too, each
said in a note, as is a later sheet with a header of its own (:func:`read_rows`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from rewards.core.tabular import (
    UnreadableFile,
    cell_text,
    is_numeric_cell,
    no_formulas,
    number_as_shown,
    number_cell_problem,
    scientific_text_problem,
)
from rewards.core.text import digits_only, fold_width, sentences
from rewards.core.vocab import Gender, Issuer, Level

from .sheet_xml import sheet_facts

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
    "开户行": "bank_branch",
    "开户银行": "bank_branch",
    "联系电话": "phone",
    "手机": "phone",
    "发证日期": "certificate_issue_date",
    "证书发放时间": "certificate_issue_date",
    "证书号": "certificate_no",
    "证书编码": "certificate_no",
    "卡号": "bank_card_no",
    "银行账号": "bank_card_no",
    "单位名称": "employer",
    "文化程度": "education",
}
REQUIRED = ("name", "id_number")
#: Fields whose column under another common name gives way to the template's own header (an
#: extra 联系电话 may be a landline); identifying numbers, dates and levels never do.
GIVE_WAY = ("phone", "employer", "education", "bank_branch", "occupation")
#: The template's example row (序号 示例): its made-up ID number.
EXAMPLE_ID_NUMBER = "330106199001010018"
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
#: Numbers kept as text: formatted as text in the template, read as typed.
TEXT_FIELDS = ("id_number", "bank_card_no", "phone", "certificate_no")
#: Of those, the ones whose numbers are longer than Excel keeps (18 digits, 16–19 digits): a
#: number cell has lost digits, or will as soon as someone edits it, and is refused.
LONG_NUMBER_FIELDS = ("id_number", "bank_card_no")
#: A leading apostrophe marks text in Excel and WPS; some tools keep it in the value.
APOSTROPHES = ("'", "\u2018", "\u2019", "\uff07")


def header_key(value: Any) -> str:
    """A header cell as a key: no spaces or line breaks, and no mark of a required column
    (证书编号*, 姓名（必填）)."""
    key = fold_width(cell_text(value)).replace(" ", "").replace("\n", "").replace("\u3000", "")
    return re.sub(r"(?:\*+|\((?:必填|选填)\))$", "", key).lstrip("*")


_HEADER_TO_FIELD = {header_key(header): field for field, header in COLUMNS}
_HEADER_TO_FIELD.update({header_key(alias): field for alias, field in ALIASES.items()})
_HEADER_TO_FIELD.update({field: field for field, _ in COLUMNS})


@dataclass
class SheetRow:
    row: int
    values: dict[str, Any]
    errors: list[str]
    #: ID, card, mobile and certificate cells refused for being numbers, as the sheet held them.
    numbers: dict[str, int | float] = dataclasses.field(default_factory=dict)

    def as_typed(self) -> dict[str, Any]:
        """The row as the sheet held it, for the refused-rows file: a number cell that lost
        digits goes back as that number (Excel shows it as the clerk's sheet did, 3.30185E+17),
        never as a text of 18 digits that looks whole and would be read as typed."""
        return {**self.values, **self.numbers}


@dataclass
class _DataSheet:
    """The sheet holding the data: its header row, the field of each column, the rows below."""

    name: str
    header_row: int
    columns: dict[int, str]
    rows: Iterator[tuple[int, Any]]
    last_row: int
    #: The sheet's first used column (0 for A): ``columns`` count from it.
    first_column: int = 0
    #: Later visible sheets that hold a header row too: their rows are not read (said in a note).
    others: tuple[str, ...] = ()


def _is_header(keys: list[str]) -> bool:
    return "姓名" in keys and ("身份证号" in keys or "身份证号码" in keys or "id_number" in keys)


def _duplicates_message(places: dict[str, list[tuple[str, str]]]) -> str:
    """One sentence per field whose column appears more than once: ``places`` maps the field to
    its ``(header as typed, column letter)``."""
    sentences = []
    for field, found in places.items():
        times = "两" if len(found) == 2 else f" {len(found)} "
        letters = [letter for _, letter in found]
        where = "、".join(f"第{letter}列" for letter in letters[:-1]) + f"和第{letters[-1]}列"
        typed = list(dict.fromkeys(text for text, _ in found))
        if len(typed) == 1:
            what = f"表头中“{typed[0]}”出现了{times}次（{where}）"
        else:
            named = "、".join(f"“{text}”（第{letter}列）" for text, letter in found)
            what = f"表头中{named}都是“{LABELS[field]}”，出现了{times}次"
        sentences.append(f"{what}，请删去多余的一列后重新上传（隐藏的列也要检查）。")
    return "".join(sentences)


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _why_unreadable(content: bytes) -> str:
    """What a file that is no workbook is, as far as its first bytes tell."""
    if not content.strip():
        return "文件是空的：请上传用模板填写好的 .xlsx 文件。"
    if content.startswith(_OLE) and _ENCRYPTED_PACKAGE in content:
        return "文件设置了打开密码，系统无法读取：请在 Excel 或 WPS 中取消密码（另存时不设密码）后重新上传。"
    if content.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return "文件不完整（可能没有上传完或已损坏）：请重新保存后上传。"
        if "xl/workbook.xml" not in names:
            return "这是一个压缩包，不是 Excel 工作簿：请上传汇总表本身（.xlsx），材料请放在“材料压缩包”中上传。"
        return "文件已损坏，无法读取：请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传。"
    head = content[:2048]
    if b"\x00" not in head and (b"," in head or b"\t" in head):
        return "这是文本（CSV）文件，不是 Excel 工作簿：长号码和日期在其中容易变形，请用下载的模板填写后上传 .xlsx。"
    return "无法读取该文件：请上传由模板填写的 .xlsx 文件。"


def _data_sheet(content: bytes) -> _DataSheet:
    """The first visible sheet with a header row. Raises UnreadableFile, saying why, when the
    file cannot be read, no sheet has a header row, the header lacks required columns or holds
    one of them twice."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        worksheets = [(index, meta) for index, meta in enumerate(workbook.sheets_metadata) if meta.typ == SheetTypeEnum.WorkSheet]
        # A hidden sheet (an old copy, the lists of a drop-down) is not what the clerk sees.
        sheets = [(index, meta.name) for index, meta in worksheets if meta.visible == SheetVisibleEnum.Visible]
        hidden = len(worksheets) - len(sheets)
    except Exception as exc:  # calamine raises its own error types
        raise UnreadableFile(_why_unreadable(content)) from exc
    several = len(sheets) > 1
    incomplete = ""
    for index, name in sheets:
        try:
            sheet = workbook.get_sheet_by_index(index)
            rows = enumerate(sheet.iter_rows(), start=1)
            first_column = sheet.start[1] if sheet.start else 0
            last_row = sheet.end[0] + 1 if sheet.end else 0
        except Exception as exc:
            raise UnreadableFile("无法读取该文件：请上传由模板填写的 .xlsx 文件。") from exc
        for number, cells in rows:
            headers = list(cells)
            keys = [header_key(cell) for cell in headers]
            if not _is_header(keys):
                continue
            places: dict[str, list[tuple[str, str]]] = {}
            for position, key in enumerate(keys):
                if key in _HEADER_TO_FIELD:
                    places.setdefault(_HEADER_TO_FIELD[key], []).append(
                        (cell_text(headers[position]), get_column_letter(first_column + position + 1))
                    )
            missing = [LABELS[field] for field in SHEET_REQUIRED if field not in places]
            if missing:
                # One message for the file, not one per row and column; a later sheet may still
                # be the data sheet (a 填表说明 sheet may name some columns).
                where = f"工作表“{name}”" if several else ""
                unknown = [cell_text(header) for header, key in zip(headers, keys, strict=True) if key and key not in _HEADER_TO_FIELD]
                incomplete = incomplete or (
                    f"{where}表头第 {number} 行缺少以下列：{'、'.join(missing)}。每份申请都须填写这些内容，请使用下载的模板填写。"
                    + (
                        f"表头中另有{'、'.join(f'“{text}”' for text in unknown[:10])}列，系统不读取：如果缺少的内容在其中，请把列名改为模板中的名称。"
                        if unknown
                        else ""
                    )
                )
                break
            # A column under another common name (联系电话 beside 联系方式（手机号码）, a landline) gives
            # way to the template's own header; two columns under the same name, and a second
            # column of a number that identifies (身份证号码 beside 身份证号), are refused.
            ignored: set[int] = set()
            for field, found in list(places.items()):
                official = [place for place in found if header_key(place[0]) in (header_key(LABELS[field]), field)]
                if len(found) > 1 and len(official) == 1 and field in GIVE_WAY:
                    ignored |= {position for position, key in enumerate(keys) if _HEADER_TO_FIELD.get(key) == field} - {
                        position for position, key in enumerate(keys) if key in (header_key(LABELS[field]), field)
                    }
                    places[field] = official
            twice = {field: found for field, found in places.items() if len(found) > 1}
            if twice:
                raise UnreadableFile((f"工作表“{name}”：" if several else "") + _duplicates_message(twice))
            columns = {
                position: _HEADER_TO_FIELD[key] for position, key in enumerate(keys) if key in _HEADER_TO_FIELD and position not in ignored
            }
            later = [(other_index, other) for other_index, other in sheets if other_index > index]
            return _DataSheet(
                name=name,
                header_row=number,
                columns=columns,
                rows=rows,
                last_row=last_row,
                first_column=first_column,
                others=_with_header(workbook, later),
            )
    if incomplete:
        raise UnreadableFile(incomplete)
    if not sheets:
        raise UnreadableFile("文件中没有可读取的工作表。请使用下载的模板填写。")
    looked = "、".join(f"“{name}”" for _, name in sheets)
    raise UnreadableFile(
        f"文件中找不到表头行（须有“姓名”和“身份证号”两列）：已查看工作表{looked}。请使用下载的模板填写。"
        + ("隐藏的工作表不读取。" if hidden else "")
    )


def _with_header(workbook: Any, sheets: list[tuple[int, str]]) -> tuple[str, ...]:
    """The names of ``sheets`` that hold a header row in their first 20 rows."""
    found = []
    for index, name in sheets:
        try:
            rows = workbook.get_sheet_by_index(index).iter_rows()
            if any(_is_header([header_key(cell) for cell in cells]) for cells in itertools.islice(rows, 20)):
                found.append(name)
        except Exception:  # noqa: S112 - a sheet calamine cannot read holds no rows to warn about
            continue
    return tuple(found)


def _ranges(numbers: list[int]) -> str:
    """``[4, 5, 6, 9]`` → ``第 4–6、9 行``."""
    spans: list[list[int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    shown = "、".join(f"{a}–{b}" if b > a else str(a) for a, b in spans[:20])
    return f"第 {shown}{'…' if len(spans) > 20 else ''} 行"


#: Words that open a sheet's footer or total line, not a worker's row.
FOOTER_WORDS = (
    "合计",
    "总计",
    "小计",
    "共计",
    "填表人",
    "填报人",
    "联系人",
    "联系电话",
    "单位盖章",
    "盖章",
    "审核人",
    "负责人",
    "备注",
    "说明",
    "日期",
    "制表",
)


def _unread_message(field: str, unread: str) -> str:
    """Why a cell that Excel shows filled reads as empty here."""
    label = LABELS[field]
    if unread == "formula":
        return (
            f"{label}单元格是公式，文件中没有保存它的计算结果（程序生成的表格常见）："
            "请在 Excel 或 WPS 中打开后保存一次再上传，或直接填写内容。"
        )
    return f"{label}单元格显示错误值 {unread}（例如查找公式没有找到对应的内容），请改为实际内容。"


def _not_a_person(values: dict[str, Any]) -> bool:
    """A row with neither a name nor an ID number (only a 序号, remarks), or a footer or total line
    without an ID number: not an application, skipped with a note."""
    typed_id = cell_text(values.get("id_number"))
    first = next((cell_text(values[field]) for field, _ in COLUMNS if cell_text(values.get(field))), "")
    name = cell_text(values.get("name"))
    if (first.startswith(FOOTER_WORDS) or name.startswith(FOOTER_WORDS)) and len(re.sub(r"\D", "", fold_width(typed_id))) < 15:
        return True  # 合计 / 填表人 / 联系电话 … even with something typed in the ID column
    # Without a name and an ID number, a row that holds a worker's other details (a card, a
    # certificate, a mobile) is a worker's row missing both: refused as such, not skipped.
    details = ("phone", "bank_card_no", "certificate_no", "occupation", "bank_branch", "certificate_issue_date")
    return not typed_id and not name and not any(cell_text(values.get(field)) for field in details)


def _typed_number(field: str, cell: Any) -> tuple[str, str | None]:
    """An ID, card, mobile or certificate number cell as text, with the reason to refuse it."""
    label = LABELS[field]
    if is_numeric_cell(cell):
        return number_as_shown(cell), number_cell_problem(label, cell, long_number=field in LONG_NUMBER_FIELDS)
    text = cell_text(cell)
    if text.startswith(APOSTROPHES):
        text = text[1:].strip()
    return text, scientific_text_problem(label, text)


def read_rows(content: bytes, notes: list[str] | None = None, hidden_ids: dict[str, int] | None = None) -> Iterator[SheetRow]:
    """Rows of the data sheet of an xlsx file, with their sheet row numbers.

    Every row keeps its values as typed (as text), also a refused one: the refused rows are
    offered back to the clerk to fix and import again. Rows the clerk hid (by hand or with a
    filter), rows without a name and an ID number (a 序号 filled down, remarks), footer and
    total lines are not applications: they are skipped, and ``notes`` (when given) says which,
    as it names a later sheet with a header whose rows are not read and a person typed over the
    template's example row. ``hidden_ids`` (when given) gets the ID number of each hidden row,
    with its row number, so that its materials in the zip are said as that row's."""
    data = _data_sheet(content)
    columns = data.columns
    facts = sheet_facts(content, data.name)
    hidden = facts.hidden
    id_index = next((index for index, field in columns.items() if field == "id_number"), None)
    skipped_hidden: list[int] = []
    skipped_other: list[int] = []
    example_typed_over: list[int] = []
    for number, cells in data.rows:
        cells = list(cells)
        if not any(cell_text(cell) for cell in cells):
            continue
        if number in hidden:
            skipped_hidden.append(number)
            if hidden_ids is not None and id_index is not None and id_index < len(cells):
                hidden_ids.setdefault(digits_only(cell_text(cells[id_index])).upper(), number)
            continue
        values: dict[str, Any] = {}
        errors: list[str] = []
        numbers: dict[str, int | float] = {}
        for index, field in columns.items():
            cell = cells[index] if index < len(cells) else ""
            unread = facts.unread.get((number, data.first_column + index + 1)) if facts.unread else None
            if unread and not cell_text(cell):
                errors.append(_unread_message(field, unread))
            if isinstance(cell, dt.datetime):
                cell = cell.date()
            if field in TEXT_FIELDS:
                values[field], error = _typed_number(field, cell)
                if error:
                    errors.append(error)
                    if isinstance(cell, int | float) and is_numeric_cell(cell):
                        numbers[field] = cell
                continue
            values[field] = cell if isinstance(cell, dt.date) else cell_text(cell)
        if cell_text(values.get("seq")) == "示例":
            if cell_text(values.get("id_number")) not in ("", EXAMPLE_ID_NUMBER):
                example_typed_over.append(number)
            continue
        if _not_a_person(values):
            skipped_other.append(number)
            continue
        yield SheetRow(row=number, values=values, errors=errors, numbers=numbers)
    if notes is None:
        return
    if not content.startswith(b"PK"):  # an .xls (or another format calamine reads): no row visibility here
        notes.append(
            "这是 .xls 格式的文件，其中隐藏或筛选掉的行无法识别，已照常检查和导入。如有隐藏的行，请在 Excel 中另存为 .xlsx 后重新上传。"
        )
    if skipped_hidden:
        notes.append(f"{_ranges(skipped_hidden)}是隐藏的行（隐藏或筛选），未导入。如需申报，请取消隐藏或清除筛选后重新上传。")
    if example_typed_over:
        notes.append(
            f"{_ranges(example_typed_over)}的序号为“示例”，按模板的示例行跳过，未导入。如果是要申报的职工，请把序号改为数字后重新上传。"
        )
    if skipped_other:
        notes.append(f"{_ranges(skipped_other)}没有身份证号，像是序号、备注、合计或落款，不是职工的信息，已跳过。")
    if data.others:
        sheets = "、".join(f"“{name}”" for name in data.others)
        notes.append(
            f"只读取了工作表“{data.name}”。工作表{sheets}也有表头，其中的行未读取：请把要申报的职工放在同一张工作表中，或分别上传。"
        )


#: Columns wider than the others in the template and the refused-rows file.
COLUMN_WIDTHS = {"id_number": 22, "bank_card_no": 24, "bank_branch": 26, "employer": 26}


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
        "id_number": EXAMPLE_ID_NUMBER,
        "occupation": "车工",
        "new_level": "高级工",
        "certificate_no": f"{year}330100001",
        "phone": "13900000000",
        "bank_card_no": "6222020000000000000",
        "bank_branch": "中国工商银行杭州西湖支行",
        "education": "高中",
        "previous_level": "中级工",
        # Inside the campaign's own window (30 June of its year is in every copied window), so
        # a clerk who copies the row's dates is not shown a certificate of the 2020 notice.
        "previous_level_date": f"{year - 4}-06-30",
        "certificate_issue_date": f"{year}-06-30",
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
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS.get(field, 14)
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
        sheet.append([*line, result["row"], sentences(result["errors"])])
        no_formulas(sheet[sheet.max_row])  # the clerk's cells as typed, never run
    for index in range(1, len(COLUMNS) + 3):
        sheet.cell(row=3, column=index).font = Font(bold=True)
    for index, (field_name, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(field_name, 14)
    sheet.column_dimensions[get_column_letter(len(COLUMNS) + 2)].width = 80
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            # Text, so that a number typed over a refused one stays as typed; a number cell
            # kept from the clerk's sheet is still shown as Excel showed it there.
            cell.number_format = "@"
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_row_count(content: bytes) -> int:
    """Rows below the header of the data sheet (an upper bound of the data rows), for progress bars."""
    try:
        data = _data_sheet(content)
    except UnreadableFile:
        return 0
    return max(0, data.last_row - data.header_row)
