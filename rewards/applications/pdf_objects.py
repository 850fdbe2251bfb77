"""Reading one PDF value from bytes, and finding an indirect object by its number, for the few
places where the upload check must know what a key holds, not only that it is there (the
document's opening action, an object stream's header). Not a PDF parser: no cross-reference
table is read; every definition an object could have is found, so that the caller can require
all of them to be harmless. Pure functions over bytes, bounded in work."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
#: Whitespace and comments between tokens (a comment runs to the end of its line).
_SKIP = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_TOKEN = re.compile(rb"<<|>>|\[|\]|\(|<[0-9A-Fa-f\x00\t\n\x0c\r ]*>|/" + _REGULAR + rb"*|" + _REGULAR + rb"+")
_INTEGER = re.compile(rb"[0-9]{1,10}(?![0-9])")
_HEADER_NUMBER = re.compile(rb"(?<![0-9])([0-9]{1,10})(?![0-9])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PARENTHESIS_OR_ESCAPE = re.compile(rb"[()\\]")
#: How deep values may nest, and how many tokens one reading may take: a destination has six, an
#: action a dozen; a file of nested brackets or of a million entries is refused, not read. And how
#: many numbers of object streams' headers a file may have read: two for each of 100 000 objects,
#: where a PDF of 5 MB holds a few thousand.
MAX_DEPTH, MAX_TOKENS, MAX_HEADER_NUMBERS = 16, 4096, 200_000


class Unreadable(Exception):
    """The bytes do not read as a PDF value within the limits."""


class Budget:
    """How many more tokens the readings that share it may take, and how many numbers of object
    streams' headers."""

    def __init__(self, tokens: int = MAX_TOKENS, numbers: int = MAX_HEADER_NUMBERS) -> None:
        self.tokens, self.numbers = tokens, numbers

    def spend(self) -> None:
        self.tokens -= 1
        if self.tokens < 0:
            raise Unreadable("too many tokens")

    def spend_numbers(self, count: int) -> None:
        self.numbers -= count
        if self.numbers < 0:
            raise Unreadable("too many objects in object streams")


@dataclass(frozen=True)
class Name:
    value: bytes


@dataclass(frozen=True)
class Reference:
    number: int
    generation: int


@dataclass(frozen=True)
class Dictionary:
    """A dictionary's entries in their order; a key written twice keeps both values."""

    entries: tuple[tuple[bytes, Value], ...]

    def values(self, key: bytes) -> list[Value]:
        return [value for name, value in self.entries if name == key]

    def integer(self, key: bytes) -> int | None:
        """The key's value when it is written once as a plain integer (not a reference)."""
        found = self.values(key)
        return found[0] if len(found) == 1 and type(found[0]) is int else None


#: What a value reads as: a :class:`Dictionary`, an array (a tuple), a :class:`Name`, a
#: :class:`Reference`, an ``int``, or ``None`` for anything else (a string, a real, a keyword).
Value = Dictionary | tuple | Name | Reference | int | None


def unescape_names(data: bytes) -> bytes:
    """``/J#61vaScript`` is ``/JavaScript`` to a PDF reader (names may escape any byte as #xx)."""
    return _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def read_value(text: bytes, at: int, *, budget: Budget) -> tuple[Value, int]:
    """The value that starts at ``at`` (after any whitespace) and where it ends. Raises
    :class:`Unreadable`."""
    return _Reader(text, budget).value(at, 0)


