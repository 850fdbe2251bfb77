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


def written_note(value: object) -> str:
    """A reason, opinion or note someone writes: invisible characters (zero-width spaces and
    joiners, byte-order marks, direction marks: Unicode's format class) and control characters
    other than line breaks and tabs are dropped, line breaks made ``\n``, the ends trimmed. So a
    reason that is required cannot be given as something nobody can read."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cf", "Cc"))
    return kept.strip()


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
