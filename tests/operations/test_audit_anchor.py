"""The audit chain's anchor outside the database (SECURITY.md 17; decision 133 left it open): each
``audit_verify`` appends the head it verified, signed, to ``AUDIT_ANCHOR_FILE``; the next run finds
a log emptied with its head, or an older copy of the database put back, which the keyed chain alone
takes for whole. A restore through ``manage.py restore`` states itself in the anchor and is
accepted; a forged, unsigned or replayed anchor line is found.

The restore cases are transactional (the backup reads committed data) and run on SQLite and,
under scripts/with-postgres.sh, on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from rewards.core import anchor
from rewards.core.audit import audit, verify_chain, verify_chain_report
from rewards.core.models import AuditEvent, head_seal_of
from rewards.operations import database
from rewards.operations.manifest import DATABASE_FILES

from .test_audit_verify import GUESSED_KEY, HEAD, TABLE, chain, raw_sql, verify


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def lines() -> list[str]:
    return anchor_file().read_text().splitlines()


def newest() -> dict:  # type: ignore[type-arg]
    return json.loads(lines()[-1])


def append_line(fields: dict, *, key: bytes | None = None) -> None:  # type: ignore[type-arg]
    """A line as a forger with write access to the file would append it: linked to the last line,
    signed under ``key`` (not AUDIT_CHAIN_KEY), or not signed at all."""
    fields = {**fields, "prev": hashlib.sha256(lines()[-1].encode()).hexdigest()}
    if key is not None:
        text = "anchor:" + json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        fields["mac"] = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    with anchor_file().open("a") as handle:
        handle.write(json.dumps(fields, ensure_ascii=False) + "\n")


def empty_the_log() -> None:
    """What someone with access to the database alone can do: every entry and the head deleted."""
    raw_sql(f"DELETE FROM {TABLE}", [])
    raw_sql(f"DELETE FROM {HEAD}", [])


# --- an intact chain, the first run -------------------------------------------------------------


@pytest.mark.django_db
def test_an_intact_chain_passes_twice_and_each_run_anchors_the_head_it_verified():
    events = chain(3)
    count = AuditEvent.objects.count()

    first = verify()
    second = verify()

    assert first[0] == 0 and "首次核验：已在" in first[1]
    assert second[0] == 0 and "审计链完整" in second[1] and "首次核验" not in second[1]
    assert second[2] == ""  # cron mails stderr
    one, two = (json.loads(line) for line in lines())
    assert (one["kind"], one["entries"], one["last_id"], one["last_hash"]) == ("verify", count, events[-1].pk, events[-1].entry_hash)
    assert one["seal"] == head_seal_of(events[-1].entry_hash)
    assert one["prev"] == "" and one["problems"] == 0
    verify_entry = AuditEvent.objects.filter(action="audit.verify").order_by("id").first()
    assert (two["entries"], two["last_id"]) == (count + 1, verify_entry.pk)  # type: ignore[union-attr]
    assert two["prev"] == hashlib.sha256(lines()[0].encode()).hexdigest()
    assert verify_entry.detail["anchor"] == "created"  # type: ignore[union-attr]
    assert AuditEvent.objects.order_by("-id").first().detail["anchor"] == "ok"  # type: ignore[union-attr]


@pytest.mark.django_db
@pytest.mark.parametrize("made_beforehand", [False, True], ids=["no-file", "empty-file"])
def test_the_first_run_without_an_anchor_passes_and_writes_one(made_beforehand):
    chain(2)
    if made_beforehand:  # deploy: made empty by root, append-only
        anchor_file().touch()
    else:
        assert not anchor_file().exists()

    code, out, err = verify()

    assert (code, err) == (0, "")
    assert f"首次核验：已在 {anchor_file()} 记下审计锚点" in out
    assert len(lines()) == 1 and anchor.read_newest().newest is not None
    if not made_beforehand:
        assert anchor_file().stat().st_mode & 0o777 == 0o640


@pytest.mark.django_db
def test_each_line_is_logged_too_for_a_copy_in_syslog(monkeypatch):
    chain(1)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("rewards.audit.anchor").addHandler(handler)
    try:
        verify()
        empty_the_log()
        verify()
    finally:
        logging.getLogger("rewards.audit.anchor").removeHandler(handler)

    assert [r.levelname for r in records] == ["INFO", "ERROR"]
    assert records[0].getMessage() == f"审计锚点 {lines()[0]}"
    assert "被清空" in records[1].getMessage()


def test_the_syslog_copy_reaches_the_socket_named_in_audit_anchor_syslog(tmp_path):
    """``AUDIT_ANCHOR_SYSLOG`` (production: /dev/log): the line goes there whole, hashes unmasked
    (a 64-digit hex hash often holds a run of 11 digits, which the application log masks)."""
    path = str(tmp_path / "log")
    with closing(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)) as server:
        server.bind(path)
        server.settimeout(30)
        line = '{"last_hash":"12345678901234567890abcdef"}'
        script = f"import django,logging; django.setup(); logging.getLogger('rewards.audit.anchor').info('审计锚点 %s', {line!r})"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "AUDIT_ANCHOR_SYSLOG": path}
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
        received = server.recv(4096).decode()
    assert received.endswith(f"rewards-audit-anchor: INFO 审计锚点 {line}\x00")


def test_a_syslog_socket_that_is_not_there_is_said_in_one_chinese_line(tmp_path):
    """No journald or rsyslog (a container, a wrong path): cron's mail gets one line saying what to
    do, not the logging module's English traceback; the command itself goes on."""
    path = str(tmp_path / "no-such-socket")
    script = "import django,logging; django.setup(); logging.getLogger('rewards.audit.anchor').info('审计锚点 %s', '{}'); print('done')"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "AUDIT_ANCHOR_SYSLOG": path}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0 and done.stdout == "done\n"
    assert done.stderr == (
        f"审计锚点未能抄送系统日志 {path}（不存在）：锚点文件中已写入这一行。"
        "请确认 journald 或 rsyslog 在运行，或在环境文件中清空 AUDIT_ANCHOR_SYSLOG（锚点行改为输出到标准错误）。\n"
    )


