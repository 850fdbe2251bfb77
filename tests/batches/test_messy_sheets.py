"""Sheets as clerks really fill them, and the command line as an operator really types it: hidden
rows, a second sheet, footers and a pre-numbered 序号 column, a person typed over the example row,
names written with a full stop, formulas without results, error cells; and a wrong path. Each is
said in Chinese and nothing is saved that the clerk did not mean."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from rewards.applications.models import Application

from .. import factories
from .sheets import row_for, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司") for _ in range(3)]


def _import(clerk, path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("import_batch", str(path), "--user", clerk.username, "--no-progress", *extra, stdout=out)
    return out.getvalue()


# --- the command line -------------------------------------------------------------------------


def test_a_wrong_path_is_said_in_chinese_and_nothing_is_written(grassroots_clerk, tmp_path):
    with pytest.raises(CommandError, match=r"找不到汇总表文件：.*未导入任何数据"):
        _import(grassroots_clerk, tmp_path / "没有这个文件.xlsx")
    with pytest.raises(CommandError, match="是一个文件夹"):
        _import(grassroots_clerk, tmp_path)
    present = tmp_path / "汇总表.xlsx"
    present.write_bytes(b"x")
    with pytest.raises(CommandError, match="找不到材料压缩包文件"):
        _import(grassroots_clerk, present, "--attachments", str(tmp_path / "材料.zip"))
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        pytest.param(b"not a zip", "材料压缩包无法打开，请上传 .zip 文件。", id="不是zip"),
        pytest.param(None, "材料压缩包是一个 Excel 工作簿，不是材料的压缩包", id="汇总表"),
    ],
)
def test_a_materials_zip_that_cannot_be_used_is_said_without_a_traceback(grassroots_clerk, workers, tmp_path, content, said):
    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(sheet([row_for(workers[0])]))
    archive = tmp_path / "材料.zip"
    archive.write_bytes(content if content is not None else path.read_bytes())
    with pytest.raises(CommandError, match=f"^材料压缩包无法导入，未写入任何数据：{re.escape(said)}"):
        _import(grassroots_clerk, path, "--attachments", str(archive))
    assert not Application.objects.exists()


def test_every_refused_row_can_be_written_out_beyond_the_fifty_printed(grassroots_clerk, workers, tmp_path, monkeypatch):
    from rewards.batches.management.commands import import_batch

    monkeypatch.setattr(import_batch, "SHOWN", 1)
    path = tmp_path / "汇总表.xlsx"
    rows = [row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="123"), row_for(workers[2], seq="3", bank_card_no="456")]
    path.write_bytes(sheet(rows))
    printed = _import(grassroots_clerk, path, "--check-only")
    assert "另有 1 行有问题，未在此列出：加 --rejected 文件名.xlsx 可写出全部。" in printed
    out = tmp_path / "有问题的行.xlsx"
    printed = _import(grassroots_clerk, path, "--check-only", "--rejected", str(out))
    assert "有问题的 2 行已写入" in printed
    written = list(load_workbook(out).active.iter_rows(min_row=4, values_only=True))
    assert [row[-2] for row in written] == [6, 7] and all("银行卡号" in row[-1] for row in written)
    assert not Application.objects.exists()
    from rewards.core.models import AuditEvent

    export = AuditEvent.objects.get(action="batch.rejected_export")
    assert export.actor == grassroots_clerk and export.detail["rows"] == 2 and export.detail["channel"] == "cli"


def test_two_reasons_of_a_row_read_as_two_sentences(grassroots_clerk, workers, tmp_path):
    """Each reason is a sentence of its own, printed and written out without 。； between them."""
    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(sheet([row_for(workers[0], bank_card_no="123", phone="123")]))
    out = tmp_path / "有问题的行.xlsx"
    printed = _import(grassroots_clerk, path, "--check-only", "--rejected", str(out))
    line = next(text for text in printed.splitlines() if text.startswith("  第 5 行："))
    (written,) = load_workbook(out).active.iter_rows(min_row=4, values_only=True)
    for said in (line, written[-1]):
        assert "联系方式（手机号码）" in said and "银行卡号" in said
        assert "。；" not in said and said.endswith("。") and said.count("。") >= 2


# --- what the clerk sees is what is imported ----------------------------------------------------


def _check(clerk, content: bytes, zip_content: bytes | None = None, *, save: bool = True):  # type: ignore[no-untyped-def]
    from rewards.batches.services import check_and_save
    from rewards.campaigns.selectors import require_current_campaign

    return check_and_save(
        campaign=require_current_campaign(),
        user=clerk,
        org=clerk.organisation,
        start_status="pending_grassroots",
        sheet=content,
        zip_content=zip_content,
        save=save,
    )


def _edited(content: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    workbook = load_workbook(io.BytesIO(content))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("how", ["by hand", "by a filter"])
def test_hidden_rows_are_not_imported_and_the_clerk_is_told(grassroots_clerk, workers, how):
    rows = [row_for(worker, seq=str(n)) for n, worker in enumerate(workers, start=1)]

    def hide(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.active
        if how == "by a filter":
            sheet.auto_filter.ref = "A3:S8"
        sheet.row_dimensions[6].hidden = True

    result = _check(grassroots_clerk, _edited(sheet(rows), hide))
    assert [row.row for row in result.rows] == [5, 7] and result.accepted == 2
    assert "第 6 行是隐藏的行（隐藏或筛选），未导入。如需申报，请取消隐藏或清除筛选后重新上传。" in result.notes
    assert Application.objects.count() == 2


def test_a_person_typed_over_the_example_row_is_said_not_silently_dropped(grassroots_clerk, workers):
    from rewards.batches.sheet import COLUMNS

    def over_the_example(workbook) -> None:  # type: ignore[no-untyped-def]
        values = row_for(workers[0], seq="示例")
        for column, (field, _) in enumerate(COLUMNS, start=1):
            workbook.active.cell(row=4, column=column, value=values.get(field))

    result = _check(grassroots_clerk, _edited(sheet([row_for(workers[1], seq="1")]), over_the_example))
    assert result.accepted == 1
    assert any(note.startswith("第 4 行的序号为“示例”，按模板的示例行跳过") for note in result.notes)
    untouched = _check(grassroots_clerk, sheet([row_for(workers[2], seq="1")]))
    assert not any("示例" in note for note in untouched.notes)  # the template's own example says nothing


def test_a_numbered_column_footers_and_totals_are_not_problem_rows(grassroots_clerk, workers):
    def decorate(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.active
        for row in range(7, 12):
            sheet.cell(row=row, column=1, value=row - 4)  # 序号 filled down past the data
        sheet.cell(row=12, column=1, value="合计")
        sheet.cell(row=12, column=2, value="共2人")
        sheet.cell(row=14, column=1, value="填表人：王芳")
        sheet.cell(row=14, column=5, value="联系电话：0571-87000000")
        sheet.cell(row=15, column=21, value="备注：其余人员下批报送")  # a column of the clerk's own

    result = _check(grassroots_clerk, _edited(sheet([row_for(workers[0]), row_for(workers[1], seq="2")]), decorate))
    assert [row.row for row in result.rows] == [5, 6] and result.accepted == 2 and not result.rejected
    assert "第 7–12、14–15 行没有身份证号，像是序号、备注、合计或落款，不是职工的信息，已跳过。" in result.notes


def test_a_row_with_a_name_but_no_id_number_is_still_a_problem_row(grassroots_clerk, workers):
    result = _check(grassroots_clerk, sheet([row_for(workers[0], id_number="")]))
    assert len(result.rejected) == 1 and "身份证号" in "".join(result.rejected[0].errors)


def test_rows_on_a_later_sheet_are_named_not_ignored(grassroots_clerk, workers):
    from rewards.batches.sheet import COLUMNS

    def second_sheet(workbook) -> None:  # type: ignore[no-untyped-def]
        other = workbook.create_sheet("第二批")
        other.append([header for _, header in COLUMNS])
        values = row_for(workers[1])
        other.append([values.get(field) for field, _ in COLUMNS])

    result = _check(grassroots_clerk, _edited(sheet([row_for(workers[0])]), second_sheet))
    assert result.accepted == 1
    assert any("工作表“第二批”也有表头，其中的行未读取" in note for note in result.notes)


def test_an_empty_template_first_and_the_rows_on_sheet2_is_refused_saying_where(grassroots_clerk, workers, campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rewards.batches.imports import import_start
    from rewards.batches.sheet import COLUMNS, template
    from rewards.core.errors import InvalidInput

    def data_on_sheet2(workbook) -> None:  # type: ignore[no-untyped-def]
        other = workbook.create_sheet("Sheet2")
        other.append([header for _, header in COLUMNS])
        values = row_for(workers[0])
        other.append([values.get(field) for field, _ in COLUMNS])

    content = _edited(template(year=2020, org_name=grassroots_clerk.organisation.name), data_on_sheet2)
    with pytest.raises(InvalidInput) as refused:
        import_start(user=grassroots_clerk, org=grassroots_clerk.organisation, sheet_file=SimpleUploadedFile("x.xlsx", content))
    messages = refused.value.fields["file"]
    assert messages[0].startswith("文件中没有需要导入的行") and "工作表“Sheet2”也有表头" in messages[1]
    assert not Application.objects.exists()


def test_a_formula_without_its_result_and_an_error_value_are_named(grassroots_clerk, workers):
    """calamine reads both as empty: the clerk is told what Excel shows there, not "此项必填"."""

    def formulas(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.active
        sheet["B5"] = "=T5"  # openpyxl saves a formula without its result, as generating programs do
        sheet["T5"] = "王芳"
        sheet["E6"] = "#N/A"  # a failed VLOOKUP in the ID column
        sheet["E6"].data_type = "e"

    rows = [row_for(workers[0]), row_for(workers[1], seq="2"), row_for(workers[2], seq="3")]
    result = _check(grassroots_clerk, _edited(sheet(rows), formulas))
    errors = {row.row: "".join(row.errors) for row in result.rejected}
    assert "姓名单元格是公式，文件中没有保存它的计算结果" in errors[5]
    assert "身份证号单元格显示错误值 #N/A（例如查找公式没有找到对应的内容），请改为实际内容。" in errors[6]
    assert result.accepted == 1 and [row.row for row in result.rows if row.status == "accepted"] == [7]


def test_the_sheet_facts_hold_across_blocks_of_the_xml(grassroots_clerk, workers, monkeypatch):
    """The XML is read a block at a time; a row cut by a block's end is read with the next one."""
    from rewards.batches import sheet_xml as sheet_module

    rows = [row_for(worker, seq=str(n)) for n, worker in enumerate(workers, start=1)]
    content = _edited(sheet(rows), lambda workbook: setattr(workbook.active.row_dimensions[6], "hidden", True))
    title = load_workbook(io.BytesIO(content)).active.title
    whole = sheet_module.sheet_facts(content, title)
    monkeypatch.setattr(sheet_module, "_XML_BLOCK", 97)  # rows and tags cut at every turn
    assert sheet_module.sheet_facts(content, title) == whole and whole.hidden == {6}


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("43986", "发证时间“43986”是 Excel 的日期序号（即 2020-06-04）：请把单元格设为日期格式，或写成 2020-06-04。"),
        ("2020.03", "发证时间“2020.03”不是有效的日期，请写成 2020-06-30、2020/6/30 或 2020年6月30日。"),
    ],
)
def test_a_date_that_cannot_be_read_is_echoed_once(grassroots_clerk, workers, typed, said):
    result = _check(grassroots_clerk, sheet([row_for(workers[0], certificate_issue_date=typed)]))
    assert result.rejected[0].errors == [said]


