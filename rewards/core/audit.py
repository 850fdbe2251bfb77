"""``audit(...)``: the one way to write the audit log."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.ipv6 import clean_ipv6_address

from . import clock
from .models import (
    CHAIN_KEYED_ACTION,
    HASHED_FIELDS,
    AuditChainHead,
    AuditEvent,
    canonical_json,
    entry_hash_of,
    head_seal_of,
    unkeyed_hash_of,
)
from .rows import PreparedRow


def client_ip(request: Any) -> str | None:
    """The client's address as the audit log stores it: an IPv6 address in its canonical form
    (``2001:DB8::1`` → ``2001:db8::1``), so that the hash covers the value kept."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    if address and ":" in address:
        try:
            return clean_ipv6_address(address)
        except ValidationError:
            return None
    return address


class AuditFields(TypedDict, total=False):
    """The keyword arguments of :func:`audit` and :func:`audit_entry`."""

    actor: Any
    obj: models.Model | None
    object_type: str
    object_id: str | int
    result: str
    request: Any
    detail: dict[str, Any] | None
    actor_label: str


def audit(action: str, **fields: Unpack[AuditFields]) -> AuditEvent:
    """Append one entry. Call inside the transaction of the change it records.

    ``detail`` must hold no personal number (ID, card, mobile): name objects by id.
    """
    return append(audit_entry(action, **fields))