# --- a log emptied or replaced through the database ---------------------------------------------


@pytest.mark.django_db
def test_all_entries_and_the_head_deleted_are_found_and_the_alarm_stands():
    chain(3)
    assert verify()[0] == 0
    anchored = newest()
    empty_the_log()
    assert verify_chain() == []  # the keyed chain alone: an empty log is a whole one

    code, out, err = verify()

    assert code == 1 and out == ""
    assert (
        f"审计日志自上次核验（{anchor._local(anchored['at'])}，共 {anchored['entries']} 条，至第 {anchored['last_id']} 条）"
        "以来被清空：现在没有任何记录" in err
    )
    assert "发现 1 处问题" in err
    assert len(lines()) == 1  # nothing anchored: the next run says it again
    entry = AuditEvent.objects.order_by("-id").first()
    assert (entry.action, entry.result, entry.detail["anchor"]) == ("audit.verify", "failed", "failed")  # type: ignore[union-attr]
    assert verify()[0] == 1


@pytest.mark.django_db
def test_a_log_emptied_and_written_again_beyond_the_anchored_count_is_found():
    chain(2)
    verify()
    anchored = newest()
    empty_the_log()
    chain(anchored["entries"] + 3)  # more entries than anchored: the count alone would pass

    code, _, err = verify()

    assert code == 1
    # SQLite gives the deleted ids again, PostgreSQL's sequence goes on.
    assert (
        f"被替换：第 {anchored['last_id']} 条的哈希与锚点记下的不同" in err
        or f"被替换：锚点记下的第 {anchored['last_id']} 条已不存在" in err
    )
    # The chain is whole in itself: the summary says what did not match, not a broken chain.
    assert "审计链本身完整" in err and "与数据库之外的审计锚点不符" in err and "审计链不完整" not in err


@pytest.mark.django_db
def test_exactly_the_anchored_entries_left_pass_and_one_fewer_is_found():
    """The boundary: the anchored entry is the last one (its later ones deleted with the head moved
    back by the key's holder, i.e. the state anchored) passes; one entry fewer does not."""
    chain(3)
    verify()
    anchored = newest()
    raw_sql(f"DELETE FROM {TABLE} WHERE id > %s", [anchored["last_id"]])
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s, seal = %s WHERE id = 1", [anchored["last_hash"], anchored["seal"]])
    assert verify_chain() == []
    assert AuditEvent.objects.count() == anchored["entries"]

    assert anchor.check_chain(verify_chain_report()).problems == []
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [anchored["last_id"]])
    assert "少于锚点记下的" in " ".join(anchor.check_chain(verify_chain_report()).problems)


# --- the anchor file itself --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("forge", "expected"),
    [
        ("another-key", "的签名不符"),
        ("unsigned", "没有签名"),
        ("edited", "的签名不符"),
        ("garbage", "无法读取"),
        ("replayed", "与前一行不衔接"),
    ],
)
def test_a_forged_unsigned_edited_or_replayed_newest_line_is_found(forge, expected):
    """The forger empties the log and writes an anchor line that would vouch for it."""
    chain(2)
    verify()
    verify()
    empty_the_log()
    claim = {**newest(), "entries": 0, "last_id": 0, "last_hash": "", "seal": ""}
    claim.pop("mac")
    if forge == "another-key":
        append_line(claim, key=GUESSED_KEY)
    elif forge == "unsigned":
        append_line(claim)
    elif forge == "edited":
        genuine = lines()
        anchor_file().write_text("\n".join([*genuine[:-1], json.dumps({**json.loads(genuine[-1]), "entries": 0})]) + "\n")
    elif forge == "garbage":
        with anchor_file().open("a") as handle:
            handle.write('{"kind": "verify", "entr\n')
    else:  # the first genuine line, from before the log had grown, copied to the end
        with anchor_file().open("a") as handle:
            handle.write(lines()[0] + "\n")
    before = len(lines())

    code, _, err = verify()

    assert code == 1
    assert f"审计锚点文件 {anchor_file()} 的最新一行（第 {before} 行）{expected}" in err
    assert len(lines()) == before


