"""``audit(...)``: the one way to write the audit log."""

from __future__ import annotations

from typing import Any

from django.db import connection, models, transaction

from . import clock
from .models import AuditChainHead, AuditEvent


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit(
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
    """Append one entry. Call inside the transaction of the change it records.

    ``detail`` must hold no personal number (ID, card, mobile): name objects by id.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    # No savepoint: inside the caller's transaction the entry stands or falls with the change.
    with transaction.atomic(savepoint=False):
        prev_hash = _lock_head()
        event = AuditEvent(
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
            prev_hash=prev_hash,
        )
        event.entry_hash = event.compute_hash()
        event.save(force_insert=True)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {AuditChainHead._meta.db_table} SET last_hash = %s WHERE id = 1", [event.entry_hash])  # noqa: S608
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
            cursor.execute(f"SELECT last_hash FROM {table} WHERE id = 1{lock}")  # noqa: S608
            row = cursor.fetchone()
        if row is not None:
            return str(row[0])
        AuditChainHead.objects.get_or_create(pk=1)  # the first entry ever
    raise RuntimeError("审计链头无法建立。")


def verify_chain() -> list[str]:
    """Problems found walking the chain from the first entry; empty when intact."""
    problems: list[str] = []
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous:
            problems.append(f"第 {event.pk} 条的前序哈希与上一条不符（可能有记录被删除）。")
        if event.compute_hash() != event.entry_hash:
            problems.append(f"第 {event.pk} 条的内容与其哈希不符（可能被修改）。")
        previous = event.entry_hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != previous:
        problems.append("审计链末尾与链头记录不符（可能有最新记录被删除）。")
    return problems
