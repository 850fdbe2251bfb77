"""Reading the batch sheet as clerks fill it: number cells, a header twice, a 填表说明 sheet
first, numbers that Excel turned into scientific notation or that carry an apostrophe."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from rewards.batches.sheet import COLUMNS, read_rows, rejected_rows_workbook, sheet_row_count, template
from rewards.core.tabular import UnreadableFile

ID = "330106199001010018"
CARD = "6222020000000000000"
HEADERS = [header for _, header in COLUMNS]


def example(**overrides: object) -> dict[str, object]:
    """The template's example row (it passes every field check) as row 1 of a clerk's data."""
    row: dict[str, object] = {
        "seq": "1",
        "name": "张三",
        "gender": "男",
        "employer": "杭州西湖精密机械有限公司",
        "id_number": ID,
        "occupation": "车工",
        "new_level": "高级工",
        "certificate_no": "2020330100001",
        "phone": "13900000000",
        "bank_card_no": CARD,
        "bank_branch": "中国工商银行杭州西湖支行",
        "education": "高中",
        "certificate_issue_date": "2020-06-30",
        "issuer": "杭州市人社部门",
        "is_migrant": "否",
    }
    row.update(overrides)
    return row


def filled_template(rows: list[dict[str, object]]) -> bytes:
    """The downloaded template with ``rows`` below its example row; numbers stay number cells."""
    workbook = load_workbook(io.BytesIO(template(year=2020, org_name="杭州西湖精密机械有限公司工会")))
    sheet = workbook.active
    for offset, row in enumerate(rows):
        for index, (field, _) in enumerate(COLUMNS, start=1):
            sheet.cell(row=5 + offset, column=index, value=row.get(field, ""))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_line(row: dict[str, object]) -> list[object]:
    return [row.get(field, "") for field, _ in COLUMNS]


def saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- number cells ----------------------------------------------------------------------------


def test_phone_and_certificate_number_cells_of_up_to_15_digits_are_read_as_typed():
    content = filled_template([example(phone=13912345678, certificate_no=2020330100001), example(certificate_no=123456789012345)])
    first, second = read_rows(content)
    assert first.errors == [] and second.errors == []
    assert (first.values["phone"], first.values["certificate_no"]) == ("13912345678", "2020330100001")
    assert second.values["certificate_no"] == "123456789012345"


def test_a_certificate_number_cell_of_more_than_15_digits_is_refused():
    (row,) = read_rows(filled_template([example(certificate_no=1234567890123456)]))
    (error,) = row.errors
    assert error.startswith("证书编号单元格是数字格式（表中显示为 1.23457E+15）") and "只保留15位有效数字" in error
    assert row.values["certificate_no"] == "1234567890123460"  # what Excel kept: 15 significant digits


def test_id_and_card_number_cells_are_refused_but_kept_as_excel_shows_them():
    (row,) = read_rows(filled_template([example(id_number=int(ID), bank_card_no=int(CARD), phone=13912345678)]))
    assert len(row.errors) == 2 and all("数字格式" in error for error in row.errors)
    # Kept, as text, for the refused-rows file: the digits Excel kept, not an empty cell.
    assert row.values["id_number"] == "330106199001010000"
    assert row.values["bank_card_no"] == "6222020000000000000"
    assert row.values["phone"] == "13912345678"


def test_the_refused_rows_file_keeps_the_cells_of_a_row_refused_for_a_number_cell():
    (row,) = read_rows(filled_template([example(id_number=int(ID), phone=13912345678, certificate_no=2020330100001)]))
    content = rejected_rows_workbook(
        [{"row": row.row, "errors": row.errors}], {row.row: row.as_typed()}, year=2020, org_name="杭州西湖精密机械有限公司工会"
    )
    sheet = load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[3]]
    cells = {header: cell for header, cell in zip(headers, sheet[4], strict=True)}
    for header, typed in (("联系方式（手机号码）", "13912345678"), ("证书编号", "2020330100001")):
        assert cells[header].value == typed and cells[header].data_type == "s", header
    assert cells["姓名"].value == "张三" and "数字格式" in cells["错误原因"].value


# Excel keeps 15 significant digits of a number: 330185197206061536 typed in a number cell is
# saved as 3.30185197206062E+17 and shown as 3.30185E+17 (330185197206062000 in the formula bar).
EXCEL_ID = 3.30185197206062e17
EXCEL_CARD = 6.22202123456789e18


def test_a_number_cell_that_lost_digits_comes_back_as_the_same_number():
    """The refused-rows file holds what the clerk's sheet held: the same number cell (Excel shows
    it as the sheet did, 3.30185E+17), not a text of 18 digits that looks whole (330185197206062000:
    its 15th digit rounded, the last three zeros) and that a re-import would take as typed. The
    cell is formatted as text, so that the full number typed over it stays text."""
    (row,) = read_rows(filled_template([example(id_number=EXCEL_ID, bank_card_no=EXCEL_CARD, name="李四")]))
    content = rejected_rows_workbook(
        [{"row": row.row, "errors": row.errors}], {row.row: row.as_typed()}, year=2020, org_name="杭州西湖精密机械有限公司工会"
    )

    sheet = load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[3]]
    cells = {header: cell for header, cell in zip(headers, sheet[4], strict=True)}
    for header, number in (("身份证号", EXCEL_ID), ("银行卡号", EXCEL_CARD)):
        assert cells[header].data_type == "n" and cells[header].value == number, header
        assert cells[header].number_format == "@", header
    # Imported again unchanged, the row is refused for the same reason, not for a check digit.
    (again,) = read_rows(content)
    assert again.errors == row.errors


@pytest.mark.parametrize(
    ("field", "number", "shown", "label"),
    [("id_number", EXCEL_ID, "3.30185E+17", "身份证号"), ("bank_card_no", EXCEL_CARD, "6.22202E+18", "银行卡号")],
)
def test_a_number_cell_that_lost_digits_is_explained(field, number, shown, label):  # type: ignore[no-untyped-def]
    (row,) = read_rows(filled_template([example(**{field: number})]))

    (error,) = row.errors
    assert error.startswith(f"{label}单元格是数字格式")
    assert shown in error  # as Excel shows the cell
    assert "只保留15位" in error and "已丢失" in error
    assert "设为“文本”格式" in error and "重新输入完整的号码" in error


def test_a_short_number_cell_in_the_id_column_is_not_said_to_have_lost_digits():
    (row,) = read_rows(filled_template([example(id_number=330106900101001)]))

    (error,) = row.errors
    assert "数字格式" in error and "设为“文本”格式" in error and "丢失" not in error


# --- text that Excel damaged or marked ----------------------------------------------------------


def test_a_leading_apostrophe_is_dropped():
    (row,) = read_rows(filled_template([example(id_number="'" + ID, bank_card_no="’" + CARD, phone="'13900000000")]))
    assert row.errors == []
    assert (row.values["id_number"], row.values["bank_card_no"], row.values["phone"]) == (ID, CARD, "13900000000")


@pytest.mark.parametrize(("field", "typed"), [("id_number", "3.30106E+17"), ("bank_card_no", "6.22202E+18"), ("id_number", "'3.30106E+17")])
def test_a_number_in_scientific_notation_says_that_excel_lost_its_digits(field, typed):
    (row,) = read_rows(filled_template([example(**{field: typed})]))
    (error,) = row.errors
    assert "科学计数法" in error and "已丢失" in error and "设为文本格式" in error and "重新输入完整的号码" in error
    assert row.values[field] == typed.lstrip("'")  # kept as typed for the refused-rows file


# --- the header row -----------------------------------------------------------------------------


def test_a_field_whose_header_appears_twice_is_refused_naming_the_columns():
    workbook = Workbook()
    sheet = workbook.active
    headers = [*HEADERS, "身份证号码"]  # a hidden 身份证号码 column beside the 身份证号 one
    sheet.append(headers)
    sheet.append(as_line(example()))
    sheet.column_dimensions[get_column_letter(len(headers))].hidden = True
    with pytest.raises(UnreadableFile) as refused:
        list(read_rows(saved(workbook)))
    assert str(refused.value) == (
        "表头中“身份证号”（第E列）、“身份证号码”（第T列）都是“身份证号”，出现了两次，请删去多余的一列后重新上传（隐藏的列也要检查）。"
    )


def test_the_same_header_twice_is_refused_naming_it():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["序号", "姓名", "身份证号码", *[header for header in HEADERS if header not in ("序号", "姓名", "身份证号")], "身份证号码"]
    )
    with pytest.raises(UnreadableFile) as refused:
        list(read_rows(saved(workbook)))
    letter = get_column_letter(len(HEADERS) + 1)
    assert str(refused.value) == f"表头中“身份证号码”出现了两次（第C列和第{letter}列），请删去多余的一列后重新上传（隐藏的列也要检查）。"


def test_the_data_sheet_may_come_after_a_notes_sheet():
    workbook = load_workbook(io.BytesIO(filled_template([example(), example(seq="2", name="李四")])))
    notes = workbook.create_sheet("填表说明", 0)
    notes.append(["填表说明"])
    notes.append(["1. 身份证号、银行卡号请设为文本格式。"])
    notes.append(["列名", "说明"])
    notes.append(["姓名", "与身份证一致"])
    content = saved(workbook)
    assert load_workbook(io.BytesIO(content)).sheetnames == ["填表说明", "汇总表"]
    rows = list(read_rows(content))
    assert [(row.row, row.values["name"]) for row in rows] == [(5, "张三"), (6, "李四")]
    assert sheet_row_count(content) == 3  # the rows below the data sheet's header (the example row included)


def test_a_notes_sheet_naming_the_columns_in_one_row_does_not_hide_the_data_sheet():
    workbook = load_workbook(io.BytesIO(filled_template([example()])))
    notes = workbook.create_sheet("填表说明", 0)
    notes.append(["姓名", "身份证号"])  # a row of a notes sheet that looks like a short header
    notes.append(["与身份证一致", "18位，文本格式"])
    (row,) = read_rows(saved(workbook))
    assert row.values["id_number"] == ID


def test_a_hidden_sheet_is_not_read():
    workbook = load_workbook(io.BytesIO(filled_template([example()])))
    stale = workbook.create_sheet("旧表", 0)
    stale.append(HEADERS)
    stale.append(as_line(example(name="王五")))
    stale.sheet_state = "hidden"
    workbook.active = 1
    (row,) = read_rows(saved(workbook))
    assert row.values["name"] == "张三"


def test_without_a_header_row_the_refusal_names_the_sheets_looked_at():
    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请按模板填写"])
    other = workbook.create_sheet("Sheet2")
    other.append(["序号", "名字", "证件号"])
    workbook.create_sheet("下拉列表").sheet_state = "hidden"
    with pytest.raises(UnreadableFile) as refused:
        list(read_rows(saved(workbook)))
    assert str(refused.value) == (
        "文件中找不到表头行（须有“姓名”和“身份证号”两列）：已查看工作表“填表说明”、“Sheet2”。请使用下载的模板填写。隐藏的工作表不读取。"
    )
