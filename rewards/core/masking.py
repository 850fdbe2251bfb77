"""Masking used by every list, export, SMS and log line (DOMAIN.md §9, SECURITY.md 15)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .text import fold_width


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


#: Digits written as one number, perhaps in groups (``139 1234 7919``, ``6222-0212-3456-7890-011``),
#: half- or full-width, perhaps ending in the ID's X.
_DIGIT_GROUPS = re.compile(r"(?<![0-9０-９A-Za-z])[0-9０-９]+(?:[ \-－][0-9０-９]+)*[XxＸｘ]?(?![0-9０-９A-Za-z])")
_GROUP_SEPARATOR = re.compile(r"[ \-－]")


def _one_number(groups: list[str]) -> bool:
    """Groups that read as one number the way people write a mobile, card or ID number: a first
    group of 3 to 6 digits, then groups of 4 (or an ID's 8), the last of 1 to 4. Two application
    numbers side by side (``2020000123 2020000124``) do not."""
    first, middle, last = groups[0], groups[1:-1], groups[-1]
    if first.startswith("0"):
        return False  # a landline's area code (0571-8888 8888): an office, not a person
    return 3 <= len(first) <= 6 and all(len(group) in (4, 8) for group in middle) and 1 <= len(last.rstrip("Xx")) <= 4


def _masked(number: str) -> str:
    """``number`` (digits, perhaps ending in X) as the lists show it."""
    if len(number) == 11:
        return mask_phone(number)
    if len(number) == 18:
        return mask_id_number(number)
    return mask_bank_card(number)


def _separators(written: str) -> list[str]:
    """The separator after each group of ``written`` (none after the last)."""
    return [*_GROUP_SEPARATOR.findall(written), ""]


def _mask_numbers(text: str, is_personal: Callable[[str], bool]) -> str:
    """``text`` with every number that ``is_personal`` picks masked: a number typed in groups the
    usual way counts as the one number it spells, other groups one by one; what is not masked
    stays as typed (full-width digits too)."""

    def masked(match: re.Match[str]) -> str:
        written = fold_width(match.group())
        groups = _GROUP_SEPARATOR.split(written)
        if len(groups) > 1 and _one_number(groups):
            joined = "".join(groups)
            result = _masked(joined) if is_personal(joined) else written
        else:
            pairs = zip(groups, _separators(written), strict=True)
            result = "".join((_masked(group) if is_personal(group) else group) + separator for group, separator in pairs)
        return result if "*" in result else match.group()

    return _DIGIT_GROUPS.sub(masked, text)


def _digits(number: str) -> int:
    return len(number.rstrip("Xx"))


def mask_digit_runs(text: str) -> str:
    """Text typed by people (a URL's application number, an organisation name) fit for the audit
    log: every number of 11 or more digits masked as the lists show it (SECURITY.md 17: never a
    personal number). A number written in groups or with full-width digits counts as the number
    it spells; application numbers (10 digits), landlines and codes that start with a letter
    stay."""
    return _mask_numbers(text, lambda number: _digits(number) >= 11)


def mask_card_and_id_numbers(text: str) -> str:
    """Free text to be stored (decision 62): ID numbers (18) and card-like numbers (16 or more
    digits) masked wherever they are typed; shorter numbers, a mobile among them (the reviewer's
    contact number that the worker needs), stay. :func:`mask_numbers_of` masks the person's own
    mobile on top."""
    return _mask_numbers(text, lambda number: _digits(number) >= 16)


def mask_numbers_of(text: str, *numbers: str) -> str:
    """``text`` with each of ``numbers`` (a person's own mobile, card, ID) masked wherever it is
    typed, in groups or full-width digits too, and every ID and card-like number as
    :func:`mask_card_and_id_numbers` masks them."""
    wanted = {re.sub(r"[^0-9]", "", number) for number in numbers if number}
    return _mask_numbers(text, lambda number: _digits(number) >= 16 or number.rstrip("Xx") in wanted)


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
            after = [mask_card_and_id_numbers(value) if isinstance(value, str) else value for value in before]
            if after != before:
                for name, value in zip(fields, after, strict=True):
                    setattr(row, name, value)
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, list(fields))
            changed_rows += len(changed)
        last = rows[-1].pk