def test_codes_are_not_shown_and_spaces_inside_a_level_are_ignored(grassroots_clerk, workers):
    result = _check(grassroots_clerk, sheet([row_for(workers[0], gender="M"), row_for(workers[1], seq="2", new_level="高级　工")]))
    assert result.rejected[0].errors == ["性别应为“男”或“女”。"]
    assert [row.row for row in result.rows if row.status == "accepted"] == [6]


def test_common_header_words_and_required_marks_are_understood(grassroots_clerk, workers):
    def reword(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.active
        for cell in sheet[3]:
            cell.value = {
                "联系方式（手机号码）": "联系电话",
                "银行卡开户行": "开户银行",
                "发证时间": "发证日期",
                "证书编号": "证书编号*",
                "姓名": "姓名（必填）",
            }.get(cell.value, cell.value)

    result = _check(grassroots_clerk, _edited(sheet([row_for(workers[0])]), reword))
    assert result.accepted == 1


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "文件是空的"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64, "文件设置了打开密码"),
        ("seq,name,id_number\n1,张三,330106199001010018\n".encode(), "这是文本（CSV）文件"),
        ("zip", "这是一个压缩包，不是 Excel 工作簿"),
    ],
    ids=["empty", "password", "csv", "zip"],
)
def test_a_file_that_is_no_workbook_is_said_for_what_it_is(content, said):
    import zipfile

    from rewards.batches.sheet import read_rows
    from rewards.core.tabular import UnreadableFile

    if content == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("330106199001010018_id_card.jpg", b"x")
        content = buffer.getvalue()
    with pytest.raises(UnreadableFile, match=said):
        list(read_rows(content))


