"""import_awards: a past campaign's roster (往年名单), through the command and the importer."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core import crypto
from rewards.core.audit import verify_chain
from rewards.core.errors import InvalidInput
from rewards.core.models import AuditEvent
from rewards.core.tabular import UnreadableFile
from rewards.registries import importers
from rewards.registries.importers import import_awards
from rewards.registries.models import ImportKind, ImportRun, PastAward
from tests import factories

from .tables import NUMBER_CELL_LOST, NUMBER_CELL_SHOWN, digit_id_number, reasons, write_csv, write_xlsx, wrong_check_digit

HEADER = ["id_number", "name", "level", "amount", "status"]


def award_row(id_number=None, name="王建国", level="高级工", amount="500", status="paid"):  # type: ignore[no-untyped-def]
    return [id_number or factories.new_id_number(), name, level, amount, status]


def run_command(path, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("import_awards", str(path), "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_every_valid_row_is_stored(db, tmp_path):
    rows = [
        award_row(level="高级工", amount="500", status="paid"),
        award_row(level="technician", amount="600.00", status="applied", name="李·阿依古丽"),
        award_row(level="高级技师", amount="1,000.5", status="已发放"),
        award_row(level="技师", amount=" 600 ", status="已申请"),
    ]
    path = write_csv(tmp_path / "roster-2019.csv", HEADER, rows)

    report = import_awards(path, year=2019)

    assert (report.total, report.created, report.rejected) == (4, 4, [])
    expected = [
        ("senior_worker", Decimal("500.00"), "paid"),
        ("technician", Decimal("600.00"), "applied"),
        ("senior_technician", Decimal("1000.50"), "paid"),
        ("technician", Decimal("600.00"), "applied"),
    ]
    for row, (level, amount, status) in zip(rows, expected, strict=True):
        award = PastAward.objects.get(year=2019, id_hash=crypto.blind_index("id", row[0]))
        assert (award.id_number, award.name, award.level, award.amount, award.status) == (row[0], row[1], level, amount, status)


def test_rejected_rows_are_named_by_row_number_with_a_chinese_reason(db, tmp_path):
    first = factories.new_id_number()
    rows = [
        award_row(id_number=first),  # row 2
        award_row(id_number=wrong_check_digit(factories.new_id_number())),  # row 3
        award_row(amount="五百元"),  # row 4
        award_row(amount="-500"),  # row 5
        award_row(status="发了"),  # row 6
        award_row(level="特级工"),  # row 7
        award_row(id_number=first, name="吴九"),  # row 8
        award_row(amount="1000000000"),  # row 9: more than the column holds
        award_row(amount="NaN"),  # row 10
        award_row(),  # row 11
    ]
    path = write_csv(tmp_path / "roster.csv", HEADER, rows)

    report = import_awards(path, year=2019)

    found = reasons(report)
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "身份证号码校验位不正确" in found[3]
    assert "金额“五百元”不是有效的金额" in found[4]
    assert "金额“-500”不是有效的金额" in found[5]
    assert "状态应为 applied（已申请）或 paid（已发放）" in found[6]
    assert "技能等级“特级工”无法识别" in found[7]
    assert "第 2 行已出现" in found[8]
    assert "金额“1000000000”" in found[9]
    assert "金额“NaN”" in found[10]
    assert report.created == 2
    assert PastAward.objects.count() == 2
    assert PastAward.objects.get(id_hash=crypto.blind_index("id", first)).name == "王建国"


def test_command_reports_each_rejected_row_and_needs_a_year(db, tmp_path):
    path = write_csv(tmp_path / "roster.csv", HEADER, [award_row(), award_row(status="unknown")])

    with pytest.raises(CommandError):
        run_command(path)
    assert PastAward.objects.count() == 0

    output = run_command(path, "--year", "2019")

    assert "往年名单导入完成：共 2 行，新增 1，更新 0，未变化 0，拒绝 1" in output
    assert "第 3 行：状态应为" in output
    assert list(PastAward.objects.values_list("year", flat=True)) == [2019]


def test_rerunning_the_same_file_changes_nothing(db, tmp_path):
    rows = [award_row() for _ in range(4)] + [award_row(amount="abc")]
    path = write_csv(tmp_path / "roster.csv", HEADER, rows)
    first = import_awards(path, year=2019)
    before = {a.pk: (a.row_digest, a.amount, a.status) for a in PastAward.objects.all()}

    second = import_awards(path, year=2019)

    assert (first.created, len(first.rejected)) == (4, 1)
    assert (second.created, second.updated, second.unchanged, len(second.rejected)) == (0, 0, first.accepted, 1)
    assert {a.pk: (a.row_digest, a.amount, a.status) for a in PastAward.objects.all()} == before
    assert list(ImportRun.objects.order_by("pk").values_list("year", "created", "unchanged")) == [(2019, 4, 0), (2019, 0, 4)]


def test_a_changed_row_counts_as_updated(db, tmp_path):
    rows = [award_row(status="applied"), award_row()]
    path = write_csv(tmp_path / "roster.csv", HEADER, rows)
    import_awards(path, year=2019)
    old = PastAward.objects.get(id_hash=crypto.blind_index("id", rows[0][0]))
    rows[0] = award_row(id_number=rows[0][0], level="技师", amount="600", status="paid")
    write_csv(path, HEADER, rows)

    report = import_awards(path, year=2019)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    award = PastAward.objects.get(id_hash=crypto.blind_index("id", rows[0][0]))
    assert award.pk == old.pk
    assert (award.level, award.amount, award.status) == ("technician", Decimal("600.00"), "paid")
    assert award.row_digest != old.row_digest


def test_the_same_person_in_two_years_is_two_rows(db, tmp_path):
    path = write_csv(tmp_path / "roster.csv", HEADER, [award_row()])

    assert import_awards(path, year=2018).created == 1
    assert import_awards(path, year=2019).created == 1
    assert import_awards(path, year=2019).unchanged == 1

    assert sorted(PastAward.objects.values_list("year", flat=True)) == [2018, 2019]


def test_a_gb18030_csv_is_read(db, tmp_path):
    path = write_csv(tmp_path / "roster.csv", HEADER, [award_row(name="欧阳娜娜", status="已发放")], encoding="gb18030")

    report = import_awards(path, year=2019)

    assert (report.created, report.rejected) == (1, [])
    assert PastAward.objects.get().name == "欧阳娜娜"


def test_xlsx_with_text_ids_and_numeric_amounts_is_imported(db, tmp_path):
    rows = [award_row(amount=500), award_row(amount=600.0, level="技师")]
    path = write_xlsx(tmp_path / "roster.xlsx", HEADER, rows)

    report = import_awards(path, year=2019)

    assert (report.created, report.rejected) == (2, [])
    assert sorted(PastAward.objects.values_list("amount", flat=True)) == [Decimal("500.00"), Decimal("600.00")]


def test_xlsx_with_a_numeric_id_cell_is_rejected(db, tmp_path):
    number = digit_id_number()
    rows = [award_row(), award_row(id_number=int(number))]
    path = write_xlsx(tmp_path / "roster.xlsx", HEADER, rows)

    report = import_awards(path, year=2019)

    reason = reasons(report)[3]
    assert reason.startswith(NUMBER_CELL_SHOWN) and reason.endswith(NUMBER_CELL_LOST), reason
    assert PastAward.objects.count() == 1
    assert not PastAward.objects.filter(id_hash=crypto.blind_index("id", number)).exists()


def test_a_header_missing_a_required_column_is_refused_whole(db, tmp_path):
    path = write_csv(tmp_path / "roster.csv", HEADER[:-1], [award_row()[:-1]])

    with pytest.raises(CommandError) as error:
        run_command(path, "--year", "2019")

    assert "status" in str(error.value)
    with pytest.raises(UnreadableFile):
        import_awards(path, year=2019)
    assert PastAward.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_a_failed_chunk_leaves_none_of_its_rows(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "CHUNK", 2)
    rows = [award_row(name=name) for name in ("甲一", "乙二", "丙三", "丁四", "戊五")]
    path = write_csv(tmp_path / "roster.csv", HEADER, rows)
    original = PastAward.objects.bulk_create
    calls = []

    def failing_bulk_create(objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(objs))
        if len(calls) == 2:
            original(objs[:1], *args, **kwargs)
            raise OSError("磁盘已满")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(PastAward.objects, "bulk_create", failing_bulk_create)

    with pytest.raises(OSError, match="磁盘已满"):
        import_awards(path, year=2019)

    assert sorted(PastAward.objects.values_list("name", flat=True)) == ["乙二", "甲一"]


def test_an_import_run_and_an_audit_entry_are_written(db, tmp_path):
    rows = [award_row(), award_row(status="x")]
    path = write_csv(tmp_path / "roster.csv", HEADER, rows)

    import_awards(path, year=2019)

    run = ImportRun.objects.get()
    assert (run.kind, run.year, run.total, run.created, run.rejected) == (ImportKind.AWARDS, 2019, 2, 1, 1)
    event = AuditEvent.objects.get(action="registry.import_awards")
    assert event.object_id == str(run.pk)
    assert event.detail == {"total": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "year": 2019}
    assert rows[0][0] not in event.canonical()
    assert verify_chain() == []


@pytest.mark.parametrize("year", ["20201", "-5", "2019x", "19", ""])
def test_a_year_that_is_not_four_digits_is_refused_before_anything_is_written(db, tmp_path, year):  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "roster.csv", HEADER, [award_row()])

    with pytest.raises(CommandError, match="四位数字"):
        run_command(path, "--year", year)
    with pytest.raises(InvalidInput):
        import_awards(path, year=year)

    assert PastAward.objects.count() == 0
    assert ImportRun.objects.count() == 0


@pytest.mark.parametrize("year", [" 2019 ", "２０１９"])
def test_a_four_digit_year_is_the_roster_of_that_year(db, tmp_path, year):  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "roster.csv", HEADER, [award_row()])

    run_command(path, "--year", year)

    assert list(PastAward.objects.values_list("year", flat=True)) == [2019]
