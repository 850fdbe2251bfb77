"""Normalising text typed by people: full-width forms, brackets, spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# "·" in names has several look-alikes; all are stored as U+00B7.
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "．": "·", "⋅": "·", "｡": "·"})


def fold_width(value: str) -> str:
    """Full-width ASCII and brackets to half-width (NFKC), so （滨江） equals (滨江)."""
    return unicodedata.normalize("NFKC", value)


def clean(value: object) -> str:
    """A trimmed string with inner runs of white space collapsed; ``None`` becomes ``""``."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value)).strip()


def org_key(name: str) -> str:
    """Key for matching organisation names: widths folded, spaces removed."""
    return _SPACES.sub("", fold_width(name or ""))


def clean_name(value: object) -> str:
    """A person's name: trimmed, no inner spaces between Chinese characters, one kind of "·"."""
    text = clean(value).translate(_MIDDLE_DOTS)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=[\u4e00-\u9fff·])\s+(?=[\u4e00-\u9fff·])", "", text)


def digits_only(value: object) -> str:
    """Removes spaces and hyphens that people type inside long numbers."""
    return re.sub(r"[\s\-]", "", fold_width(clean(value)))
