"""import_members: the member registry (会员库), through the command and the importer."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection

from rewards.core import crypto
from rewards.core.audit import verify_chain
from rewards.core.models import AuditEvent
from rewards.core.tabular import UnreadableFile
from rewards.organisations.models import Organisation, OrgKind
from rewards.registries import importers
from rewards.registries.importers import import_members
from rewards.registries.models import ImportKind, ImportRun, Member
from tests import factories

from .tables import NUMBER_CELL_LOST, NUMBER_CELL_SHOWN, digit_id_number, reasons, write_csv, write_xlsx, wrong_check_digit

HEADER = ["id_number", "name", "phone", "union", "grassroots_union", "employer", "verified"]


def member_row(
    id_number=None, name="王建国", phone=None, union="西湖区总工会", grassroots="", employer="杭州测试机械有限公司", verified="1"
):  # type: ignore[no-untyped-def]
    return [id_number or factories.new_id_number(), name, phone or factories.new_mobile(), union, grassroots, employer, verified]


def run_command(path, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("import_members", str(path), "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def stored_ciphertext(member: Member) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {Member._meta.db_table} WHERE id = %s", [member.pk])
        return tuple(cursor.fetchone())  # type: ignore[return-value]


def test_every_valid_row_is_stored_encrypted_with_blind_indexes(xihu, shangcheng, tmp_path):
    rows = [
        member_row(name="王建国", union="西湖区总工会", verified="1"),
        member_row(name="李·阿依古丽", union="上城区总工会", verified="0"),
        member_row(name="赵敏", union="西湖区总工会", verified="是", phone=""),
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    report = import_members(path)

    assert (report.total, report.created, report.updated, report.unchanged, report.rejected) == (3, 3, 0, 0, [])
    assert Member.objects.count() == 3
    for id_number, name, phone, union_name, _, employer, verified in rows:
        member = Member.objects.get(id_hash=crypto.blind_index("id", id_number))
        assert member.id_number == id_number
        assert member.name == name
        assert member.phone == phone
        assert member.phone_hash == (crypto.blind_index("phone", phone) if phone else "")
        assert member.union.name == union_name
        assert member.grassroots_union is None
        assert member.employer == employer
        assert member.verified is (verified in ("1", "是"))
        id_cipher, phone_cipher = stored_ciphertext(member)
        assert id_number not in id_cipher
        assert id_cipher.startswith(crypto.keyring()[0] + "$")
        if phone:
            assert phone not in phone_cipher
        else:
            assert phone_cipher == ""


def test_rejected_rows_are_named_by_row_number_with_a_chinese_reason(xihu, tmp_path):
    first = factories.new_id_number()
    rows = [
        member_row(id_number=first, name="王建国"),  # row 2
        member_row(id_number=wrong_check_digit(factories.new_id_number()), name="钱多多"),  # row 3
        member_row(phone="139123479190", name="孙悟空"),  # row 4: 12 digits
        member_row(union="火星区总工会", name="周八"),  # row 5
        member_row(id_number=first, name="吴九"),  # row 6: same person again
        member_row(name="郑十"),  # row 7
        member_row(name="冯十一", verified="也许"),  # row 8
        member_row(name="褚十二", grassroots="杭州" + "很" * 120 + "长有限公司工会"),  # row 9
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    report = import_members(path)

    found = reasons(report)
    assert sorted(found) == [3, 4, 5, 6, 8, 9]
    assert "身份证号码校验位不正确" in found[3]
    assert "手机号码应为11位数字" in found[4]
    assert "火星区总工会" in found[5] and "不是市总工会下属" in found[5]
    assert "第 2 行已出现" in found[6]
    assert "verified" in found[8]
    assert "基层工会名称过长" in found[9]
    assert (report.total, report.created) == (8, 2)
    assert sorted(Member.objects.values_list("name", flat=True)) == ["王建国", "郑十"]
    # The later duplicate did not overwrite the first row.
    assert Member.objects.get(id_hash=crypto.blind_index("id", first)).name == "王建国"


def test_command_reports_each_rejected_row(xihu, tmp_path):
    rows = [member_row(), member_row(phone="139123479190"), member_row(union="火星区总工会")]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    output = run_command(path)

    assert "共 3 行，新增 1，更新 0，未变化 0，拒绝 2" in output
    assert "第 3 行：手机号码应为11位数字" in output
    assert "第 4 行：所属工会“火星区总工会”" in output
    assert Member.objects.count() == 1


def test_rerunning_the_same_file_changes_nothing(xihu, tmp_path):
    rows = [member_row(grassroots="杭州西溪电子有限公司工会") for _ in range(4)] + [member_row(phone="12345")]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)
    first = import_members(path)
    before = {m.pk: (m.row_digest, m.updated_at, stored_ciphertext(m)) for m in Member.objects.all()}
    organisations = Organisation.objects.count()

    second = import_members(path)

    assert (first.created, first.unchanged, len(first.rejected)) == (4, 0, 1)
    assert (second.created, second.updated, second.unchanged, len(second.rejected)) == (0, 0, first.accepted, 1)
    after = {m.pk: (m.row_digest, m.updated_at, stored_ciphertext(m)) for m in Member.objects.all()}
    assert after == before
    assert Organisation.objects.count() == organisations
    runs = list(ImportRun.objects.order_by("pk").values_list("created", "updated", "unchanged", "rejected"))
    assert runs == [(4, 0, 0, 1), (0, 0, 4, 1)]
    assert "新增 0，更新 0，未变化 4" in run_command(path)


def test_a_changed_row_counts_as_updated(xihu, shangcheng, tmp_path):
    rows = [member_row() for _ in range(3)]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)
    import_members(path)
    before = {m.id_number: (m.pk, m.row_digest, m.updated_at) for m in Member.objects.all()}
    new_phone = factories.new_mobile()
    rows[1] = [rows[1][0], "王建军", new_phone, "上城区总工会", "", "杭州新单位有限公司", "0"]
    write_csv(path, HEADER, rows)

    report = import_members(path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Member.objects.count() == 3
    changed = Member.objects.get(id_hash=crypto.blind_index("id", rows[1][0]))
    assert changed.pk == before[rows[1][0]][0]
    assert (changed.name, changed.phone, changed.union.name, changed.employer, changed.verified) == (
        "王建军",
        new_phone,
        "上城区总工会",
        "杭州新单位有限公司",
        False,
    )
    assert changed.phone_hash == crypto.blind_index("phone", new_phone)
    assert changed.row_digest != before[rows[1][0]][1]
    assert changed.updated_at > before[rows[1][0]][2]
    for untouched in (rows[0][0], rows[2][0]):
        member = Member.objects.get(id_hash=crypto.blind_index("id", untouched))
        assert (member.pk, member.row_digest, member.updated_at) == before[untouched]


def test_grassroots_unions_named_in_the_file_are_created_under_their_district(xihu, shangcheng, tmp_path):
    rows = [
        member_row(union="西湖区总工会", grassroots="杭州西溪电子有限公司工会", employer="杭州西溪电子有限公司"),
        member_row(union="西湖区总工会", grassroots="杭州西溪电子有限公司工会", employer="杭州西溪电子有限公司"),
        member_row(union="上城区总工会", grassroots="杭州河坊街茶楼工会", employer="杭州河坊街茶楼"),
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    report = import_members(path)

    assert report.created == 3
    xixi = Organisation.objects.get(name="杭州西溪电子有限公司工会")
    assert (xixi.kind, xixi.parent, xixi.employer) == (OrgKind.GRASSROOTS, xihu, "杭州西溪电子有限公司")
    assert xixi.path == f"{xihu.path}{xixi.pk}/"
    hefang = Organisation.objects.get(name="杭州河坊街茶楼工会")
    assert (hefang.kind, hefang.parent) == (OrgKind.GRASSROOTS, shangcheng)
    assert Member.objects.filter(grassroots_union=xixi, union=xihu).count() == 2
    assert Member.objects.filter(grassroots_union=hefang, union=shangcheng).count() == 1


def test_an_existing_grassroots_union_is_reused(xihu_grassroots, tmp_path):
    path = write_csv(tmp_path / "members.csv", HEADER, [member_row(grassroots=" 杭州西湖精密机械有限公司工会 ")])
    organisations = Organisation.objects.count()

    report = import_members(path)

    assert report.created == 1
    assert Organisation.objects.count() == organisations
    assert Member.objects.get().grassroots_union == xihu_grassroots


def test_a_grassroots_union_of_another_district_rejects_the_row(xihu_grassroots, shangcheng, tmp_path):
    rows = [
        member_row(union="西湖区总工会", grassroots=xihu_grassroots.name),
        member_row(union="上城区总工会", grassroots=xihu_grassroots.name, name="陈越界"),
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    report = import_members(path)

    found = reasons(report)
    assert list(found) == [3]
    assert "隶属于其他区县（产业）工会" in found[3]
    assert report.created == 1
    assert not Member.objects.filter(name="陈越界").exists()
    xihu_grassroots.refresh_from_db()
    assert xihu_grassroots.parent.name == "西湖区总工会"


def test_union_names_match_with_full_and_half_width_brackets(campaign, tmp_path):
    rows = [
        member_row(union="高新区(滨江)总工会", grassroots="杭州滨江(高新)软件有限公司工会"),
        member_row(union="高新区（滨江）总工会", grassroots="杭州滨江（高新）软件有限公司工会"),
        member_row(union=" 高新区（滨江） 总工会"),
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    report = import_members(path)

    assert (report.created, report.rejected) == (3, [])
    binjiang = Organisation.objects.get(name="高新区（滨江）总工会")
    assert Member.objects.filter(union=binjiang).count() == 3
    grassroots = Organisation.objects.filter(kind=OrgKind.GRASSROOTS, parent=binjiang)
    assert grassroots.count() == 1
    assert Member.objects.filter(grassroots_union=grassroots.get()).count() == 2


def test_a_gb18030_csv_is_read(xihu, tmp_path):
    rows = [member_row(name="欧阳娜娜", grassroots="杭州西湖龙井茶叶有限公司工会", employer="杭州西湖龙井茶叶有限公司")]
    path = write_csv(tmp_path / "members-gbk.csv", HEADER, rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    report = import_members(path)

    assert (report.created, report.rejected) == (1, [])
    member = Member.objects.get()
    assert (member.name, member.employer, member.grassroots_union.name) == (
        "欧阳娜娜",
        "杭州西湖龙井茶叶有限公司",
        "杭州西湖龙井茶叶有限公司工会",
    )


def test_xlsx_with_text_id_cells_is_imported(xihu, tmp_path):
    rows = [member_row(), member_row(name="林·小雨")]
    path = write_xlsx(tmp_path / "members.xlsx", HEADER, rows)

    report = import_members(path)

    assert (report.created, report.rejected) == (2, [])
    assert {m.id_number for m in Member.objects.all()} == {rows[0][0], rows[1][0]}


def test_xlsx_with_a_numeric_id_cell_is_rejected(xihu, tmp_path):
    number = digit_id_number()
    rows = [member_row(), member_row(id_number=int(number), name="数字格式")]  # type: ignore[arg-type]
    path = write_xlsx(tmp_path / "members.xlsx", HEADER, rows)

    report = import_members(path)

    found = reasons(report)
    assert list(found) == [3]
    # The cell as Excel shows it (6 significant digits), and why the rest cannot be read back.
    assert found[3] == f"{NUMBER_CELL_SHOWN}{int(number):.5E}{NUMBER_CELL_LOST}"
    assert report.created == 1
    assert not Member.objects.filter(id_hash=crypto.blind_index("id", number)).exists()


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        # 15 digits (an old ID number): Excel keeps it whole, but an ID number is typed as text.
        (
            999_999_999_999_999,
            "身份证号码单元格是数字格式：身份证号码须按文本填写（Excel 的数字只保留15位有效数字，放不下更长的号码）。"
            "请把该列设为“文本”格式，再重新输入完整的号码。",
        ),
        # 16 digits, the smallest: one more than Excel keeps.
        (1_000_000_000_000_000, f"{NUMBER_CELL_SHOWN}1.00000E+15{NUMBER_CELL_LOST}"),
        (330106198503150016.0, f"{NUMBER_CELL_SHOWN}3.30106E+17{NUMBER_CELL_LOST}"),
    ],
    ids=["15-digits", "16-digits", "18-digits-float"],
)
def test_a_numeric_id_cell_is_said_as_the_batch_sheet_says_it(xihu, tmp_path, cell, reason):
    path = write_xlsx(tmp_path / "members.xlsx", HEADER, [member_row(id_number=cell)])  # type: ignore[arg-type]

    out = run_command(path)

    assert f"第 2 行：{reason}" in out
    assert reasons(import_members(path)) == {2: reason}
    assert not Member.objects.exists()


def test_a_header_missing_a_required_column_is_refused_whole(xihu, tmp_path):
    header = [column for column in HEADER if column != "verified"]
    path = write_csv(tmp_path / "members.csv", header, [row[:-1] for row in [member_row(grassroots="杭州新建单位工会")]])
    organisations = Organisation.objects.count()

    with pytest.raises(CommandError) as error:
        run_command(path)

    assert "未写入任何数据" in str(error.value)
    assert "verified" in str(error.value)
    with pytest.raises(UnreadableFile):
        import_members(path)
    assert Member.objects.count() == 0
    assert ImportRun.objects.count() == 0
    assert Organisation.objects.count() == organisations
    assert not AuditEvent.objects.filter(action="registry.import_members").exists()


def test_a_file_that_cannot_be_opened_is_refused_in_chinese_not_a_traceback(xihu, tmp_path):
    """On a server the command runs as rewards (deploy/bin/manage): a file of root's, or a folder
    named by mistake, is said in Chinese; nothing is written."""
    with pytest.raises(CommandError) as folder:
        run_command(tmp_path)
    with pytest.raises(CommandError) as absent:
        run_command(tmp_path / "members.csv")

    assert (
        str(folder.value)
        == f"文件无法导入，未写入任何数据：无法打开文件 {tmp_path}（是目录而不是文件）：请把文件放在运行命令的用户能读取的位置。"
    )
    assert str(absent.value) == f"文件无法导入，未写入任何数据：文件不存在：{tmp_path / 'members.csv'}"
    assert not ImportRun.objects.exists()


def test_a_failed_chunk_leaves_none_of_its_rows(xihu, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "CHUNK", 2)
    rows = [
        member_row(name="甲一"),
        member_row(name="乙二"),  # first chunk: rows 2-3
        member_row(name="丙三", grassroots="杭州半途单位有限公司工会"),
        member_row(name="丁四", grassroots="杭州半途单位有限公司工会"),  # second chunk: rows 4-5, fails
        member_row(name="戊五"),  # never reached
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)
    original = Member.objects.bulk_create
    calls = []

    def failing_bulk_create(objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(objs))
        if len(calls) == 2:
            original(objs[:1], *args, **kwargs)  # half the chunk is written, then the disk fails
            raise OSError("磁盘已满")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Member.objects, "bulk_create", failing_bulk_create)

    with pytest.raises(OSError, match="磁盘已满"):
        import_members(path)

    assert sorted(Member.objects.values_list("name", flat=True)) == ["乙二", "甲一"]
    assert not Organisation.objects.filter(name="杭州半途单位有限公司工会").exists()


def test_a_conflict_inside_a_chunk_is_retried_row_by_row(xihu, tmp_path, monkeypatch):
    """Another import wrote one of the rows meanwhile: the chunk is rolled back and retried row by row."""
    monkeypatch.setattr(importers, "CHUNK", 3)
    existing = [member_row(name="甲一")]
    import_members(write_csv(tmp_path / "first.csv", HEADER, existing))
    rows = [
        *existing,  # unchanged
        member_row(name="乙二", grassroots="杭州重试单位有限公司工会"),
        member_row(name="丙三", grassroots="杭州重试单位有限公司工会"),
        member_row(name="丁四"),
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)
    original = Member.objects.bulk_create
    calls = []

    def conflicting_once(objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(objs))
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Member.objects, "bulk_create", conflicting_once)

    report = import_members(path)

    assert (report.total, report.created, report.updated, report.unchanged, report.rejected) == (4, 3, 0, 1, [])
    assert sorted(Member.objects.values_list("name", flat=True)) == ["丁四", "丙三", "乙二", "甲一"]
    grassroots = Organisation.objects.get(name="杭州重试单位有限公司工会")
    assert grassroots.parent == xihu
    assert set(Member.objects.filter(grassroots_union__isnull=False).values_list("grassroots_union_id", flat=True)) == {grassroots.pk}
    run = ImportRun.objects.order_by("pk").last()
    assert (run.total, run.created, run.unchanged, run.rejected) == (4, 3, 1, 0)


def test_an_import_run_and_an_audit_entry_are_written(xihu, tmp_path):
    rows = [member_row(), member_row(), member_row(phone="139123479190")]
    path = write_csv(tmp_path / "会员库.csv", HEADER, rows)

    import_members(path)

    run = ImportRun.objects.get()
    assert run.kind == ImportKind.MEMBERS
    assert run.file_name == "会员库.csv"
    assert run.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (run.total, run.created, run.updated, run.unchanged, run.rejected) == (3, 2, 0, 0, 1)
    assert run.finished_at is not None and run.finished_at >= run.started_at
    event = AuditEvent.objects.get(action="registry.import_members")
    assert (event.object_type, event.object_id, event.actor_label, event.result) == ("registries.importrun", str(run.pk), "cli", "ok")
    assert event.detail == {"total": 3, "created": 2, "updated": 0, "unchanged": 0, "rejected": 1, "year": None}
    flat = event.canonical()
    for row in rows:
        assert row[0] not in flat and row[2] not in flat
    assert verify_chain() == []


def test_progress_hooks_see_every_row(xihu, tmp_path):
    path = write_csv(tmp_path / "members.csv", HEADER, [member_row() for _ in range(5)])
    totals, steps = [], []

    import_members(path, progress=steps.append, on_total=totals.append)

    assert totals == [5]
    assert sum(steps) == 5


def test_a_row_that_still_conflicts_is_rejected_alone(xihu, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "CHUNK", 10)
    rows = [
        member_row(name="乙二", grassroots="杭州冲突单位有限公司工会"),
        member_row(name="丙三", grassroots="杭州冲突单位有限公司工会"),
        member_row(name="丁四"),
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)
    original = Member.objects.bulk_create

    def conflicting_for_one_person(objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        if any(obj.name == "丙三" for obj in objs):
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Member.objects, "bulk_create", conflicting_for_one_person)

    report = import_members(path)

    assert (report.created, report.unchanged) == (2, 0)
    found = reasons(report)
    assert list(found) == [3]
    assert "冲突" in found[3]
    assert sorted(Member.objects.values_list("name", flat=True)) == ["丁四", "乙二"]
    grassroots = Organisation.objects.get(name="杭州冲突单位有限公司工会")
    assert Member.objects.get(name="乙二").grassroots_union == grassroots


def test_an_id_number_saved_as_excel_shows_a_long_number_is_refused_with_the_reason(xihu, tmp_path):
    """A CSV saved from a sheet whose ID column was a number holds "3.30106E+17" as text: refused
    as the batch sheet refuses it, not as a wrong ID number. "330106" alone is just a wrong ID."""
    rows = [
        member_row(id_number="3.30106E+17", name="王建国"),  # row 2
        member_row(id_number="3.30106e17", name="钱多多"),  # row 3
        member_row(id_number="330106", name="孙悟空"),  # row 4: too short, no exponent
        member_row(name="周八"),  # row 5
    ]
    path = write_csv(tmp_path / "members.csv", HEADER, rows)

    found = reasons(import_members(path))

    assert sorted(found) == [2, 3, 4]
    assert found[2].startswith("身份证号码“3.30106E+17”是 Excel 显示长数字的科学计数法")
    assert found[3].startswith("身份证号码“3.30106e17”是 Excel 显示长数字的科学计数法")
    assert "科学计数法" not in found[4]
    assert list(Member.objects.values_list("name", flat=True)) == ["周八"]