@pytest.mark.parametrize("first_wrong", [{"bank_card_no": "123"}, {"name": "错名"}], ids=["a typo", "a name the registry does not hold"])
def test_a_person_twice_the_first_row_that_can_be_imported_is_the_one(grassroots_clerk, workers, first_wrong):
    """Whatever kind of check the first row fails, a corrected copy below it is imported; a copy of
    a row that is imported is refused."""
    rows = [row_for(workers[0], **first_wrong), row_for(workers[0], seq="2"), row_for(workers[0], seq="3")]
    preview = _check(grassroots_clerk, sheet(rows), save=False)
    assert [(row.row, row.status) for row in preview.rows] == [(5, "rejected"), (6, "valid"), (7, "rejected")]
    assert preview.rejected[1].errors == ["该职工在本文件第 6 行已出现（那一行可以导入），本行未导入。"]
    # Saved, the refused-rows file says what became of row 6.
    result = _check(grassroots_clerk, sheet(rows))
    assert [(row.row, row.status) for row in result.rows] == [(5, "rejected"), (6, "accepted"), (7, "rejected")]
    assert result.rejected[1].errors == ["该职工在本文件第 6 行已出现（那一行已保存），本行未导入。"]


def _applies_online_meanwhile(monkeypatch, member) -> None:  # type: ignore[no-untyped-def]
    """The worker's own online application arrives between the check of a lot and its saving."""
    from rewards.batches import services

    check = services._check_chunk

    def check_then_apply(context, chunk):  # type: ignore[no-untyped-def]
        checked = check(context, chunk)
        if not Application.objects.filter(id_hash=member.id_hash).exists():
            factories.make_application(campaign=context.campaign, member=member, status="pending_district")
        return checked

    monkeypatch.setattr(services, "_check_chunk", check_then_apply)


