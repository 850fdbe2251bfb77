"""Re-encryption under the current field key (``manage.py rotate_field_keys``).

A new ``FIELD_ENCRYPTION_KEY`` encrypts what is written from then on; what was written before
stays under the key it was written with, which must therefore stay in
``FIELD_ENCRYPTION_OLD_KEYS``. This rewrites every encrypted value that is not under the current
key, a chunk of rows per transaction (each row compared and set, so that a value changed
meanwhile by the application is left to it), until none is left: then the old key can be
retired. A value under a key that is not configured is counted, never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

from rewards.core import crypto
from rewards.core.audit import audit
from rewards.core.fields import EncryptedTextField

from .manifest import encryption_fingerprint

CHUNK = 1000


@dataclass
class RekeyReport:
    key_id: str
    #: The current key as ``key_fingerprints`` and a backup's manifest name it (never its id).
    fingerprint: str
    #: ``"app_label.model.field"`` → values rewritten (or, in a dry run, to rewrite).
    rewritten: dict[str, int] = field(default_factory=dict)
    #: Values under a key that is not configured, by column: they stay as they are.
    unreadable: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    return [
        (model, model_field)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, EncryptedTextField)
    ]


def rotate_field_keys(*, dry_run: bool = False, chunk: int = CHUNK, say: Callable[[str], object] | None = None) -> RekeyReport:
    kid, _ = crypto.keyring()
    report = RekeyReport(key_id=kid, fingerprint=encryption_fingerprint(kid))
    quote = connection.ops.quote_name
    for model, column in encrypted_columns():
        label = f"{model._meta.label_lower}.{column.name}"
        table, name, pk = quote(model._meta.db_table), quote(str(column.column)), quote(str(model._meta.pk.column))
        select = f"SELECT {pk}, {name} FROM {table} WHERE {pk} > %s AND {name} <> '' AND {name} NOT LIKE %s ORDER BY {pk}"  # noqa: S608 (names from the model)  # nosec B608
        update = f"UPDATE {table} SET {name} = %s WHERE {pk} = %s AND {name} = %s"  # noqa: S608  # nosec B608
        last, done, unreadable = 0, 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select + f" LIMIT {int(chunk)}", [last, f"{kid}$%"])
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    try:
                        value = crypto.decrypt(token)
                    except crypto.DecryptionError:
                        unreadable += 1
                        continue
                    if not dry_run:
                        cursor.execute(update, [crypto.encrypt(value), row_pk, token])
                    done += 1
            if not rows:
                break
            last = rows[-1][0]
            if say:
                say(f"{label}：已处理至 #{last}（{done} 条）……")
        if done:
            report.rewritten[label] = done
        if unreadable:
            report.unreadable[label] = unreadable
    # The sheets and zips of batch imports waiting to be saved are sealed with the same key.
    from rewards.batches.imports import reseal_staged

    resealed, unreadable_files = reseal_staged(dry_run=dry_run)
    if resealed:
        report.rewritten["batches.staged_files"] = resealed
    if unreadable_files:
        report.unreadable["batches.staged_files"] = unreadable_files
    if not dry_run and (report.total or report.unreadable):
        # One entry for the whole run, after its chunks (each its own transaction) are written.
        with transaction.atomic():
            audit(
                "crypto.rotate",
                actor_label="cli",
                detail={"key_fingerprint": report.fingerprint, "rewritten": report.rewritten, "unreadable": report.unreadable},
            )
    return report
