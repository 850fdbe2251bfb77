"""The audit log: one append-only, hash-chained table (SECURITY.md 17).

Each entry's hash is an HMAC-SHA256 under ``AUDIT_CHAIN_KEY`` (kept outside the database): without
the key, nobody who can write to the database can recompute the chain after an edit. Entries
written before the key existed keep their plain SHA-256; they are accepted only as the start of
the chain, sealed by the keyed ``audit.chain_keyed`` entry that follows them (migration core 0005,
decision 133).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models

from . import crypto

#: The keyed entry that seals the entries hashed before ``AUDIT_CHAIN_KEY`` (their number and the
#: last one in its ``detail``): written once, by migration core 0005, when there were any.
CHAIN_KEYED_ACTION = "audit.chain_keyed"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能修改。")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能删除。")


class AuditEvent(models.Model):
    """Who did what to which object, from where, with what result.

    Objects are named by type and id, never by a personal number. ``entry_hash`` chains
    each row to the one before it, so an edited or deleted row is detectable.
    """

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField("操作人标识", max_length=150, blank=True)
    role = models.CharField("角色", max_length=40, blank=True)
    organisation_id = models.BigIntegerField("所属组织", null=True, blank=True)
    client_ip = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    action = models.CharField("动作", max_length=80, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    result = models.CharField("结果", max_length=20, default="ok")
    detail = models.JSONField("说明", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]
        # The auditor's searches (rewards/reports/auditlog.py), newest first: each walks one of
        # these in id order and stops after a page, however large the log.
        indexes = [
            models.Index(fields=["actor_label", "id"], name="audit_actor_label_idx"),
            models.Index(fields=["role", "id"], name="audit_role_idx"),
            models.Index(fields=["organisation_id", "id"], name="audit_organisation_idx"),
            models.Index(fields=["result", "id"], name="audit_result_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能删除。")

    def canonical(self) -> str:
        return canonical_json([getattr(self, name) for name in HASHED_FIELDS])

    def compute_hash(self) -> str:
        """The entry's hash as written now: keyed (:func:`entry_hash_of`)."""
        return entry_hash_of(self.canonical())

    def compute_unkeyed_hash(self) -> str:
        """The plain SHA-256 that entries written before ``AUDIT_CHAIN_KEY`` carry."""
        return unkeyed_hash_of(self.canonical())


#: The columns an entry's hash covers, in this order. The chain's verifier reads exactly these
#: (as plain values, without building a model instance per row).
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "role",
    "organisation_id",
    "client_ip",
    "action",
    "object_type",
    "object_id",
    "result",
    "detail",
    "prev_hash",
)


def canonical_json(values: Sequence[Any]) -> str:
    """The hashed text of one entry from its :data:`HASHED_FIELDS` values."""
    at, *rest = values
    return json.dumps([at.isoformat(), *rest], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash_of(canonical: str) -> str:
    """An entry's hash: HMAC-SHA256 of its canonical text under ``AUDIT_CHAIN_KEY``."""
    return crypto.audit_chain_hash(canonical)


def unkeyed_hash_of(canonical: str) -> str:
    """The hash of an entry written before the chain was keyed: SHA-256 of its canonical text."""
    return hashlib.sha256(canonical.encode()).hexdigest()


def head_seal_of(last_hash: str) -> str:
    """The head's seal of ``last_hash``. The head's ``last_hash`` is the last entry's hash, which
    anyone reading the table sees; the seal is keyed, so that a head moved back to an earlier
    entry (the last entries deleted) cannot be given a seal that matches."""
    return crypto.audit_chain_hash(f"head:{last_hash}")


class AuditChainHead(models.Model):
    """One row holding the latest entry hash; locking it serialises appends to the chain."""

    last_hash = models.CharField(max_length=64, blank=True)
    #: :func:`head_seal_of` ``last_hash`` (keyed).
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return self.last_hash


class ThrottleEvent(models.Model):
    """One counted attempt in a throttle scope. Kept in the database so that every server
    process sees the same counts (SECURITY.md, throttling across processes)."""

    scope = models.CharField(max_length=30)
    key_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "限流记录"
        verbose_name_plural = "限流记录"
        indexes = [models.Index(fields=["scope", "key_hash", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.at}"