def audit_entry(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    result: str = "ok",
    request: Any = None,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """The entry :func:`audit` appends, not yet chained nor written: a caller that must keep its
    transaction short builds it first and gives it to :func:`append` inside the transaction
    (setting ``object_id`` there when the object is new)."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk or ""
    return AuditEvent(
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label or (getattr(actor, "username", "") if actor else "") or "system",
        role=getattr(actor, "role", "") or "",
        organisation_id=getattr(actor, "organisation_id", None),
        client_ip=client_ip(request),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        result=result,
        detail=detail or {},
    )


def append(event: AuditEvent) -> AuditEvent:
    """Chains ``event`` to the last entry and writes it, in the caller's transaction.

    Plain SQL (:class:`~rewards.core.rows.PreparedRow`): every audited change runs this while
    it holds the chain head's lock.
    """
    if event.pk is not None:
        raise PermissionError("审计日志只能追加，不能修改。")
    event.object_id = str(event.object_id or "")
    # No savepoint: inside the caller's transaction the entry stands or falls with the change.
    with transaction.atomic(savepoint=False):
        event.prev_hash = _lock_head()
        event.entry_hash = event.compute_hash()
        PreparedRow(event).insert()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {AuditChainHead._meta.db_table} SET last_hash = %s, seal = %s WHERE id = 1",  # noqa: S608 - identifiers from the models, values bound  # nosec B608
                [event.entry_hash, head_seal_of(event.entry_hash)],
            )
    return event


def _lock_head() -> str:
    """The chain's last hash, its row locked until the commit (appends are serialised).

    Plain SQL: the head is read and moved by every audited change, so the ORM's
    ``select_for_update().get_or_create()`` and ``save()`` were a cost on every request.
    """
    table = AuditChainHead._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT last_hash FROM {table} WHERE id = 1{lock}")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
            row = cursor.fetchone()
        if row is not None:
            return str(row[0])
        AuditChainHead.objects.get_or_create(pk=1)  # the first entry ever
    raise RuntimeError("审计链头无法建立。")


#: Problems listed in full; past this many only their number is kept (memory stays flat).
MAX_LISTED_PROBLEMS = 1000


@dataclass
class ChainReport:
    """What a walk of the chain found: entries checked and the problems (the first ones listed)."""

    entries: int = 0
    problem_count: int = 0
    problems: list[str] = field(default_factory=list)
    #: The last entry walked (0 and "": an empty log) and the head's seal as read: what the
    #: anchor outside the database records (:mod:`rewards.core.anchor`).
    last_id: int = 0
    last_hash: str = ""
    head_seal: str = ""

    @property
    def intact(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def listed(self) -> list[str]:
        hidden = self.problem_count - len(self.problems)
        return self.problems + ([f"另有 {hidden} 处问题未列出。"] if hidden else [])


def verify_chain_report(*, progress: Callable[[int], None] | None = None, every: int = 100_000) -> ChainReport:
    """Walks the chain from the first entry, streaming: plain values in id order (a server-side
    cursor on PostgreSQL), no model instance per row; ``progress(entries)`` every ``every`` rows.

    The head is read in one snapshot with the entries appended while the walk ran, so that a busy
    system is not reported as having lost its last entry.
    """
    report = ChainReport()
    walk = _Walk()
    _walk(AuditEvent.objects.all(), walk, report, progress, every)
    head = _walk_tail_and_read_head(walk, report, progress, every)
    _compare_head(head, walk, report)
    report.last_id, report.last_hash, report.head_seal = walk.last_id, walk.previous, head[1] if head else ""
    return report


def _compare_head(head: tuple[str, str] | None, walk: _Walk, report: ChainReport) -> None:
    """The head (its last hash and seal) against the last entry walked (``walk.last_id`` 0: an
    empty log), and the chain's start: entries without a keyed hash must be sealed."""
    if walk.plain and not walk.keyed:
        report.add(f"审计链中有 {walk.plain} 条记录只有不带密钥的哈希，其后却没有启用密钥时的封存记录（这些记录可能被改写后重算了哈希）。")
    if head is None:
        if walk.last_id:
            report.add("审计链头记录缺失（可能被删除）。")
        return
    last_hash, seal = head
    if last_hash != walk.previous:
        pointed = AuditEvent.objects.filter(entry_hash=last_hash).values_list("id", flat=True).first() if last_hash else None
        if pointed is not None:
            report.add(f"链头指向第 {pointed} 条，但其后还有记录（链头被改动）。")
        else:
            report.add("审计链末尾与链头记录不符（可能有最新记录被删除，或链头被改动）。")
    elif walk.last_id and seal != head_seal_of(last_hash):
        report.add("链头的密钥印鉴不符（链头可能被移回较早的记录，其后的记录被删除；或链头被改动）。")


#: Entries one step of :func:`verify_chain_step` reads: a second or so of work (1.2 s on SQLite,
#: 1.5 s on PostgreSQL on a busy test machine), so that a page walks a log of a million entries
#: in twenty requests and shows how far it got.
VERIFY_STEP_ROWS = 50_000


@dataclass(frozen=True)
class ChainStep:
    """What one step of a walk in steps found, and where the next step starts."""

    report: ChainReport
    #: The last entry walked and its hash: the next step's ``after_id`` and ``previous_hash``.
    last_id: int
    last_hash: str
    #: The walk reached the end of the log and compared it with the head.
    done: bool
    #: What the walk knows of the chain's unkeyed start (:class:`_Walk`): the next step's
    #: ``unkeyed``, ``plain`` and ``keyed``.
    unkeyed: int = 0
    plain: int = 0
    keyed: bool = False


def verify_chain_step(
    *, after_id: int = 0, previous_hash: str = "", unkeyed: int = 0, plain: int = 0, keyed: bool = False, limit: int | None = None
) -> ChainStep:
    """At most ``limit`` entries after ``after_id`` (whose hash is ``previous_hash``), and the head
    when they are the last ones: steps from ``after_id=0`` up to the one that is ``done`` check
    exactly what one :func:`verify_chain_report` does, each step in a request of its own (each
    given the previous step's ``unkeyed``, ``plain`` and ``keyed``)."""
    limit = limit or VERIFY_STEP_ROWS
    report = ChainReport()
    walk = _Walk(previous=previous_hash, previous_id=after_id or None, last_id=after_id, unkeyed=unkeyed, plain=plain, keyed=keyed)
    rest = AuditEvent.objects.filter(id__gt=after_id).order_by("id").values_list("id", flat=True)
    step_end = rest[limit : limit + 1].first()  # an entry beyond this step: more steps follow
    done = step_end is None
    if not done:
        _walk(AuditEvent.objects.filter(id__gt=after_id, id__lt=step_end), walk, report, None, limit)
    else:
        head = _walk_tail_and_read_head(walk, report, None, limit)
        _compare_head(head, walk, report)
    return ChainStep(
        report=report,
        last_id=walk.last_id,
        last_hash=walk.previous,
        done=done,
        unkeyed=walk.unkeyed,
        plain=walk.plain,
        keyed=walk.keyed,
    )


def verify_chain() -> list[str]:
    """Problems found walking the chain from the first entry; empty when intact."""
    return verify_chain_report().listed()


@dataclass
class _Walk:
    previous: str = ""
    previous_id: int | None = None
    last_id: int = 0
    #: Entries walked before the first keyed one (with the plain SHA-256 of before the key, or
    #: matching no hash): the chain's unkeyed start, which the first keyed entry must seal.
    unkeyed: int = 0
    #: Of those, the ones whose plain SHA-256 matches.
    plain: int = 0
    #: An entry with a keyed hash was walked: every later one must be keyed too.
    keyed: bool = False


_ACTION = HASHED_FIELDS.index("action")
_DETAIL = HASHED_FIELDS.index("detail")


def _walk(
    queryset: models.QuerySet[AuditEvent], walk: _Walk, report: ChainReport, progress: Callable[[int], None] | None, every: int
) -> None:
    for pk, entry_hash, *values in _rows(queryset):
        if values[-1] != walk.previous:  # prev_hash, the last hashed field
            before = f"第 {walk.previous_id} 条" if walk.previous_id is not None else "链的起点"
            report.add(f"第 {pk} 条的前序哈希与{before}不符（其间可能有记录被删除，或{before}被改写）。")
        _check_entry(pk, entry_hash, values, walk, report)
        walk.previous, walk.previous_id, walk.last_id = entry_hash, pk, pk
        report.entries += 1
        if progress is not None and report.entries % every == 0:
            progress(report.entries)


def _check_entry(pk: int, entry_hash: str, values: list[Any], walk: _Walk, report: ChainReport) -> None:
    """One entry's hash: keyed (HMAC-SHA256 under ``AUDIT_CHAIN_KEY``), or the plain SHA-256 of
    before the key, which only the chain's start may carry, sealed by the first keyed entry.

    Which kind an entry is cannot be taken from the row (whoever edits the row would say
    "unkeyed"): it is whichever hash matches, and an unkeyed one is accepted only before the
    first keyed entry."""
    canonical = canonical_json(values) if values[0] is not None else None
    if canonical is not None and entry_hash_of(canonical) == entry_hash:
        if not walk.keyed:
            walk.keyed = True
            if walk.unkeyed:
                _check_seal(pk, values, walk, report)
        return
    if canonical is not None and unkeyed_hash_of(canonical) == entry_hash:
        if walk.keyed:
            report.add(f"第 {pk} 条的哈希不带密钥，但它在审计链启用密钥之后（可能被改写后重算了哈希）。")
        else:
            walk.unkeyed += 1
            walk.plain += 1
        return
    report.add(f"第 {pk} 条的内容与其哈希不符（可能被修改）。")
    if not walk.keyed:
        walk.unkeyed += 1


def _check_seal(pk: int, values: list[Any], walk: _Walk, report: ChainReport) -> None:
    """The first keyed entry after unkeyed ones must be the seal written when the key came
    (:func:`seal_unkeyed_chain`), naming exactly the entries walked before it."""
    detail = values[_DETAIL] if isinstance(values[_DETAIL], dict) else {}
    if (
        values[_ACTION] != CHAIN_KEYED_ACTION
        or detail.get("unkeyed_entries") != walk.unkeyed
        or detail.get("last_unkeyed_id") != walk.previous_id
    ):
        report.add(
            f"第 {pk} 条是第一条带密钥的记录，但不是此前 {walk.unkeyed} 条不带密钥记录的封存记录"
            "（此前的记录可能被删除、增添或改写后重算了哈希）。"
        )
    elif detail.get("unkeyed_head_matched") is False:
        report.add(f"第 {pk} 条（启用密钥时的封存记录）载明：启用密钥前，链头已与最后一条记录不符（当时可能已有最新记录被删除）。")


def _rows(queryset: models.QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """``[id, entry_hash, *HASHED_FIELDS]`` of the entries, in id order, fetched in chunks (a
    server-side cursor on PostgreSQL). The ORM's SQL, run without its per-value converters: the
    time and the JSON detail are converted here, which halves the time per row. A row whose
    values cannot be read gets the time ``None`` (reported as modified)."""
    values = queryset.order_by("id").values_list("id", "entry_hash", *HASHED_FIELDS)
    sql, params = values.query.sql_with_params()
    at, detail = 2, 2 + HASHED_FIELDS.index("detail")
    if connection.vendor == "sqlite":
        # The time as text (the first mention is in the select list): fromisoformat is faster
        # than the driver's converter.
        column = f"{connection.ops.quote_name(AuditEvent._meta.db_table)}.{connection.ops.quote_name('at')}"
        sql = sql.replace(column, f"{column} || ''", 1)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            for raw in chunk:
                row = list(raw)
                try:
                    when = row[at]
                    if isinstance(when, str):
                        when = dt.datetime.fromisoformat(when)
                    row[at] = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
                    if isinstance(row[detail], str):
                        row[detail] = json.loads(row[detail])
                except (ValueError, TypeError, AttributeError):
                    row[at] = None
                yield row


def _walk_tail_and_read_head(
    walk: _Walk, report: ChainReport, progress: Callable[[int], None] | None, every: int
) -> tuple[str, str] | None:
    """Entries after the walked ones and the head (its hash and seal), both from one snapshot of
    the database."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not outer:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SELECT last_hash, seal FROM {AuditChainHead._meta.db_table} WHERE id = 1")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
            row = cursor.fetchone()
        _walk(AuditEvent.objects.filter(id__gt=walk.last_id), walk, report, progress, every)
    return None if row is None else (str(row[0]), str(row[1]))


def seal_unkeyed_chain(event_model: type[models.Model], head_model: type[models.Model]) -> int | None:
    """Keys a chain written before ``AUDIT_CHAIN_KEY`` (migration core 0005; decision 133).

    The entries already written keep their plain SHA-256 hashes untouched: rewriting them would
    destroy the very evidence an auditor compares against earlier checks and copies. They are
    walked once (links and hashes) and sealed by one keyed entry, ``audit.chain_keyed``, chained
    onto the last of them, whose detail names their number, the last one and its hash, and what
    the walk found; the head gets its keyed seal. From then on the unkeyed entries can no longer
    be edited, removed, added to or recomputed without breaking the seal's keyed hash, and the
    verifier accepts unkeyed hashes only before it.

    Given the models (the migration's historical ones); returns the seal's id, or ``None`` when
    there is nothing to seal (no entries, or a chain already keyed).
    """
    fields = ("id", "entry_hash", *HASHED_FIELDS)
    entries = event_model.objects.order_by("id")  # type: ignore[attr-defined]
    head = head_model.objects.select_for_update().filter(pk=1).first()  # type: ignore[attr-defined]  # appends wait
    last = entries.reverse().values_list(*fields).first()
    if last is None or entry_hash_of(canonical_json(list(last[2:]))) == last[1]:
        return None
    count = problems = 0
    previous, previous_id = "", 0
    for pk, entry_hash, *values in entries.values_list(*fields).iterator(chunk_size=2000):
        if values[-1] != previous:
            problems += 1
        if unkeyed_hash_of(canonical_json(values)) != entry_hash:
            problems += 1
        count, previous, previous_id = count + 1, entry_hash, pk
    head_matched = head is not None and head.last_hash == previous
    detail = {
        "unkeyed_entries": count,
        "last_unkeyed_id": previous_id,
        "last_unkeyed_hash": previous,
        "unkeyed_problems": problems + (0 if head_matched else 1),
        "unkeyed_head_matched": head_matched,
    }
    values = [
        clock.now(),
        None,
        "system",
        "",
        None,
        None,
        CHAIN_KEYED_ACTION,
        "core.auditevent",
        "",
        "ok" if detail["unkeyed_problems"] == 0 else "failed",
        detail,
        previous,
    ]
    seal = event_model.objects.create(  # type: ignore[attr-defined]
        **dict(zip(HASHED_FIELDS, values, strict=True)), entry_hash=entry_hash_of(canonical_json(values))
    )
    head_model.objects.update_or_create(pk=1, defaults={"last_hash": seal.entry_hash, "seal": head_seal_of(seal.entry_hash)})  # type: ignore[attr-defined]
    return int(seal.pk)
