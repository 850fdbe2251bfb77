"""The audit chain under AUDIT_CHAIN_KEY (SECURITY.md 17; decision 133): entries written before
the key (plain SHA-256) stay as they are, sealed by one keyed ``audit.chain_keyed`` entry that
migration core 0005 chains onto the last of them; the verifier accepts plain hashes only before
that seal, and finds a sealed entry edited, deleted or recomputed, a seal removed, and a keyed
entry turned back into a plain one."""

from __future__ import annotations

import hashlib
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from rewards.core.audit import audit, seal_unkeyed_chain, verify_chain, verify_chain_report, verify_chain_step
from rewards.core.models import CHAIN_KEYED_ACTION, AuditChainHead, AuditEvent, head_seal_of

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table
MIGRATION = importlib.import_module("rewards.core.migrations.0005_audit_chain_keyed")


def raw_sql(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def plain_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def chain(count: int, action: str = "test.step") -> list[AuditEvent]:
    return [audit(action, actor_label="cli", object_type="test", object_id=n, detail={"step": n}) for n in range(count)]


def rehash_plain(*, after_id: int = 0, until_id: int | None = None) -> str:
    """Entries after ``after_id`` (up to ``until_id``) rehashed with plain SHA-256 in id order,
    each linked to the one before; returns the last hash."""
    previous = AuditEvent.objects.filter(id__lte=after_id).order_by("-id").values_list("entry_hash", flat=True).first() or ""
    entries = AuditEvent.objects.filter(id__gt=after_id).order_by("id")
    if until_id is not None:
        entries = entries.filter(id__lte=until_id)
    for event in entries:
        event.prev_hash = previous
        previous = plain_sha256(event.canonical())
        raw_sql(f"UPDATE {TABLE} SET prev_hash = %s, entry_hash = %s WHERE id = %s", [event.prev_hash, previous, event.pk])
    return previous


def stored() -> list[tuple[int, str, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("id", "prev_hash", "entry_hash"))


@pytest.fixture
def legacy() -> list[AuditEvent]:
    """An installation from before the key: every entry a plain SHA-256, the head without a seal
    (as migration core 0005 finds it)."""
    chain(5)
    last = rehash_plain()
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s, seal = %s WHERE id = 1", [last, ""])
    return list(AuditEvent.objects.order_by("id"))


def seal() -> AuditEvent:
    """Migration core 0005's step, as `migrate` runs it."""
    MIGRATION.seal(apps, None)
    return AuditEvent.objects.get(action=CHAIN_KEYED_ACTION)


def test_an_unsealed_chain_of_plain_hashes_is_not_taken_for_intact(legacy):
    problems = verify_chain()
    assert (
        f"审计链中有 {len(legacy)} 条记录只有不带密钥的哈希，其后却没有启用密钥时的封存记录（这些记录可能被改写后重算了哈希）。" in problems
    )
    assert "链头的密钥印鉴不符（链头可能被移回较早的记录，其后的记录被删除；或链头被改动）。" in problems


def test_the_migration_seals_the_old_entries_without_touching_them(legacy):
    before = stored()

    entry = seal()

    assert stored()[: len(before)] == before  # not one old hash rewritten
    assert entry.pk > legacy[-1].pk and entry.prev_hash == legacy[-1].entry_hash
    assert entry.entry_hash == entry.compute_hash() != entry.compute_unkeyed_hash()
    assert (entry.actor_label, entry.result, entry.object_type) == ("system", "ok", "core.auditevent")
    assert entry.detail == {
        "unkeyed_entries": len(legacy),
        "last_unkeyed_id": legacy[-1].pk,
        "last_unkeyed_hash": legacy[-1].entry_hash,
        "unkeyed_problems": 0,
        "unkeyed_head_matched": True,
    }
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_hash, head.seal) == (entry.entry_hash, head_seal_of(entry.entry_hash))
    assert verify_chain() == []

    later = chain(2)  # keyed entries follow, and the whole chain verifies
    assert all(event.entry_hash == event.compute_hash() for event in later)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert f"审计链完整，共 {len(legacy) + 3} 条。" in out.getvalue()


def test_sealing_writes_nothing_on_an_empty_log_or_a_keyed_chain():
    assert seal_unkeyed_chain(AuditEvent, AuditChainHead) is None  # the test database's log is empty
    assert not AuditEvent.objects.exists()
    chain(2)
    assert seal_unkeyed_chain(AuditEvent, AuditChainHead) is None
    assert AuditEvent.objects.count() == 2 and verify_chain() == []


def test_a_sealed_entry_edited_and_the_old_part_recomputed_is_found(legacy):
    entry = seal()
    forged = AuditEvent._meta.get_field("detail").get_db_prep_value({"step": 99}, connection)
    raw_sql(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", [forged, legacy[1].pk])
    last = rehash_plain(until_id=legacy[-1].pk)
    raw_sql(f"UPDATE {TABLE} SET prev_hash = %s WHERE id = %s", [last, entry.pk])  # the seal relinked: its keyed hash breaks

    problems = verify_chain()

    assert f"第 {entry.pk} 条的内容与其哈希不符（可能被修改）。" in problems
    assert all(f"第 {event.pk} 条" not in " ".join(problems) for event in legacy[2:])


def test_a_sealed_entry_deleted_and_the_old_part_recomputed_is_found(legacy):
    entry = seal()
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [legacy[2].pk])
    rehash_plain(until_id=legacy[-1].pk)

    problems = verify_chain()

    assert f"第 {entry.pk} 条的前序哈希与第 {legacy[-1].pk} 条不符（其间可能有记录被删除，或第 {legacy[-1].pk} 条被改写）。" in problems
    assert (
        f"第 {entry.pk} 条是第一条带密钥的记录，但不是此前 {len(legacy) - 1} 条不带密钥记录的封存记录（此前的记录可能被删除、增添或改写后重算了哈希）。"
        in problems
    )


def test_the_seal_removed_and_every_entry_recomputed_plain_is_found(legacy):
    entry = seal()
    chain(2)
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    last = rehash_plain()
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s, seal = %s WHERE id = 1", [last, plain_sha256(f"head:{last}")])

    problems = verify_chain()

    assert any("只有不带密钥的哈希，其后却没有启用密钥时的封存记录" in problem for problem in problems)
    assert any("链头的密钥印鉴不符" in problem for problem in problems)


def test_a_keyed_entry_turned_into_a_plain_one_after_the_seal_is_found(legacy):
    seal()
    later = chain(3)
    raw_sql(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["forged", later[1].pk])
    last = rehash_plain(after_id=later[0].pk)
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", [last])

    problems = verify_chain()

    assert f"第 {later[1].pk} 条的哈希不带密钥，但它在审计链启用密钥之后（可能被改写后重算了哈希）。" in problems
    assert f"第 {later[2].pk} 条的哈希不带密钥，但它在审计链启用密钥之后（可能被改写后重算了哈希）。" in problems


def test_a_chain_already_broken_before_the_key_is_sealed_as_found_and_stays_reported(legacy):
    """The last old entry deleted before the upgrade (the head still names it): the seal says so,
    and every later check reports it, with the gap it left."""
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [legacy[-1].pk])

    entry = seal()

    assert entry.result == "failed"
    assert entry.detail["unkeyed_entries"] == len(legacy) - 1 and entry.detail["last_unkeyed_id"] == legacy[-2].pk
    assert entry.detail["unkeyed_head_matched"] is False and entry.detail["unkeyed_problems"] == 1
    assert verify_chain() == [
        f"第 {entry.pk} 条（启用密钥时的封存记录）载明：启用密钥前，链头已与最后一条记录不符（当时可能已有最新记录被删除）。"
    ]


