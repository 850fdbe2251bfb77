"""What personal data looks like once its retention period has ended (SECURITY.md 16).

Pure functions: the purge applies them to names, card numbers and free text.
"""

from __future__ import annotations

import re
from typing import Any

from rewards.core.masking import mask_digit_runs

#: A run of 11 or more digits (a mobile, card or ID number, the ID's check character included),
#: or one already masked when it was stored (``139****7919``: decision 62).
_LONG_DIGITS = re.compile(r"[0-9*]{11,}[Xx]?")


def mask_name(name: str) -> str:
    """``张晓明`` → ``张**``: the first character stays, so that a printed list still reads as names."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def keep_tail(value: str, keep: int = 4) -> str:
    """``6222021234567890016`` → ``***************0016`` (a payment line's card as evidence)."""
    value = value or ""
    return "*" * max(0, len(value) - keep) + value[-keep:] if len(value) > keep else "*" * len(value)


def scrub_numbers(value: Any) -> Any:
    """Free text (opinions, notes, rule messages; nested in lists and dicts) with every long digit
    run starred: a reviewer may have typed a card or mobile number into an opinion."""
    if isinstance(value, str):
        # Masked first, so that a number typed in groups (138 1234 5678) is starred whole too.
        return _LONG_DIGITS.sub(_star, mask_digit_runs(value))
    if isinstance(value, list):
        return [scrub_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub_numbers(item) for key, item in value.items()}
    return value


def _star(match: re.Match[str]) -> str:
    run = match.group()
    return "*" * len(run) if any(character.isdigit() for character in run) else run


def purged_key(pk: int) -> str:
    """Replaces a blind index that must stay unique per row (one application per person and
    campaign, one roster line per person and year): names the row, not a person."""
    return f"purged:{pk}"
