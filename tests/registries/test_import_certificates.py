"""import_certificates: the HR certificate registry (证书库), through the command and the importer."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core import crypto
from rewards.core.audit import verify_chain
from rewards.core.models import AuditEvent
from rewards.core.tabular import UnreadableFile
from rewards.registries import importers
from rewards.registries.importers import import_certificates
from rewards.registries.models import Certificate, ImportKind, ImportRun
from tests import factories

from .tables import NUMBER_CELL_LOST, NUMBER_CELL_SHOWN, digit_id_number, reasons, write_csv, write_xlsx, wrong_check_digit

HEADER = ["certificate_no", "id_number", "name", "occupation", "level", "issue_date", "issuer"]


@pytest.fixture(autouse=True)
def today(settings):  # type: ignore[no-untyped-def]
    """Inside the 2020 campaign, so that "not in the future" has a fixed meaning."""
    settings.APP_TODAY = "2020-10-15"


def cert_row(no, id_number=None, name="王建国", occupation="车工", level="高级工", issue_date="2020-06-30", issuer="杭州市人社部门"):  # type: ignore[no-untyped-def]
    return [no, id_number or factories.new_id_number(), name, occupation, level, issue_date, issuer]


def run_command(path) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("import_certificates", str(path), "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_every_valid_row_is_stored(db, tmp_path):
    rows = [
        cert_row("3301202000001", level="高级工", issue_date="2020-06-30", issuer="杭州市人社部门"),
        cert_row("3301202000002", level="technician", issue_date="2020/7/1", issuer="hr_zhejiang", occupation="数控车工"),
        cert_row("3301202000003", level="高级技师", issue_date="2020年8月3日", issuer="区县(市)人社部门", name="李·阿依古丽"),
        cert_row("3301202000004", level="三级", issue_date="2020-10-15", issuer="国家行业主管部门", occupation="茶艺师"),
    ]
    path = write_csv(tmp_path / "certificates.csv", HEADER, rows)

    report = import_certificates(path)

    assert (report.total, report.created, report.updated, report.unchanged, report.rejected) == (4, 4, 0, 0, [])
    stored = {c.certificate_no: c for c in Certificate.objects.all()}
    assert set(stored) == {row[0] for row in rows}
    expected = {
        "3301202000001": ("senior_worker", dt.date(2020, 6, 30), "hr_hangzhou", "车工"),
        "3301202000002": ("technician", dt.date(2020, 7, 1), "hr_zhejiang", "数控车工"),
        "3301202000003": ("senior_technician", dt.date(2020, 8, 3), "hr_district", "车工"),
        "3301202000004": ("senior_worker", dt.date(2020, 10, 15), "industry_authority", "茶艺师"),
    }
    for row in rows:
        cert = stored[row[0]]
        assert (cert.level, cert.issue_date, cert.issuer, cert.occupation) == expected[row[0]]
        assert (cert.id_number, cert.name) == (row[1], row[2])
        assert cert.id_hash == crypto.blind_index("id", row[1])


def test_rejected_rows_are_named_by_row_number_with_a_chinese_reason(db, tmp_path):
    rows = [
        cert_row("C001"),  # row 2
        cert_row("C002", id_number=wrong_check_digit(factories.new_id_number())),  # row 3
        cert_row("C003", level="特级工"),  # row 4
        cert_row("C004", issuer="火星人社局"),  # row 5
        cert_row("C005", issue_date="2020-10-16"),  # row 6: the day after APP_TODAY
        cert_row(" c001 "),  # row 7: the number of row 2 again
        cert_row("C007", issue_date="2020-02-30"),  # row 8
        cert_row("C008", occupation=""),  # row 9
        cert_row("C009"),  # row 10
    ]
    path = write_csv(tmp_path / "certificates.csv", HEADER, rows)

    report = import_certificates(path)

    found = reasons(report)
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9]
    assert "身份证号码校验位不正确" in found[3]
    assert "技能等级“特级工”无法识别" in found[4]
    assert "发证机关“火星人社局”无法识别" in found[5]
    assert "发证时间不能晚于今天（2020-10-15）" in found[6]
    assert "第 2 行已出现" in found[7]
    assert "发证时间“2020-02-30”不是有效的日期，请写成 2020-06-30、2020/6/30 或 2020年6月30日。" in found[8]
    assert "职业" in found[9]
    assert (report.total, report.created) == (9, 2)
    assert sorted(Certificate.objects.values_list("certificate_no", flat=True)) == ["C001", "C009"]
    assert Certificate.objects.get(certificate_no="C001").id_number == rows[0][1]


def test_command_reports_each_rejected_row(db, tmp_path):
    path = write_csv(tmp_path / "certificates.csv", HEADER, [cert_row("C001"), cert_row("C002", level="特级工")])

    output = run_command(path)

    assert "证书库导入完成：共 2 行，新增 1，更新 0，未变化 0，拒绝 1" in output
    assert "第 3 行：技能等级“特级工”无法识别" in output
    assert Certificate.objects.count() == 1


def test_rerunning_the_same_file_changes_nothing(db, tmp_path):
    rows = [cert_row(f"C{n:03d}") for n in range(5)] + [cert_row("C999", level="特级工")]
    path = write_csv(tmp_path / "certificates.csv", HEADER, rows)
    first = import_certificates(path)
    before = {c.pk: (c.certificate_no, c.row_digest, c.id_hash) for c in Certificate.objects.all()}

    second = import_certificates(path)

    assert (first.created, len(first.rejected)) == (5, 1)
    assert (second.created, second.updated, second.unchanged, len(second.rejected)) == (0, 0, first.accepted, 1)
    assert {c.pk: (c.certificate_no, c.row_digest, c.id_hash) for c in Certificate.objects.all()} == before
    assert list(ImportRun.objects.order_by("pk").values_list("created", "unchanged")) == [(5, 0), (0, 5)]


def test_a_changed_row_counts_as_updated(db, tmp_path):
    rows = [cert_row("C001"), cert_row("C002")]
    path = write_csv(tmp_path / "certificates.csv", HEADER, rows)
    import_certificates(path)
    old = Certificate.objects.get(certificate_no="C002")
    rows[1] = cert_row("C002", id_number=rows[1][1], level="技师", issue_date="2020-09-01", occupation="钳工")
    write_csv(path, HEADER, rows)

    report = import_certificates(path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    cert = Certificate.objects.get(certificate_no="C002")
    assert cert.pk == old.pk
    assert (cert.level, cert.issue_date, cert.occupation) == ("technician", dt.date(2020, 9, 1), "钳工")
    assert cert.row_digest != old.row_digest
    assert Certificate.objects.count() == 2


def test_certificate_numbers_are_normalised(db, tmp_path):
    path = write_csv(tmp_path / "certificates.csv", HEADER, [cert_row("ｃ２０２０ 0001"), cert_row("C20200001")])

    report = import_certificates(path)

    assert report.created == 1
    assert "第 2 行已出现" in reasons(report)[3]
    assert list(Certificate.objects.values_list("certificate_no", flat=True)) == ["C20200001"]


def test_a_gb18030_csv_is_read(db, tmp_path):
    rows = [cert_row("C001", name="欧阳娜娜", occupation="中式烹调师", level="技师", issuer="浙江省人社部门")]
    path = write_csv(tmp_path / "certificates.csv", HEADER, rows, encoding="gb18030")

    report = import_certificates(path)

    assert (report.created, report.rejected) == (1, [])
    cert = Certificate.objects.get()
    assert (cert.name, cert.occupation, cert.level, cert.issuer) == ("欧阳娜娜", "中式烹调师", "technician", "hr_zhejiang")


def test_xlsx_with_text_ids_and_date_cells_is_imported(db, tmp_path):
    rows = [
        cert_row("C001", issue_date=dt.date(2020, 6, 30)),
        cert_row("C002", issue_date=dt.datetime(2019, 12, 1)),
        cert_row("C003", issue_date="2020/9/30"),
    ]
    path = write_xlsx(tmp_path / "certificates.xlsx", HEADER, rows)

    report = import_certificates(path)

    assert (report.created, report.rejected) == (3, [])
    assert dict(Certificate.objects.values_list("certificate_no", "issue_date")) == {
        "C001": dt.date(2020, 6, 30),
        "C002": dt.date(2019, 12, 1),
        "C003": dt.date(2020, 9, 30),
    }
    assert {c.id_number for c in Certificate.objects.all()} == {row[1] for row in rows}


def test_xlsx_with_a_numeric_id_cell_is_rejected(db, tmp_path):
    rows = [cert_row("C001"), cert_row("C002", id_number=int(digit_id_number()))]  # type: ignore[arg-type]
    path = write_xlsx(tmp_path / "certificates.xlsx", HEADER, rows)

    report = import_certificates(path)

    reason = reasons(report)[3]
    assert reason.startswith(NUMBER_CELL_SHOWN) and reason.endswith(NUMBER_CELL_LOST), reason
    assert list(Certificate.objects.values_list("certificate_no", flat=True)) == ["C001"]


def test_a_header_missing_a_required_column_is_refused_whole(db, tmp_path):
    header = [column for column in HEADER if column != "issuer"]
    path = write_csv(tmp_path / "certificates.csv", header, [cert_row("C001")[:-1]])

    with pytest.raises(CommandError) as error:
        run_command(path)

    assert "issuer" in str(error.value)
    with pytest.raises(UnreadableFile):
        import_certificates(path)
    assert Certificate.objects.count() == 0
    assert ImportRun.objects.count() == 0
    assert not AuditEvent.objects.filter(action="registry.import_certificates").exists()


def test_a_failed_chunk_leaves_none_of_its_rows(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "CHUNK", 2)
    rows = [cert_row(f"C00{n}") for n in range(1, 6)]
    path = write_csv(tmp_path / "certificates.csv", HEADER, rows)
    original = Certificate.objects.bulk_create
    calls = []

    def failing_bulk_create(objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(objs))
        if len(calls) == 2:
            original(objs[:1], *args, **kwargs)
            raise OSError("磁盘已满")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Certificate.objects, "bulk_create", failing_bulk_create)

    with pytest.raises(OSError, match="磁盘已满"):
        import_certificates(path)

    assert sorted(Certificate.objects.values_list("certificate_no", flat=True)) == ["C001", "C002"]


def test_an_import_run_and_an_audit_entry_are_written(db, tmp_path):
    rows = [cert_row("C001"), cert_row("C002", level="特级工")]
    path = write_csv(tmp_path / "证书库.csv", HEADER, rows)

    import_certificates(path)

    run = ImportRun.objects.get()
    assert (run.kind, run.file_name, run.year) == (ImportKind.CERTIFICATES, "证书库.csv", None)
    assert run.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (run.total, run.created, run.updated, run.unchanged, run.rejected) == (2, 1, 0, 0, 1)
    assert run.finished_at is not None
    event = AuditEvent.objects.get(action="registry.import_certificates")
    assert (event.object_type, event.object_id) == ("registries.importrun", str(run.pk))
    assert event.detail["created"] == 1 and event.detail["rejected"] == 1
    assert rows[0][1] not in event.canonical()
    assert verify_chain() == []
