"""Masking used by every list, export, SMS and log line (DOMAIN.md §9, SECURITY.md 15)."""

from __future__ import annotations


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
