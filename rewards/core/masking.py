"""Masking used by every list, export, SMS and log line (DOMAIN.md §9, SECURITY.md 15)."""

from __future__ import annotations

import re
from typing import Any

#: A run of 11 or more digits: a mobile (11), an ID (18, perhaps ending in X) or a card number.
_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9]{11,}[Xx]?(?![0-9A-Za-z])")


def mask_id_number(value: str | None) -> str:
    """``330106199001011234`` → ``330106********1234``."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13912347919`` → ``139****7919``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_card(value: str | None) -> str:
    """First 6 and last 4: ``6222021234567890016`` → ``622202*********0016``."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_digit_runs(text: str) -> str:
    """Text typed by a caller (a URL's application number, an organisation name) fit for the
    audit log: every run of 11 or more digits masked (SECURITY.md 17: never a personal number)."""

    def masked(match: re.Match[str]) -> str:
        number = match.group()
        if len(number) == 11:
            return mask_phone(number)
        if len(number) == 18:
            return mask_id_number(number)
        return mask_bank_card(number)

    return _LONG_DIGITS.sub(masked, text)


def mask_stored_text(model: Any, fields: tuple[str, ...], chunk: int = 2000) -> int:
    """Masks the long digit runs already stored in ``fields`` of ``model`` (a migration's
    historical model): rows are read in primary-key order, a chunk at a time, and only those
    that change are written. Returns how many rows changed."""
    changed_rows = 0
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:chunk])
        if not rows:
            return changed_rows
        changed = []
        for row in rows:
            before = [getattr(row, name) for name in fields]
            after = [mask_digit_runs(value) if isinstance(value, str) else value for value in before]
            if after != before:
                for name, value in zip(fields, after, strict=True):
                    setattr(row, name, value)
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, list(fields))
            changed_rows += len(changed)
        last = rows[-1].pk