def test_a_copy_of_a_row_that_could_not_be_saved_is_told_the_truth(grassroots_clerk, workers, monkeypatch):
    """Row 5 passes the check, row 6 (the same person) is refused as its copy; then row 5 cannot
    be saved (the worker applied online meanwhile). Row 6 no longer says that row 5 "can be
    imported": it says row 5 was not imported either, and why. It stays refused: the person now
    has an application this year, which it could not be saved beside."""
    _applies_online_meanwhile(monkeypatch, workers[0])
    rows = [row_for(workers[0]), row_for(workers[0], seq="2"), row_for(workers[1], seq="3")]

    result = _check(grassroots_clerk, sheet(rows))

    assert [(row.row, row.status) for row in result.rows] == [(5, "rejected"), (6, "rejected"), (7, "accepted")]
    assert result.rows[0].errors == ["该职工2020年度已有申请，不能重复申报。"]
    assert result.rows[1].errors == ["该职工在本文件第 5 行已出现，本行未导入；第 5 行保存时该职工2020年度已有申请，也未导入。"]
    assert Application.objects.filter(id_hash=workers[0].id_hash).count() == 1  # the online one


def test_a_copy_in_a_later_lot_of_a_row_that_could_not_be_saved_is_judged_afresh(grassroots_clerk, workers, monkeypatch):
    """Rows are saved 500 at a time: a copy in the next lot is told of the application now there."""
    from rewards.batches import services

    monkeypatch.setattr(services, "CHUNK", 1)
    _applies_online_meanwhile(monkeypatch, workers[0])

    result = _check(grassroots_clerk, sheet([row_for(workers[0]), row_for(workers[0], seq="2")]))

    assert [(row.row, row.status) for row in result.rows] == [(5, "rejected"), (6, "rejected")]
    online = Application.objects.get(id_hash=workers[0].id_hash)
    # The clerk cannot open the worker's own online application: its number is not said (decision 19).
    assert result.rows[1].errors == [
        "该职工2020年度已有申请（个人网上申报），不能重复申报：无需再由本单位填报；申请编号和进度，职工本人可凭短信登录平台查看。"
    ]
    assert online.application_no not in result.rows[1].errors[0]


