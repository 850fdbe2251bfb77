"""冻结内容摘要: the digest a payment batch is frozen with, which its approval (复核) and the bank
file check against the lines as they stand in the database.

A batch keeps the version of the formula it was frozen with (``PaymentBatch.digest_version``):
changing the formula would have made every stored digest wrong, so a new formula is a new
version and older batches keep verifying with theirs (decision NNN-paybuild-3).

- 1: reference, application, card (its blind index), name, bank, amount.
- 2: those, and 卡已变更 as the line froze it (``card_changed``: yes, no or unknown, and
  ``card_changed_at``), which the approver reads next to each line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from .access import CHUNK
from .models import DIGEST_VERSION, LineStatus, PaymentBatch, PaymentLine

#: The version new batches are frozen with.
CURRENT = DIGEST_VERSION

#: The line's fields each version covers, in the order they are written.
FIELDS: dict[int, tuple[str, ...]] = {
    1: ("reference", "application_id", "bank_card_hash", "name", "bank_branch", "amount"),
    2: ("reference", "application_id", "bank_card_hash", "name", "bank_branch", "amount", "card_changed", "card_changed_at"),
}


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return str(value)


def _digest(rows: Iterable[Sequence[Any]]) -> str:
    """The one formula: each line's fields joined by ``|``, one line per row, in reference order
    (the first field; references are unique)."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda row: row[0]):
        digest.update(("|".join(_text(value) for value in row) + "\n").encode())
    return digest.hexdigest()


def frozen_digest(lines: Iterable[PaymentLine], version: int = CURRENT) -> str:
    """The digest of the lines a build is about to write (in memory)."""
    fields = FIELDS[version]
    return _digest([tuple(getattr(line, name) for name in fields) for line in lines])


def stored_digest(batch: PaymentBatch) -> str:
    """The digest of ``batch``'s lines as they stand in the database now, by its version."""
    rows = batch.lines.exclude(status=LineStatus.CANCELLED).values_list(*FIELDS[batch.digest_version])
    return _digest(rows.iterator(chunk_size=CHUNK))


def content_unchanged(batch: PaymentBatch) -> bool:
    """Whether ``batch``'s lines still hold what it was frozen with."""
    if batch.digest_version not in FIELDS:
        return False  # a version this code does not know is not taken on trust
    return hmac.compare_digest(stored_digest(batch), batch.content_digest)
