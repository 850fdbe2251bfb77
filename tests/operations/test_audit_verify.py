"""``manage.py audit_verify`` (SECURITY.md 17): walks the hash chain and finds an edited entry,
a deleted middle or last entry and a changed head; its own run is recorded only afterwards. The
chain is keyed (HMAC-SHA256 under AUDIT_CHAIN_KEY): someone who can write to the database but has
not the key cannot recompute it after an edit or a deletion, nor move the head back."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from collections.abc import Callable

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection

from rewards.core.audit import audit, verify_chain, verify_chain_report
from rewards.core.models import AuditChainHead, AuditEvent

TABLE = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table


def raw_sql(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def chain(count: int) -> list[AuditEvent]:
    return [audit("test.step", actor_label="cli", object_type="test", object_id=n, detail={"step": n}) for n in range(count)]


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def last_entry() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()  # type: ignore[return-value]


def plain_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hmac_under(key: bytes) -> Callable[[str], str]:
    return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


#: A key that is not AUDIT_CHAIN_KEY: what a forger without the key could try.
GUESSED_KEY = b"g" * 32


def recompute_chain(hash_of: Callable[[str], str], *, after_id: int = 0) -> None:
    """The forger's script: from the entry after ``after_id`` on, every hash recomputed in id
    order with ``hash_of`` (each linked to the one before), and the head moved to the last, its
    seal recomputed the same way."""
    previous = AuditEvent.objects.filter(id__lte=after_id).order_by("-id").values_list("entry_hash", flat=True).first() or ""
    for event in AuditEvent.objects.filter(id__gt=after_id).order_by("id"):
        event.prev_hash = previous
        previous = hash_of(event.canonical())
        raw_sql(f"UPDATE {TABLE} SET prev_hash = %s, entry_hash = %s WHERE id = %s", [event.prev_hash, previous, event.pk])
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s, seal = %s WHERE id = 1", [previous, hash_of(f"head:{previous}")])


pytestmark = pytest.mark.django_db


def test_an_intact_chain_exits_0_and_says_how_many_entries():
    chain(5)
    count = AuditEvent.objects.count()

    code, out, _ = verify()

    assert code == 0
    assert f"审计链完整，共 {count} 条" in out


def test_the_run_is_recorded_after_verifying_and_keeps_the_chain_intact():
    chain(3)
    count = AuditEvent.objects.count()

    verify()

    entry = last_entry()
    assert (entry.action, entry.result, entry.actor_label) == ("audit.verify", "ok", "cli")
    assert entry.detail["entries"] == count  # its own entry was not there while walking
    assert entry.detail["problems"] == 0
    assert AuditEvent.objects.count() == count + 1
    assert verify_chain() == []
    code, out, _ = verify()
    assert (code, f"共 {count + 1} 条" in out) == (0, True)


def test_the_real_command_line_exits_non_zero_on_a_broken_chain(capsys):
    events = chain(3)
    raw_sql(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["denied", events[1].pk])

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "audit_verify"]).execute()

    assert exit_info.value.code == 1
    assert f"第 {events[1].pk} 条的内容与其哈希不符" in capsys.readouterr().err


def test_an_edited_entry_is_found_and_the_failed_run_recorded():
    events = chain(4)
    forged = AuditEvent._meta.get_field("detail").get_db_prep_value({"step": 99}, connection)
    raw_sql(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", [forged, events[2].pk])

    code, out, err = verify()

    assert code == 1
    assert out == ""
    assert f"第 {events[2].pk} 条的内容与其哈希不符（可能被修改）" in err
    assert "发现 1 处问题" in err
    entry = last_entry()
    assert (entry.action, entry.result, entry.detail["problems"]) == ("audit.verify", "failed", 1)


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link():
    events = chain(3)
    event = AuditEvent.objects.get(pk=events[1].pk)
    event.result = "forged"
    raw_sql(f"UPDATE {TABLE} SET result = %s, entry_hash = %s WHERE id = %s", ["forged", event.compute_hash(), event.pk])

    code, _, err = verify()

    assert code == 1
    assert f"第 {events[2].pk} 条的前序哈希与第 {events[1].pk} 条不符" in err


def test_a_deleted_middle_entry_is_found():
    events = chain(4)
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])

    code, _, err = verify()

    assert code == 1
    assert f"第 {events[2].pk} 条的前序哈希与第 {events[0].pk} 条不符（其间可能有记录被删除" in err


def test_a_deleted_first_entry_is_found():
    chain(2)
    first = AuditEvent.objects.order_by("id").first()
    second = AuditEvent.objects.filter(id__gt=first.pk).order_by("id").first()  # type: ignore[union-attr]
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [first.pk])  # type: ignore[union-attr]

    code, _, err = verify()

    assert code == 1
    assert f"第 {second.pk} 条的前序哈希与链的起点不符" in err  # type: ignore[union-attr]


def test_a_deleted_last_entry_is_found():
    events = chain(3)
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])

    code, _, err = verify()

    assert code == 1
    assert "审计链末尾与链头记录不符（可能有最新记录被删除" in err


def test_a_changed_head_is_found():
    chain(3)
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", ["f" * 64])

    code, _, err = verify()

    assert code == 1
    assert "链头" in err


def test_a_head_moved_back_to_an_earlier_entry_is_found():
    events = chain(3)
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", [events[0].entry_hash])

    code, _, err = verify()

    assert code == 1
    assert f"链头指向第 {events[0].pk} 条，但其后还有记录" in err


def test_a_deleted_head_is_found():
    chain(2)
    raw_sql(f"DELETE FROM {HEAD} WHERE id = 1", [])

    code, _, err = verify()

    assert code == 1
    assert "审计链头记录缺失" in err


def test_progress_is_reported_for_large_logs():
    chain(5)

    code, out, err = verify("--progress-every", "2")

    assert code == 0
    assert "已核验 2 条" in out and "已核验 4 条" in out
    assert err == ""  # cron mails stderr: a chain that is whole sends nothing


def test_the_walk_streams_values_without_building_an_entry_per_row(monkeypatch):
    """Millions of rows: no model instance per row (``Model.from_db`` is never called)."""
    chain(30)
    assert verify_chain_report().intact

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("verify_chain_report built a model instance")

    monkeypatch.setattr(AuditEvent, "from_db", classmethod(refuse))
    report = verify_chain_report()
    assert report.intact
    assert report.entries == AuditEvent.objects.count()


def test_an_entry_written_during_the_walk_is_not_taken_for_a_deleted_one(monkeypatch):
    """An entry appended after the main walk, before the head is read, is walked too."""
    from rewards.core import audit as audit_module

    chain(3)
    real_walk = audit_module._walk
    calls = []

    def walk_then_append(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_walk(*args, **kwargs)
        if not calls:
            calls.append(audit("test.concurrent", actor_label="cli"))

    monkeypatch.setattr(audit_module, "_walk", walk_then_append)
    report = verify_chain_report()

    assert report.problems == []
    assert report.entries == AuditEvent.objects.count()


def test_many_problems_are_counted_but_only_the_first_listed(monkeypatch):
    from rewards.core import audit as audit_module

    monkeypatch.setattr(audit_module, "MAX_LISTED_PROBLEMS", 3)
    events = chain(6)
    for event in events:
        raw_sql(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["x", event.pk])

    report = verify_chain_report()

    assert report.problem_count == 6
    assert len(report.problems) == 3
    assert report.listed()[-1] == "另有 3 处问题未列出。"


# --- the keyed chain: what a forger with the database but without the key cannot do ----------


@pytest.mark.parametrize("forger_hash", [plain_sha256, hmac_under(GUESSED_KEY)], ids=["sha256", "hmac-guessed-key"])
def test_an_edit_and_a_deletion_with_every_hash_and_the_head_recomputed_without_the_key_are_found(forger_hash):
    """The auditor's finding: a copy of the database, one entry's detail edited, another entry
    deleted, every hash and the head recomputed by a short script. Without AUDIT_CHAIN_KEY the
    recomputed chain is not the keyed one: the command fails and says why."""
    events = chain(5)
    forged = AuditEvent._meta.get_field("detail").get_db_prep_value({"step": 99}, connection)
    raw_sql(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", [forged, events[1].pk])
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [events[3].pk])
    recompute_chain(forger_hash)
    first = AuditEvent.objects.order_by("id").first()

    code, out, err = verify()

    assert code == 1 and out == ""
    if forger_hash is plain_sha256:
        assert "只有不带密钥的哈希，其后却没有启用密钥时的封存记录" in err
    else:
        assert f"第 {first.pk} 条的内容与其哈希不符（可能被修改）" in err  # type: ignore[union-attr]
        assert f"第 {events[1].pk} 条的内容与其哈希不符" in err
    assert "链头的密钥印鉴不符" in err
    assert last_entry().result == "failed"


def test_an_edit_recomputed_without_the_key_from_that_entry_on_is_found():
    """Only the entries from the edited one on recomputed (plain SHA-256): the keyed entries
    before them are intact, and the edited one is the first to fail."""
    events = chain(4)
    forged = AuditEvent._meta.get_field("detail").get_db_prep_value({"step": 99}, connection)
    raw_sql(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", [forged, events[2].pk])
    recompute_chain(plain_sha256, after_id=events[1].pk)

    code, _, err = verify()

    assert code == 1
    assert f"第 {events[2].pk} 条的哈希不带密钥，但它在审计链启用密钥之后（可能被改写后重算了哈希）" in err
    assert f"第 {events[3].pk} 条的哈希不带密钥" in err
    assert f"第 {events[1].pk} 条" not in err


def test_the_last_entries_deleted_and_the_head_moved_back_to_the_new_last_are_found():
    """The head names the last entry's hash, which anyone reading the table sees; its keyed seal
    cannot be made for an earlier entry without the key."""
    events = chain(4)
    raw_sql(f"DELETE FROM {TABLE} WHERE id >= %s", [events[2].pk])
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", [events[1].entry_hash])

    code, _, err = verify()

    assert code == 1
    assert "链头的密钥印鉴不符（链头可能被移回较早的记录，其后的记录被删除；或链头被改动）" in err
    assert "发现 1 处问题" in err


def test_a_head_seal_changed_alone_is_found():
    chain(2)
    raw_sql(f"UPDATE {HEAD} SET seal = %s WHERE id = 1", ["0" * 64])

    code, _, err = verify()

    assert code == 1 and "链头的密钥印鉴不符" in err


def test_the_chain_does_not_verify_under_another_key(settings):
    """The key is what makes the chain: a copy checked with another key fails (backups need the
    same AUDIT_CHAIN_KEY, which restore compares by fingerprint)."""
    chain(2)
    settings.AUDIT_CHAIN_KEY = base64.urlsafe_b64encode(GUESSED_KEY).decode()

    report = verify_chain_report()

    assert report.problem_count == report.entries + 1  # every entry, and the head's seal
