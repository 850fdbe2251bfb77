"""冻结内容摘要: the digest a payment batch is frozen with, which its approval (复核) and the bank
file check against the lines as they stand in the database.

A batch keeps the version of the formula it was frozen with (``PaymentBatch.digest_version``):
changing the formula would have made every stored digest wrong, so a new formula is a new
version and older batches keep verifying with theirs (decision 243).

- 1: reference, application, card (its blind index), name, bank, amount.
- 2: those, and 卡已变更 as the line froze it (``card_changed``: yes, no or unknown, and
  ``card_changed_at``), which the approver reads next to each line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any

from .access import CHUNK
from .models import DIGEST_VERSION, LineStatus, PaymentBatch, PaymentLine

#: The version new batches are frozen with.
CURRENT = DIGEST_VERSION


def _line_v1(reference: str, application_id: int, card_hash: str, name: str, branch: str, amount: Decimal) -> str:
    return f"{reference}|{application_id}|{card_hash}|{name}|{branch}|{amount:.2f}"


def _line_v2(
    reference: str,
    application_id: int,
    card_hash: str,
    name: str,
    branch: str,
    amount: Decimal,
    changed: bool | None,
    changed_at: dt.datetime | None,
) -> str:
    mark = "" if changed is None else "1" if changed else "0"
    at = "" if changed_at is None else changed_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return f"{_line_v1(reference, application_id, card_hash, name, branch, amount)}|{mark}|{at}"


#: Each version: the line's fields it covers, in order, and how it writes a line of them.
FORMULAS: dict[int, tuple[tuple[str, ...], Callable[..., str]]] = {
    1: (("reference", "application_id", "bank_card_hash", "name", "bank_branch", "amount"), _line_v1),
    2: (
        ("reference", "application_id", "bank_card_hash", "name", "bank_branch", "amount", "card_changed", "card_changed_at"),
        _line_v2,
    ),
}


def _digest(rows: Iterable[Sequence[Any]], version: int) -> str:
    """The one formula: a line per row (its fields as ``version`` writes them), in reference
    order (the first field; references are unique)."""
    line = FORMULAS[version][1]
    digest = hashlib.sha256()
    for row in sorted(rows, key=itemgetter(0)):
        digest.update(f"{line(*row)}\n".encode())
    return digest.hexdigest()


def frozen_digest(lines: Iterable[PaymentLine], version: int = CURRENT) -> str:
    """The digest of the lines a build is about to write (in memory)."""
    values = attrgetter(*FORMULAS[version][0])
    return _digest([values(line) for line in lines], version)


def stored_digest(batch: PaymentBatch) -> str:
    """The digest of ``batch``'s lines as they stand in the database now, by its version."""
    rows = batch.lines.exclude(status=LineStatus.CANCELLED).values_list(*FORMULAS[batch.digest_version][0])
    return _digest(rows.iterator(chunk_size=CHUNK), batch.digest_version)


def content_unchanged(batch: PaymentBatch) -> bool:
    """Whether ``batch``'s lines still hold what it was frozen with."""
    if batch.digest_version not in FORMULAS:
        return False  # a version this code does not know is not taken on trust
    return hmac.compare_digest(stored_digest(batch), batch.content_digest)