@pytest.mark.django_db
def test_an_unwritable_anchor_file_fails_the_run(settings, tmp_path):
    chain(1)
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "missing-folder" / "anchor.jsonl")

    code, _, err = verify()

    assert code == 1
    assert f"无法写入审计锚点文件 {settings.AUDIT_ANCHOR_FILE}" in err
    assert "但本次核验的链头未能写入审计锚点文件" in err and "不符" not in err
    assert AuditEvent.objects.order_by("-id").first().detail["anchor"] == "unwritten"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_an_operator_accepts_an_investigated_alarm_with_a_reason_and_the_next_run_passes():
    chain(2)
    verify()
    empty_the_log()
    assert verify()[0] == 1

    code, out, err = verify("--accept", "数据库由运维从快照恢复，工单 13800138000 号")

    assert code == 0 and "审计链完整" in out
    assert "已确认：审计日志自上次核验" in err and "被截短或替换：现在只有 1 条" in err  # the failed run's entry
    line = newest()
    assert (line["kind"], line["entries"], line["last_id"]) == ("accept", 1, AuditEvent.objects.order_by("id").first().pk)  # type: ignore[union-attr]
    assert line["reason"] == "数据库由运维从快照恢复，工单 138****8000 号"  # no run of digits kept
    entry = AuditEvent.objects.order_by("-id").first()
    assert (entry.result, entry.detail["anchor"], entry.detail["accepted_problems"]) == ("ok", "accepted", 1)  # type: ignore[union-attr]
    assert verify()[0] == 0


@pytest.mark.django_db
def test_accept_needs_a_reason():
    with pytest.raises(CommandError, match="须写明理由"):
        call_command("audit_verify", "--accept", "   ", stdout=io.StringIO(), stderr=io.StringIO())


# --- older copies of the database, and a restore through the command ---------------------------


def backup(folder: Path) -> None:
    call_command("backup", "--output", str(folder), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_an_older_copy_of_the_database_put_back_outside_restore_is_found(storage_root, tmp_path):
    """The backup's dump put back as a database administrator would (the SQLite backup API,
    ``pg_restore``), not through ``manage.py restore``: the anchor states nothing of it."""
    chain(2)
    backup(tmp_path / "backup")
    chain(3)
    assert verify()[0] == 0
    anchored = newest()

    dump = tmp_path / "backup" / DATABASE_FILES[database.vendor()]
    database.sqlite_restore(dump) if database.vendor() == "sqlite" else database.postgres_restore(dump)
    assert verify_chain() == []  # the older chain is whole in itself

    code, _, err = verify()

    assert code == 1
    assert f"被截短或替换：现在只有 2 条，少于锚点记下的 {anchored['entries']} 条（可能恢复了较早的数据库副本" in err


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="a copy of the SQLite file")
def test_an_older_copy_of_the_sqlite_file_put_back_is_found(tmp_path):
    path = Path(connection.settings_dict["NAME"])
    chain(2)
    with closing(sqlite3.connect(path)) as live, closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy:
        live.backup(copy)  # what `cp` of the file gives (the WAL checkpointed into it)
    chain(3)
    assert verify()[0] == 0
    connection.close()
    with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy, closing(sqlite3.connect(path)) as live:
        copy.backup(live)

    code, _, err = verify()

    assert code == 1 and "被截短或替换：现在只有 2 条" in err


@pytest.mark.django_db(transaction=True)
def test_a_restore_through_the_command_is_accepted_from_its_anchor_line_on(storage_root, tmp_path):
    chain(2)
    assert verify()[0] == 0
    backup(tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    chain(3)
    assert verify()[0] == 0
    before = len(lines())

    call_command("restore", "--input", str(tmp_path / "backup"), "--force", stdout=io.StringIO(), stderr=io.StringIO())

    line = newest()
    restore_entry = AuditEvent.objects.order_by("-id").first()
    assert restore_entry.action == "backup.restore"  # type: ignore[union-attr]
    assert len(lines()) == before + 1 and anchor.read_newest().problems == []
    assert (line["kind"], line["backup"], line["backup_created_at"]) == (
        "restore",
        str((tmp_path / "backup").resolve()),
        manifest["created_at"],
    )
    assert (line["entries"], line["last_id"], line["last_hash"]) == (
        AuditEvent.objects.count(),
        restore_entry.pk,  # type: ignore[union-attr]
        restore_entry.entry_hash,  # type: ignore[union-attr]
    )
    assert line["entries"] < json.loads(lines()[-2])["entries"]  # an older log, stated
    code, out, err = verify()
    assert (code, err) == (0, "") and "审计链完整" in out
    audit("test.after_restore", actor_label="cli")
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_an_unwritable_anchor_before_touching_anything(storage_root, tmp_path, settings):
    chain(2)
    backup(tmp_path / "backup")
    chain(1)
    count = AuditEvent.objects.count()
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "missing-folder" / "anchor.jsonl")

    with pytest.raises(CommandError, match=r"无法写入审计锚点文件 .*未做任何修改"):
        call_command("restore", "--input", str(tmp_path / "backup"), "--force", stdout=io.StringIO(), stderr=io.StringIO())

    assert AuditEvent.objects.count() == count