def test_the_check_in_steps_carries_what_it_knows_of_the_old_entries(legacy):
    """The page's check walks in steps (a few entries each here): it finds what one walk finds."""
    seal()
    later = chain(3)

    def in_steps() -> list[str]:
        problems: list[str] = []
        step = verify_chain_step(limit=2)
        problems += step.report.problems
        while not step.done:
            step = verify_chain_step(
                after_id=step.last_id, previous_hash=step.last_hash, unkeyed=step.unkeyed, plain=step.plain, keyed=step.keyed, limit=2
            )
            problems += step.report.problems
        return problems

    assert in_steps() == [] and verify_chain_report().intact
    raw_sql(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["forged", later[1].pk])
    rehash_plain(after_id=later[0].pk)
    raw_sql(f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", [AuditEvent.objects.order_by("-id").first().entry_hash])  # type: ignore[union-attr]
    assert in_steps() == verify_chain() != []


def test_one_entry_page_shows_an_old_entry_as_sealed_and_a_recomputed_one_as_not(auditor, legacy):
    from django.test import Client

    entry = seal()
    later = chain(2)
    raw_sql(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["forged", later[1].pk])
    rehash_plain(after_id=later[0].pk)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(auditor)

    old = client.get(f"/staff/audit/{legacy[1].pk}").content.decode()
    assert "本条内容与其哈希一致（启用密钥前写入的记录，哈希不带密钥，由第 " in old and f">{entry.pk}</a> 条封存）" in old
    recomputed = client.get(f"/staff/audit/{later[1].pk}").content.decode()
    assert "✗ 本条的哈希不带密钥，但它不在启用密钥时封存的记录之列（可能被改写后重算了哈希）" in recomputed
    keyed = client.get(f"/staff/audit/{later[0].pk}").content.decode()
    assert "✓ 本条内容与其哈希一致</li>" in keyed
