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


_DIGITS = "0-9０-９"
#: One character that people put between the groups of a number they type.
_SEPARATOR_CHARS = " \t-－.．/_\u3000"
_SEPARATOR = "[" + re.escape(_SEPARATOR_CHARS) + "]"
#: Digits written as one number, perhaps in groups (``139 1234 7919``, ``6222-0212-3456-7890-011``),
#: half- or full-width, perhaps ending in the ID's X.
_DIGIT_GROUPS = re.compile(rf"(?<![{_DIGITS}])[{_DIGITS}]+(?:{_SEPARATOR}[{_DIGITS}]+)*[XxＸｘ]?(?![{_DIGITS}])")
_GROUP_SEPARATOR = re.compile(_SEPARATOR)


def _luhn(digits: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _one_number(groups: list[str]) -> bool:
    """Groups that read as one mobile, card or ID number the way people type them: ``139 1234
    7919``, ``6222 0212 3456 7890 011`` (a card passes the Luhn check or is a UnionPay 62…),
    ``330106 19900101 123X``. Amounts, years and two application numbers side by side do not."""
    first, middle, last = groups[0], groups[1:-1], groups[-1]
    if not (all(len(group) in (4, 8) for group in middle) and 1 <= len(last.rstrip("Xx")) <= 4):
        return False
    joined = "".join(groups)
    core = joined.rstrip("Xx")
    if len(joined) == 11 and len(first) == 3 and joined.startswith("1"):
        return True  # a mobile
    if len(joined) == 18 and len(core) >= 17 and len(first) == 6 and joined[0] in "12345678":
        return True  # an ID
    return len(core) == len(joined) and 16 <= len(joined) <= 19 and len(first) in (4, 6) and (_luhn(joined) or joined.startswith("62"))


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
    stays as typed (full-width digits too). An X counts only as the end of an ID."""

    def masked(match: re.Match[str]) -> str:
        written = fold_width(match.group())
        suffix = ""
        if written[-1] in "Xx" and len(written.rstrip("Xx").replace(" ", "")) < 17:
            written, suffix = written[:-1], written[-1]  # a word after the number, not an ID's X
        groups = _GROUP_SEPARATOR.split(written)
        if len(groups) > 1 and _one_number(groups):
            joined = "".join(groups)
            result = _masked(joined) if is_personal(joined) else written
        else:
            pairs = zip(groups, _separators(written), strict=True)
            result = "".join((_masked(group) if is_personal(group) else group) + separator for group, separator in pairs)
        return result + suffix if "*" in result else match.group()

    return _DIGIT_GROUPS.sub(masked, text)


def _digits(number: str) -> int:
    return len(number.rstrip("Xx"))


def mask_digit_runs(text: str) -> str:
    """Text typed by people (a URL's application number, an organisation name) fit for the audit
    log: every number of 11 or more digits masked as the lists show it (SECURITY.md 17: never a
    personal number). A number written in groups or with full-width digits counts as the number
    it spells; application numbers (10 digits), landlines, amounts and dates stay."""
    return _mask_numbers(text, lambda number: _digits(number) >= 11)


def mask_card_and_id_numbers(text: str) -> str:
    """Free text to be stored (decision 62): ID numbers (18) and card-like numbers (16 or more
    digits) masked wherever they are typed; shorter numbers, a mobile among them (the reviewer's
    contact number that the worker needs), stay. :func:`mask_numbers_of` masks the person's own
    mobile on top."""
    return _mask_numbers(text, lambda number: _digits(number) >= 16)


def _digit(character: str) -> str | None:
    if "0" <= character <= "9":
        return character
    if "０" <= character <= "９":
        return chr(ord(character) - ord("０") + ord("0"))
    return None


def mask_numbers_of(text: str, *numbers: str) -> str:
    """``text`` with each of ``numbers`` (a person's own mobile, card, ID) masked wherever its
    digits stand in a row, whatever single characters separate them (``132 3281 9156``,
    ``+86 132-3281-9156``, full-width digits or spaces), and every other ID and card-like number
    as :func:`mask_card_and_id_numbers` masks them."""
    wanted = {digits for digits in (re.sub(r"[^0-9]", "", number or "") for number in numbers) if len(digits) >= 11}
    characters = list(text)
    runs: list[list[tuple[int, str]]] = []
    run: list[tuple[int, str]] = []
    separated = False
    for index, character in enumerate(text):
        digit = _digit(character)
        if digit is not None:
            run.append((index, digit))
            separated = False
        elif run and character in _SEPARATOR_CHARS and not separated:
            separated = True  # one separator may stand between two digits of a number
        elif run:
            runs.append(run)
            run, separated = [], False
    if run:
        runs.append(run)
    for run in runs:
        digits = "".join(digit for _, digit in run)
        for number in wanted:
            head, tail = (3, 4) if len(number) == 11 else (6, 3 if len(number) == 17 else 4)
            start = digits.find(number)
            while start != -1:
                for position in range(start + head, start + len(number) - tail):
                    characters[run[position][0]] = "*"
                start = digits.find(number, start + len(number))
    return mask_card_and_id_numbers("".join(characters))


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