class _Reader:
    def __init__(self, text: bytes, budget: Budget) -> None:
        self.text, self.budget = text, budget

    def token(self, at: int) -> tuple[bytes, int]:
        self.budget.spend()
        found = _TOKEN.match(self.text, _SKIP.match(self.text, at).end())  # type: ignore[union-attr]
        if found is None:
            raise Unreadable("no token")
        return found.group(), found.end()

    def value(self, at: int, depth: int) -> tuple[Value, int]:
        if depth > MAX_DEPTH:
            raise Unreadable("nested too deep")
        token, end = self.token(at)
        if token == b"<<":
            return self.dictionary(end, depth)
        if token == b"[":
            items: list[Value] = []
            while True:
                closing, after = self.token(end)
                if closing == b"]":
                    return tuple(items), after
                item, end = self.value(end, depth + 1)
                items.append(item)
        if token == b"(":
            return None, _string_end(self.text, end)
        if token.startswith(b"/"):
            return Name(unescape_names(token[1:])), end
        if token in (b">>", b"]"):
            raise Unreadable("a closing bracket without its opening")
        if token.startswith(b"<"):
            return None, end  # a hexadecimal string
        if _INTEGER.fullmatch(token):
            return self.reference_or_integer(int(token), end)
        return None, end  # a real, true, false, null or another keyword

    def dictionary(self, at: int, depth: int) -> tuple[Dictionary, int]:
        entries: list[tuple[bytes, Value]] = []
        while True:
            key, end = self.token(at)
            if key == b">>":
                return Dictionary(tuple(entries)), end
            if not key.startswith(b"/"):
                raise Unreadable("a dictionary key that is not a name")
            value, at = self.value(end, depth + 1)
            entries.append((unescape_names(key[1:]), value))

    def reference_or_integer(self, number: int, at: int) -> tuple[Value, int]:
        """``3 0 R`` is one value, a reference; ``3 0`` alone is two integers."""
        try:
            generation, end = self.token(at)
            keyword, after = self.token(end)
        except Unreadable:
            return number, at
        if _INTEGER.fullmatch(generation) and keyword == b"R":
            return Reference(number, int(generation)), after
        return number, at


def _string_end(text: bytes, at: int) -> int:
    """After the ``)`` that closes the string whose ``(`` is before ``at``: parentheses nest, and a
    backslash escapes the byte after it."""
    depth = 1
    while True:
        found = _PARENTHESIS_OR_ESCAPE.search(text, at)
        if found is None:
            raise Unreadable("a string without its end")
        at = found.end()
        byte = found.group()
        if byte == b"\\":
            at += 1
        elif byte == b"(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return at


def definitions(text: bytes, reference: Reference, *, budget: Budget) -> list[Value]:
    """Every value that ``text`` defines as ``reference`` (``3 0 obj … endobj``): with incremental
    updates, or a decoy written before the real one, an object can be defined more than once, and
    which one a reader takes depends on a cross-reference table this does not read. Numbers may
    be written with leading zeros and comments may stand between the words, as readers allow."""
    gap = rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*[\r\n])+"
    # The number first, written out: the regex engine then looks for its digits at memory speed,
    # where a look back or leading zeros at the start of the pattern would test every byte.
    header = re.compile(rb"%d%s0*%d%sobj(?!%s)" % (reference.number, gap, reference.generation, gap, _REGULAR))
    found = []
    for match in header.finditer(text):
        before = match.start()
        while before and text[before - 1] == 0x30:
            before -= 1
        if before and 0x30 <= text[before - 1] <= 0x39:
            continue  # the end of a larger number: 18 is not 8, 108 is not 8; 008 is
        value, _ = read_value(text, match.end(), budget=budget)
        found.append(value)
    return found


def object_stream_index(dictionary: bytes | None, data: bytes, *, budget: Budget) -> dict[int, list[int]] | None:
    """Where an unpacked object stream holds each of its objects (number → offsets in ``data``), read
    as PDF readers do: its header lists /N pairs of an object number and an offset, counted from
    /First (from 0 when /First is missing, as MuPDF reads it). ``None`` when this cannot be known:
    a dictionary that could not be read, or /N or /First given other than as a plain integer (a
    reader would look the reference up). A dictionary without /N (an /N in a dictionary inside it,
    as a shading's function has) yields nothing: no reader takes an object from that stream. The
    header's numbers are taken as they come, past anything between them that a reader would stop
    at: a header read wrong adds objects to judge, it hides none."""
    if dictionary is None:
        return None
    try:
        read, _ = read_value(dictionary, 0, budget=budget)
    except Unreadable:
        return None
    if not isinstance(read, Dictionary):
        return None
    if not read.values(b"N"):
        return {}
    count, first = read.integer(b"N"), read.integer(b"First")
    if count is None or (first is None and read.values(b"First")):
        return None
    budget.spend_numbers(2 * count)
    numbers = [int(found.group(1)) for found in itertools.islice(_HEADER_NUMBER.finditer(data), 2 * count)]
    index: dict[int, list[int]] = {}
    for number, offset in zip(numbers[::2], numbers[1::2], strict=False):
        index.setdefault(number, []).append((first or 0) + offset)
    return index