# --- the materials zip ------------------------------------------------------------------------


def test_materials_of_nobody_on_the_sheet_a_nested_zip_and_an_empty_zip_are_said(grassroots_clerk, workers):
    import zipfile

    from .sheets import materials_zip

    stranger = factories.new_id_number()
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        both = zipfile.ZipFile(io.BytesIO(materials_zip([workers[0].id_number, stranger])))
        for info in both.infolist():
            archive.writestr(info.filename, both.read(info))
        archive.writestr("第二批材料.zip", materials_zip([workers[1].id_number]))
    result = _check(grassroots_clerk, sheet([row_for(workers[0])]), bundle.getvalue(), save=False)
    assert result.rows[0].status == "valid"
    assert any(note.startswith("压缩包中的“第二批材料.zip”又是一个压缩包，已忽略") for note in result.notes)
    strays = [note for note in result.notes if "在汇总表中找不到对应的行" in note]
    assert len(strays) == 1 and strays[0].startswith("压缩包中有 1 位职工的材料") and stranger not in strays[0]

    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    nothing = _check(grassroots_clerk, sheet([row_for(workers[0])]), empty.getvalue(), save=False)
    assert "材料压缩包中没有文件：请把材料放进压缩包后重新上传，或不上传压缩包。" in nothing.notes


