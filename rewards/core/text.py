"""Normalising text typed by people: full-width forms, brackets, spaces."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .errors import InvalidInput

_SPACES = re.compile(r"\s+")
# "·" in names has several look-alikes; all are stored as U+00B7.
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "．": "·", "⋅": "·", "｡": "·"})


def fold_width(value: str) -> str:
    """Full-width ASCII and brackets to half-width (NFKC), so （滨江） equals (滨江)."""
    return unicodedata.normalize("NFKC", value)


#: Characters nobody sees: Unicode's format class (zero-width spaces and joiners, byte-order
#: and direction marks) and the control characters. Typed text never needs them, and left in
#: they make "车工" and "车工\u200b" two occupations, or a certificate number miss the registry.
_INVISIBLE = re.compile(
    r"[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)


def drop_invisible(value: str) -> str:
    return _INVISIBLE.sub("", value)


def clean(value: object) -> str:
    """A trimmed string with inner runs of white space collapsed and invisible characters
    dropped; ``None`` becomes ``""``."""
    if value is None:
        return ""
    text = str(value)
    # Most cells hold nothing to drop: printable text has no invisible or control character and
    # no white space but the ASCII space (an import reads 100 000 rows of eight cells).
    if text.isprintable() and "  " not in text:
        return text.strip()
    return _SPACES.sub(" ", drop_invisible(text)).strip()


def written_note(value: object) -> str:
    """A reason, opinion or note someone writes: invisible characters (zero-width spaces and
    joiners, byte-order marks, direction marks: Unicode's format class) and control characters
    other than line breaks and tabs are dropped, line breaks made ``\n``, the ends trimmed. So a
    reason that is required cannot be given as something nobody can read."""
    if value is None:
        return ""
    return drop_invisible(str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()


def written_field(value: object, *, field: str, label: str) -> str:
    """:func:`written_note` of what a request sent for ``field``: a JSON list, object, number or
    true/false is not something a person wrote (``str()`` would keep its Python spelling, such as
    ``['证书不清晰']``, as the opinion a worker reads), so it is refused naming ``field``."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(fields={field: [f"{label}应为一段文字。"]})
    return written_note(value)


def org_key(name: str) -> str:
    """Key for matching organisation names: widths folded, spaces and invisible characters removed."""
    return _SPACES.sub("", drop_invisible(fold_width(name or "")))


def certificate_number(value: object) -> str:
    """A certificate number as the HR registry keeps it: widths folded (NFKC), every space and
    invisible character removed, letters upper-case. ``２０２０ ０００１ａｂ`` is ``20200001AB``. Typed
    numbers (both channels, batch sheets), the registry's import and the review search all go
    through here, so a number matches whichever way it was typed."""
    return _SPACES.sub("", fold_width(clean(value))).upper()


def clean_name(value: object) -> str:
    """A person's name: trimmed, no inner spaces between Chinese characters, one kind of "·"."""
    text = clean(value).translate(_MIDDLE_DOTS)
    text = unicodedata.normalize("NFKC", text)
    # A full stop between Chinese characters is the 间隔号 typed on a keyboard without it
    # (买买提.艾力, 买买提。艾力); between Latin letters it stays (J.Smith).
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s*[.。]\s*(?=[\u4e00-\u9fff])", "·", text)
    return re.sub(r"(?<=[\u4e00-\u9fff·])\s+(?=[\u4e00-\u9fff·])", "", text)


def digits_only(value: object) -> str:
    """Removes spaces and hyphens that people type inside long numbers."""
    return re.sub(r"[\s\-]", "", fold_width(clean(value)))


def sentences(texts: Iterable[str]) -> str:
    """Reasons written one after the other: each already a sentence ending in 。 (a 。 added
    where one lacks it), never ``。；`` between them."""
    return "".join(text if text.endswith(("。", "！", "？")) else f"{text}。" for text in (str(t).strip() for t in texts) if text)
