"""``manage.py backup`` / ``restore`` (SECURITY.md "Faults": backup and restore): the restore
drill reproduces every table's row count, every file's checksum and a canonical export of the
key tables; restore checks everything before touching anything, refuses a non-empty target
without --force and a backup made under other keys; the dump holds no personal number in clear.

Transactional tests: the backup reads committed data (pg_dump is another connection; SQLite's
backup API must not run inside a transaction). The same tests run on SQLite and, under
scripts/with-postgres.sh, on PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from rewards.applications.models import Application, Attachment
from rewards.core.audit import audit, verify_chain
from rewards.core.models import AuditEvent
from rewards.operations import database
from rewards.operations.manifest import FILE_LIST
from rewards.payments.models import PaymentLine
from rewards.registries.models import Member

from . import seeds

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()


@pytest.fixture
def seeded(campaign, xihu, finance_a, finance_b, xihu_reviewer, storage_root):  # type: ignore[no-untyped-def]
    """Applications with materials, history, a payment, SMS, sign-ins, registry rows, audit entries
    and a stray generated file under the private storage."""
    people = [seeds.person(campaign, xihu, name, keep_member=True) for name in ("张晓明", "李建国", "王丽华")]
    seeds.paid(people[0], finance_a, finance_b, day="2021-01-20")
    seeds.sign_in(people[0], "2020-11-02")
    seeds.reviewed(people[1], xihu_reviewer, day="2020-11-20", opinion="证书与本人不符。", quote_phone=False)
    (storage_root / "batches").mkdir()
    (storage_root / "batches" / "sheet-1").write_bytes(b"sealed sheet")
    for step in range(3):
        audit("test.seed", actor_label="cli", detail={"step": step})
    return people


def tree_checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def canonical_export(last_audit_id: int) -> str:
    """The key tables as the application reads them (numbers decrypted), in a stable order."""
    rows = {
        "applications": [
            (a.application_no, a.status, a.name, a.id_number, a.phone, a.bank_card_no, str(a.amount), a.submitted_at.isoformat())
            for a in Application.objects.order_by("application_no")
        ],
        "attachments": list(Attachment.objects.order_by("storage_name").values_list("storage_name", "sha256", "kind", "size")),
        "payment_lines": [
            (x.reference, x.name, x.bank_card_no, str(x.amount), x.status) for x in PaymentLine.objects.order_by("reference")
        ],
        "members": [(m.name, m.id_number, m.phone) for m in Member.objects.order_by("id_hash")],
        "audit": list(AuditEvent.objects.filter(id__lte=last_audit_id).order_by("id").values_list("id", "action", "entry_hash")),
    }
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, default=str).encode()).hexdigest()


def backup(folder: Path) -> dict:  # type: ignore[type-arg]
    call_command("backup", "--output", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
    return json.loads((folder / "manifest.json").read_text())


def restore(folder: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", "--input", str(folder), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def wipe(root: Path) -> None:
    call_command("flush", "--noinput", verbosity=0)
    for path in sorted(root.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- the drill -----------------------------------------------------------------------------------


def test_restore_drill_reproduces_row_counts_file_checksums_and_key_tables(seeded, storage_root, tmp_path):
    counts, files, audit_id = database.current_tables(), tree_checksums(storage_root), last_audit_id()
    export = canonical_export(audit_id)
    assert counts[Application._meta.db_table] == 3 and counts[PaymentLine._meta.db_table] == 1
    assert len(files) == 10  # nine materials and the batch sheet

    manifest = backup(tmp_path / "backup")

    assert manifest["tables"] == counts
    assert manifest["files"]["count"] == 10 and manifest["materials_missing"] == []
    assert AuditEvent.objects.filter(action="backup.create").count() == 1  # after the snapshot, so not in it

    wipe(storage_root)
    assert Application.objects.count() == 0 and tree_checksums(storage_root) == {}

    out = restore(tmp_path / "backup")

    assert "恢复完成" in out
    restored = database.current_tables()
    audit_table = AuditEvent._meta.db_table
    assert {t: n for t, n in restored.items() if t != audit_table} == {t: n for t, n in counts.items() if t != audit_table}
    assert restored[audit_table] == counts[audit_table] + 1  # the restore's own entry
    assert tree_checksums(storage_root) == files
    assert canonical_export(audit_id) == export
    assert verify_chain() == []
    entry = AuditEvent.objects.order_by("-id").first()
    assert (entry.action, entry.result, entry.detail["forced"]) == ("backup.restore", "ok", False)  # type: ignore[union-attr]
    # The restored materials are the ones the rows describe.
    for attachment in Attachment.objects.all():
        assert hashlib.sha256((storage_root / attachment.storage_name).read_bytes()).hexdigest() == attachment.sha256


def test_the_manifest_lists_versions_counts_and_checksums(seeded, tmp_path):
    manifest = backup(tmp_path / "backup")
    folder = tmp_path / "backup"

    assert manifest["format"] == "hz-rewards-backup" and manifest["created_at"]
    assert {"app", "python", "django", "database"} <= set(manifest["versions"])
    assert manifest["database"]["vendor"] == connection.vendor
    dump = folder / manifest["database"]["file"]
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == manifest["database"]["sha256"]
    listed = dict(reversed(line.split("  ", 1)) for line in (folder / FILE_LIST).read_text().splitlines())
    assert len(listed) == manifest["files"]["count"]
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert hashlib.sha256((folder / FILE_LIST).read_bytes()).hexdigest() == manifest["files"]["list_sha256"]
    assert any(m.startswith("applications.") for m in manifest["migrations"])
    # Keys by fingerprint only: neither key, nor its id, appears anywhere in the manifest.
    from django.conf import settings

    from rewards.core import crypto

    text = (folder / "manifest.json").read_text()
    current_id, _ = crypto.keyring()
    for secret in (settings.FIELD_ENCRYPTION_KEY, settings.BLIND_INDEX_KEY, settings.AUDIT_CHAIN_KEY, settings.SECRET_KEY, current_id):
        assert secret not in text
    assert len(manifest["keys"]["field_encryption_used"]) == 1
    # Private: the folder and what it holds are the owner's only.
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in folder.rglob("*") if path.is_file())


def test_the_backup_database_holds_no_personal_number_in_clear(seeded, tmp_path):
    manifest = backup(tmp_path / "backup")
    dump = tmp_path / "backup" / manifest["database"]["file"]
    if connection.vendor == "sqlite":
        raw = dump.read_bytes().decode("latin-1")
        with sqlite3.connect(dump) as copy:
            text = raw + "\n".join(copy.iterdump())
    else:
        pg_restore = database.pg_tool("pg_restore")
        result = subprocess.run([pg_restore, "--file=-", str(dump)], capture_output=True, text=True, check=True)
        text = result.stdout

    assert all(found.name in text for found in seeded), "转储方式有误，本测试无从判断"
    numbers = [value for found in seeded for value in found.numbers]
    assert [value for value in numbers if value in text] == []
    assert [value for value in numbers if value[:-1] in text] == []


# --- refusals ------------------------------------------------------------------------------------


def test_a_non_empty_target_is_refused_without_force_and_replaced_with_it(seeded, storage_root, tmp_path):
    backup(tmp_path / "backup")
    audit("test.after_backup", actor_label="cli")
    extra = storage_root / "materials" / "written-after-backup"
    extra.write_bytes(b"later")
    counts = database.current_tables()

    with pytest.raises(CommandError, match="恢复目标不是空的"):
        restore(tmp_path / "backup")
    assert database.current_tables() == counts and extra.exists()

    restore(tmp_path / "backup", "--force")

    assert not AuditEvent.objects.filter(action="test.after_backup").exists()
    assert not extra.exists()
    assert AuditEvent.objects.order_by("-id").first().detail["forced"] is True  # type: ignore[union-attr]
    assert verify_chain() == []


def test_files_alone_make_the_target_non_empty(seeded, storage_root, tmp_path):
    backup(tmp_path / "backup")
    call_command("flush", "--noinput", verbosity=0)

    with pytest.raises(CommandError, match="中已有文件"):
        restore(tmp_path / "backup")


@pytest.mark.parametrize("damage", ["file", "missing_file", "dump", "list"])
def test_a_damaged_backup_is_refused_before_anything_is_touched(seeded, storage_root, tmp_path, damage):
    manifest = backup(tmp_path / "backup")
    folder = tmp_path / "backup"
    material = next((folder / "files" / "materials").rglob("*"))
    while material.is_dir():
        material = next(material.iterdir())
    if damage == "file":
        material.write_bytes(material.read_bytes() + b"!")
    elif damage == "missing_file":
        material.unlink()
    elif damage == "dump":
        with open(folder / manifest["database"]["file"], "r+b") as handle:
            handle.seek(200)
            handle.write(b"\x00\xff")
    else:
        with open(folder / FILE_LIST, "a") as handle:
            handle.write("0" * 64 + "  files/../../escape\n")
    audit("test.after_backup", actor_label="cli")
    counts, files = database.current_tables(), tree_checksums(storage_root)

    with pytest.raises(CommandError, match=r"未做任何修改|损坏"):
        restore(folder, "--force")

    assert database.current_tables() == counts
    assert tree_checksums(storage_root) == files
    assert [p.name for p in storage_root.parent.iterdir() if p.name.startswith(".")] == []  # no staging left behind


def test_a_backup_made_under_another_encryption_key_is_refused(seeded, storage_root, tmp_path, settings):
    backup(tmp_path / "backup")
    wipe(storage_root)
    original = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY

    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEY"):
        restore(tmp_path / "backup")
    assert Application.objects.count() == 0

    # After a rotation the old key still opens the backup.
    settings.FIELD_ENCRYPTION_OLD_KEYS = [original]
    restore(tmp_path / "backup")
    assert {a.id_number for a in Application.objects.all()} == {found.id_number for found in seeded}


def restore_warnings(folder: Path) -> str:
    err = io.StringIO()
    call_command("restore", "--input", str(folder), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_a_backup_made_before_a_rotation_says_to_rotate_again_before_the_old_key_goes(seeded, storage_root, tmp_path, settings):
    """Restored, its values are under the key the rotation retired: without a new rotation,
    taking that key out of FIELD_ENCRYPTION_OLD_KEYS (as rotate_field_keys says it may) would
    leave the restored data unreadable."""
    backup(tmp_path / "backup")
    wipe(storage_root)
    settings.FIELD_ENCRYPTION_OLD_KEYS = [settings.FIELD_ENCRYPTION_KEY]
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY

    said = restore_warnings(tmp_path / "backup")
    assert "轮换前的旧密钥" in said and "rotate_field_keys" in said and "不要从 FIELD_ENCRYPTION_OLD_KEYS 中删去" in said

    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # as the warning says: once rotated, the old key may go
    assert {a.id_number for a in Application.objects.all()} == {found.id_number for found in seeded}


def test_a_backup_under_the_current_key_restores_without_the_rotation_warning(seeded, storage_root, tmp_path):
    backup(tmp_path / "backup")
    wipe(storage_root)
    assert "旧密钥" not in restore_warnings(tmp_path / "backup")


def test_every_missing_key_is_named_in_one_refusal(seeded, storage_root, tmp_path, settings):
    """An operator restoring on a new machine learns every key to fetch at the first attempt."""
    backup(tmp_path / "backup")
    wipe(storage_root)
    settings.BLIND_INDEX_KEY = settings.AUDIT_CHAIN_KEY = settings.FIELD_ENCRYPTION_KEY = OTHER_KEY

    with pytest.raises(CommandError) as refused:
        restore(tmp_path / "backup")
    said = str(refused.value)
    assert all(name in said for name in ("BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY", "FIELD_ENCRYPTION_KEY", "key_fingerprints --backup"))
    assert Application.objects.count() == 0


def test_a_backup_made_under_another_blind_index_key_is_refused(seeded, storage_root, tmp_path, settings):
    backup(tmp_path / "backup")
    wipe(storage_root)
    settings.BLIND_INDEX_KEY = OTHER_KEY

    with pytest.raises(CommandError, match="BLIND_INDEX_KEY"):
        restore(tmp_path / "backup")
    assert Application.objects.count() == 0


def test_a_backup_made_under_another_audit_chain_key_is_refused(seeded, storage_root, tmp_path, settings):
    """Its audit log could not be verified here: every keyed entry would fail."""
    backup(tmp_path / "backup")
    wipe(storage_root)
    settings.AUDIT_CHAIN_KEY = OTHER_KEY

    with pytest.raises(CommandError, match="AUDIT_CHAIN_KEY"):
        restore(tmp_path / "backup")
    assert Application.objects.count() == 0


def test_a_backup_from_before_the_keyed_chain_is_not_refused_for_it(seeded, storage_root, tmp_path):
    """A manifest without the audit-chain fingerprint (written before the key existed)."""
    manifest = backup(tmp_path / "backup")
    del manifest["keys"]["audit_chain"]
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps(manifest))
    wipe(storage_root)

    restore(tmp_path / "backup")
    assert Application.objects.count() == len(seeded)


def test_another_engine_and_an_incomplete_backup_are_refused(seeded, tmp_path):
    manifest = backup(tmp_path / "backup")
    manifest["database"]["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="不能跨数据库恢复"):
        restore(tmp_path / "backup", "--force")

    (tmp_path / "backup" / "manifest.json").unlink()
    with pytest.raises(CommandError, match="不是完整的备份"):
        restore(tmp_path / "backup", "--force")


def test_the_backup_refuses_a_folder_that_is_not_empty_or_inside_the_storage(seeded, storage_root, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(CommandError, match="不是空目录"):
        backup(tmp_path / "used")
    with pytest.raises(CommandError, match="之内"):
        backup(storage_root / "backup")


def test_a_backup_folder_that_cannot_be_made_or_read_is_said_in_chinese_not_a_traceback(seeded, storage_root, tmp_path):
    """The operator's mistakes with folders (a path through a file, a folder where a file goes; as
    the account rewards, a folder of root's) come back as the command's Chinese refusal."""
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(CommandError) as refused:
        backup(tmp_path / "a-file" / "backup")
    assert str(refused.value) == (
        f"备份失败：{tmp_path / 'a-file' / 'backup'}（路径中有一段不是目录）。"
        "请确认运行命令的用户（服务的用户 rewards）能读写该位置、磁盘空间足够，然后重试。"
    )

    (tmp_path / "odd" / "manifest.json").mkdir(parents=True)
    with pytest.raises(CommandError, match=r"^恢复失败：.*manifest\.json（是目录而不是文件）。请确认运行命令的用户"):
        restore(tmp_path / "odd")


def test_a_material_missing_from_disk_is_reported(seeded, storage_root, tmp_path):
    missing = seeded[0].files[0]
    os.remove(storage_root / missing)

    with pytest.raises(CommandError, match="1 份材料的文件不在存储目录中"):
        backup(tmp_path / "backup")

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["materials_missing"] == [missing]
    assert AuditEvent.objects.filter(action="backup.create", result="incomplete").count() == 1


@pytest.mark.parametrize("name", ["files/../../etc/passwd", "/etc/passwd", "files/", "other/x", "files/a/./b", "files/a//b"])
def test_a_file_list_cannot_name_a_path_outside_the_backup(name):
    from rewards.operations.manifest import BackupError, parse_list_line

    with pytest.raises(BackupError, match="格式不正确"):
        parse_list_line(f"{'0' * 64}  {name}\n", 1)
    assert str(parse_list_line(f"{'0' * 64}  files/materials/2020/abc\n", 1)[1]) == "materials/2020/abc"