def test_a_sheet_too_large_suggests_the_pasted_pictures(grassroots_clerk, workers, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rewards.batches import imports
    from rewards.core.errors import InvalidInput

    content = sheet([row_for(workers[0])])
    monkeypatch.setattr(imports, "MAX_SHEET_BYTES", len(content) - 1)
    with pytest.raises(InvalidInput) as refused:
        imports.import_start(user=grassroots_clerk, org=grassroots_clerk.organisation, sheet_file=SimpleUploadedFile("x.xlsx", content))
    assert "如果表格中粘贴了照片或图片，请删去（材料请放在材料压缩包中上传）" in refused.value.fields["file"][0]


def test_a_workbook_whose_xml_declares_entities_is_not_expanded(grassroots_clerk, workers, monkeypatch):
    """The sheet's own parts are read for hidden rows: a "billion laughs" workbook.xml is refused
    by the XML reader instead of being expanded (defusedxml)."""
    import zipfile

    from rewards.batches.sheet_xml import sheet_facts

    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
        + ']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>'
        '<sheet name="&lol9;" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>'
    )
    original = zipfile.ZipFile(io.BytesIO(sheet([row_for(workers[0])])))
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        for info in original.infolist():
            archive.writestr(info.filename, laughs if info.filename == "xl/workbook.xml" else original.read(info))
    from defusedxml import ElementTree, EntitiesForbidden

    refused: list[type] = []
    real = ElementTree.fromstring

    def watched(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return real(text, *args, **kwargs)
        except EntitiesForbidden as error:
            refused.append(type(error))
            raise

    monkeypatch.setattr(ElementTree, "fromstring", watched)
    facts = sheet_facts(bundle.getvalue(), "汇总表")
    assert facts.hidden == set() and facts.unread == {}
    assert refused == [EntitiesForbidden]  # refused by defusedxml, not expanded


def test_an_empty_text_result_of_a_formula_is_a_value_not_a_missing_result():
    """Excel keeps ``=IF(Q5="是",…,"")`` as ``t="str"`` with an empty ``<v></v>``; a program that
    keeps no result writes ``<v />`` or nothing."""
    from rewards.batches.sheet_xml import SheetFacts, _read_facts

    facts = SheetFacts(hidden=set(), unread={})
    xml = (
        b'<row r="5"><c r="R5" t="str"><f>IF(Q5="\xe6\x98\xaf",P5,"")</f><v></v></c>'
        b'<c r="B5"><f>T5</f><v /></c><c r="C5"><f>T5</f></c><c r="E5" t="e"><v>#N/A</v></c></row>'
    )
    _read_facts(xml, facts)
    assert facts.unread == {(5, 2): "formula", (5, 3): "formula", (5, 5): "#N/A"}


def test_the_sheet_xml_is_read_up_to_its_rows_not_through_what_follows(grassroots_clerk, workers, monkeypatch):
    """Millions of merged cells after ``</sheetData>`` (a small upload: they compress 400 to 1)
    are not read, let alone read again and again."""
    import zipfile

    from rewards.batches import sheet_xml as sheet_module

    original = zipfile.ZipFile(io.BytesIO(sheet([row_for(workers[0])])))
    part = "xl/worksheets/sheet1.xml"
    xml = original.read(part)
    padded = xml.replace(b"</sheetData>", b"</sheetData><mergeCells>" + b'<mergeCell ref="A1:B1"/>' * 200_000 + b"</mergeCells>", 1)
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            archive.writestr(info.filename, padded if info.filename == part else original.read(info))
    read: list[int] = []
    real = sheet_module._read_facts
    monkeypatch.setattr(sheet_module, "_read_facts", lambda data, facts: (read.append(len(data)), real(data, facts)))
    monkeypatch.setattr(sheet_module, "_XML_BLOCK", 4096)
    sheet_module.sheet_facts(bundle.getvalue(), load_workbook(io.BytesIO(bundle.getvalue()), read_only=True).sheetnames[0])
    assert len(padded) > 4_000_000 and sum(read) < len(xml)


def test_an_xls_file_is_read_and_told_that_its_hidden_rows_cannot_be_seen():
    """``files/hidden-row.xls`` (made with xlwt: the header on row 3, 张三 on row 5, hidden). calamine
    reads .xls, but its row visibility is not read here: the clerk is told so."""
    from pathlib import Path

    from rewards.batches.sheet import read_rows

    notes: list[str] = []
    rows = list(read_rows((Path(__file__).parent / "files" / "hidden-row.xls").read_bytes(), notes))
    assert [(row.row, row.values["name"]) for row in rows] == [(5, "张三")]
    assert notes == [
        "这是 .xls 格式的文件，其中隐藏或筛选掉的行无法识别，已照常检查和导入。如有隐藏的行，请在 Excel 中另存为 .xlsx 后重新上传。"
    ]


def test_a_column_under_another_common_name_gives_way_to_the_templates_own(grassroots_clerk, workers):
    """A clerk's extra 联系电话 (a landline) beside 联系方式（手机号码） is ignored, not a duplicate."""

    def landline(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.active
        sheet.cell(row=3, column=21, value="联系电话")
        sheet.cell(row=5, column=21, value="0571-87000000")

    result = _check(grassroots_clerk, _edited(sheet([row_for(workers[0])]), landline))
    assert result.accepted == 1 and Application.objects.get().phone == workers[0].phone


def test_two_columns_under_the_same_name_are_still_refused(grassroots_clerk, workers):
    from rewards.core.tabular import UnreadableFile

    def twice(workbook) -> None:  # type: ignore[no-untyped-def]
        workbook.active.cell(row=3, column=21, value="银行卡号")

    with pytest.raises(UnreadableFile, match="“银行卡号”出现了两次"):
        _check(grassroots_clerk, _edited(sheet([row_for(workers[0])]), twice))


def test_a_row_with_a_workers_details_but_no_name_and_id_is_refused_not_skipped(grassroots_clerk, workers):
    result = _check(grassroots_clerk, sheet([row_for(workers[0], name="", id_number="")]))
    assert len(result.rejected) == 1 and not any("已跳过" in note for note in result.notes)


def test_materials_of_a_hidden_row_and_of_an_id_cell_that_lost_digits_are_said_as_such(grassroots_clerk, workers):
    """The zip's materials of people on no row read: a hidden row's person is named by the row,
    not sent to check the file names; a row whose ID cell is a number that lost digits is named
    as the reason the others found no row."""
    from .sheets import materials_zip

    rows = [row_for(worker, seq=str(n)) for n, worker in enumerate(workers, start=1)]

    def edit(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.active
        sheet.row_dimensions[6].hidden = True
        sheet["E7"] = float(workers[2].id_number[:17] + "0")  # typed as a number: digits lost
        sheet["E7"].number_format = "0"

    content = _edited(sheet(rows), edit)
    result = _check(grassroots_clerk, content, materials_zip([worker.id_number for worker in workers]), save=False)
    assert [(row.row, row.status) for row in result.rows] == [(5, "valid"), (7, "rejected")]
    assert "汇总表第 6 行是隐藏的行，压缩包中其职工的材料也未使用：取消隐藏后重新上传即可一起导入。" in result.notes
    strays = [note for note in result.notes if "在汇总表中找不到对应的行" in note]
    assert strays == [
        f"压缩包中有 1 位职工的材料（身份证号 {workers[2].id_number[:6]}********{workers[2].id_number[-4:]}）在汇总表中找不到对应的行，"
        "已忽略：请核对文件名中的身份证号；汇总表第 7 行的身份证号是数字格式、已丢失位数，改为文本格式重新输入后，材料即可对应。"
    ]

    # Without a hidden row or a number cell, the file names are the only thing to check.
    plain = _check(grassroots_clerk, sheet(rows[:1]), materials_zip([workers[0].id_number, workers[1].id_number]), save=False)
    assert next(note for note in plain.notes if "找不到对应的行" in note).endswith("已忽略：请核对文件名中的身份证号。")


def test_a_row_as_clerks_copy_it_from_the_certificate_is_read(grassroots_clerk, workers):
    """Level and issuer as the certificate prints them, 来杭年限 with 年, a date typed 20200630."""
    row = row_for(
        workers[0],
        new_level="三级/高级工",
        issuer="杭州市人力资源和社会保障局",
        is_migrant="是",
        hukou_place="安徽省阜阳市",
        years_in_hangzhou="5年",
        certificate_issue_date="20200630",
    )
    result = _check(grassroots_clerk, sheet([row]))
    assert [(row.status, row.errors) for row in result.rows] == [("accepted", [])]
    application = Application.objects.get()
    assert (application.new_level, application.issuer, application.years_in_hangzhou) == ("senior_worker", "hr_hangzhou", 5)
    assert application.certificate_issue_date.isoformat() == "2020-06-30"
