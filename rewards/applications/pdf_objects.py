"""Reading one PDF value from bytes, and finding an indirect object by its number, for the few
places where the upload check must know what a key holds, not only that it is there (the
document's opening action, an object stream's header, a cross-reference stream's entry). Not a
PDF parser: which definition of an object a reader takes depends on cross-reference tables and
on how it repairs a broken file, so every definition any reader could take is found, and the
caller requires all of them to be harmless. Pure functions over bytes, bounded in work."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pdf_tables import Tables

_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
#: Whitespace and comments between tokens (a comment runs to the end of its line).
_SKIP = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_TOKEN = re.compile(rb"<<|>>|\[|\]|\(|<[0-9A-Fa-f\x00\t\n\x0c\r ]*>|/" + _REGULAR + rb"*|" + _REGULAR + rb"+")
_INTEGER = re.compile(rb"[0-9]{1,10}(?![0-9])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PARENTHESIS_OR_ESCAPE = re.compile(rb"[()\\]")
#: How deep values may nest, and how many tokens one reading may take: a destination has six, an
#: action a dozen; a file of nested brackets or of a million entries is refused, not read. And how
#: many numbers of object streams' headers a file may have read: two for each of 100 000 objects,
#: where a PDF of 5 MB holds a few thousand. And how many bytes of cross-reference streams may be
#: unpacked in all (an honest table is a few kilobytes; one an update adds, smaller).
MAX_DEPTH, MAX_TOKENS, MAX_HEADER_NUMBERS, MAX_TABLE_BYTES = 16, 4096, 200_000, 16 * 1024 * 1024


class Unreadable(Exception):
    """The bytes do not read as a PDF value within the limits."""


class Budget:
    """How many more tokens the readings that share it may take, how many numbers of object
    streams' headers, and how many bytes of cross-reference streams unpacked."""

    def __init__(self, tokens: int = MAX_TOKENS, numbers: int = MAX_HEADER_NUMBERS, table_bytes: int = MAX_TABLE_BYTES) -> None:
        self.tokens, self.numbers, self.table_bytes = tokens, numbers, table_bytes

    def spend(self) -> None:
        self.tokens -= 1
        if self.tokens < 0:
            raise Unreadable("too many tokens")

    def spend_numbers(self, count: int) -> None:
        self.numbers -= count
        if self.numbers < 0:
            raise Unreadable("too many objects in object streams")

    def spend_table_bytes(self, count: int) -> None:
        self.table_bytes -= count
        if self.table_bytes < 0:
            raise Unreadable("too many bytes of cross-reference streams")


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


def definitions(text: bytes, reference: Reference, *, budget: Budget, tables: Tables | None = None) -> list[Value]:
    """Every value that ``text`` defines as object ``reference.number`` (``8 0 obj … endobj``), of
    any generation: MuPDF (``pdf_cache_object``) and PDFium (``CPDF_Reference`` keeps the number
    alone) take whatever the table lists for the number, whatever generation the reference names.
    With incremental updates, or a decoy written before the real one, an object can be defined
    more than once, and which one a reader takes depends on its table and on how it repairs a
    broken file, so each counts: each header a reader reading word by word finds
    (:func:`_object_starts`), and what stands at each place ``tables`` list for the object, where
    a reader goes straight, even into the middle of a longer number (the ``8`` of ``18 0 obj``)."""
    return [read_value(text, at, budget=budget)[0] for at in _value_starts(text, reference.number, tables, budget)]


def stream_keywords(text: bytes, number: int, *, budget: Budget, tables: Tables | None = None) -> list[int]:
    """Where the ``stream`` keyword of each plain definition of object ``number`` (of any
    generation) starts: how an object stream named by its number in a cross-reference stream is
    found. A definition that is not a stream adds nothing."""
    found = []
    for at in _value_starts(text, number, tables, budget):
        value, end = read_value(text, at, budget=budget)
        keyword = _SKIP.match(text, end).end()  # type: ignore[union-attr]
        if isinstance(value, Dictionary) and _STREAM_KEYWORD.match(text, keyword):
            found.append(keyword)
    return found


def _value_starts(text: bytes, number: int, tables: Tables | None, budget: Budget) -> list[int]:
    """Where each definition's value starts: after each header found, and after the header at
    each place the tables list. A place where no header stands (a broken table: readers then
    rebuild it, finding the headers found here) adds nothing; one whose words a reader reads
    otherwise than this one (``8 0obj``) cannot be judged."""
    known = tables is not None and tables.known
    starts = _object_starts(text, number, inside=not known, backwards=tables.backwards if tables is not None else None)
    for at in tables.offsets(number) if tables is not None else []:
        reader = _Reader(text, budget)
        try:
            _, end = reader.token(at)
            _, end = reader.token(end)
            keyword, end = reader.token(end)
        except Unreadable:
            keyword = b""
        if keyword == b"obj":
            starts.append(end)
        elif _GLUED_HEADER.match(text, at):
            raise Unreadable("a header read otherwise by a reader")
    return sorted(set(starts))


_WHITE = rb"[\x00\t\n\x0c\r ]"
_NUMBER = rb"[0-9+\-.eE]"
#: Headers are found from their end, in the file reversed (``jbo`` for ``obj``): the search then
#: starts only where ``obj`` is, and reads each byte a bounded number of times whatever the bytes
#: (searching from the number, ``8%8%8%…`` went back over the rest of the line from each ``8``:
#: 82 s of CPU for 200 KB; decision 179). Read forwards, a header is the object's number, maybe
#: followed by a sign, point or exponent and more such characters (``8.0`` and ``8e0`` are 8 to
#: pdf.js, ``8.5`` to PDFium, which reads the first digits of a word of digits, signs and points;
#: MuPDF starts a new number at a sign, so ``8-0 obj`` is object 8), whitespace and a generation
#: (any), and ``obj``, after whitespace or right after the number; each word of at most 32
#: characters. What stands in front of the number is looked at afterwards.
_HEADER_END = rb"jbo(?<!%sjbo)%s*+(?:%s{1,32}+%s++)?(?:%s{0,32}[+\-.eE])?" % (_REGULAR, _WHITE, _NUMBER, _WHITE, _NUMBER)
#: A header whose number has an exponent, which pdf.js reads as any value (``80e-1`` is 8); and a
#: header with a comment between its words, which no writer writes: each a header of any object.
#: Reversed, a comment is its bytes after a line end and the ``%`` that starts it: the first ``%``
#: of its line, as a reader reading word by word finds it (taken at once, never reconsidered).
_COMMENT_BACKWARDS = rb"(?<=[\r\n])(?>[^\r\n]*%)"
_ANY_HEADER = re.compile(
    rb"jbo(?<!%sjbo)(?:%s*+(?:%s{1,32}+%s++)?[0-9+\-.]{0,32}+[eE]|%s*+(?:%s{1,32}+%s*+)?%s(?:%s|%s)*+%s)"
    % (_REGULAR, _WHITE, _NUMBER, _WHITE, _WHITE, _NUMBER, _WHITE, _COMMENT_BACKWARDS, _WHITE, _COMMENT_BACKWARDS, _NUMBER)
)
#: A header as MuPDF or pdf.js may read one where this reader reads other words: ``8 0obj``,
#: ``8-0 obj`` (comments between the words this reader reads as they do).
_GLUED_HEADER = re.compile(rb"%s*+%s{1,32}+(?:%s*+%s{1,32}+)?%s*+obj" % (_WHITE, _NUMBER, _WHITE, _NUMBER, _WHITE))
#: How far back zeros and signs in front of a number are looked at, how many headers of one
#: object are read (an honest file has one, and one more for each update that rewrote it), and
#: how many are looked at, with those whose number ends a longer one (``18 0 obj`` for object 8:
#: a tenth of the headers of a file numbered from 1; a PDF of 20 MB has far fewer than 500 000).
#: And how many ``obj`` the file may hold (one in a header and one in ``endobj`` an object).
_PREFIX_READ, _HEADERS_READ, _HEADERS_EXAMINED, _OBJ_WORDS = 64, 256, 50_000, 1_000_000


def _object_starts(text: bytes, number: int, *, inside: bool, backwards: bytes | None = None) -> list[int]:
    """Where the value of each header of object ``number`` that a reader reading word by word
    could take starts (``backwards``: the text reversed, when already made). A number that ends
    a longer one (the ``8`` of ``18``, ``108``, ``1+8``) counts only when ``inside`` (a reader goes
    there only if a table lists the place, and the tables could not all be read); leading zeros
    and a sign count (``008``, ``+8``). Raises :class:`Unreadable` past :data:`_HEADERS_READ`."""
    backwards = text[::-1] if backwards is None else backwards
    if backwards.count(b"jbo") > _OBJ_WORDS:
        raise Unreadable("too many obj")
    header = re.compile(_HEADER_END + str(number)[::-1].encode())
    size, starts = len(text), []
    for examined, match in enumerate(itertools.chain(header.finditer(backwards), _ANY_HEADER.finditer(backwards))):
        if examined == _HEADERS_EXAMINED:
            raise Unreadable("too many headers")
        if match.re is header:
            before = size - match.end()  # where the number starts, read forwards
            kept = text[max(0, before - _PREFIX_READ) : before].rstrip(b"0+-")
            if not inside and kept and 0x30 <= kept[-1] <= 0x39:
                continue  # the end of a larger number: 18 is not 8, 108 is not 8; 008 is
        starts.append(size - match.start())
        if len(starts) > _HEADERS_READ:
            raise Unreadable("too many headers")
    return starts


# Object streams ---------------------------------------------------------------------------------

#: The ``stream`` keyword after a stream's dictionary.
_STREAM_KEYWORD = re.compile(rb"stream(?!" + _REGULAR + rb")")
#: MuPDF, pdf.js and Poppler read an object stream's header word by word and give up on the
#: stream at the first word that is not an integer, so all they can take lies in the run of
#: numbers, whitespace and comments that its data starts with.
_NUMERIC_RUN = re.compile(rb"(?:[\x00\t\n\x0c\r 0-9+\-.]+|%[^\r\n]*)*")
_NUMERIC_WORD = re.compile(rb"%[^\r\n]*|[0-9+\-.]+")
_DIGITS = re.compile(rb"[0-9]{1,10}")
#: A word as PDFium reads one: a name, ``<<`` or ``>>``, another delimiter alone, or a run of
#: regular characters; a word of digits, signs and points is a number, read to its first other
#: character after a sign (``FXSYS_atoui``), any other word reads as 0.
_PDFIUM_WORD = re.compile(rb"/" + _REGULAR + rb"*|<<|>>|[()<>\[\]{}]|" + _REGULAR + rb"+")
_PDFIUM_NUMBER = re.compile(rb"([+-]?)([0-9]*)[0-9+\-.]*")


@dataclass(frozen=True)
class ObjectStream:
    """What a stream's dictionary says of the objects it may hold. ``typed``: whether a reader
    rebuilding a broken file takes objects from it without a cross-reference stream naming it
    (its /Type is /ObjStm, or could resolve to it); ``count`` and ``first``: its /N and /First
    (``None`` when not given); ``known``: whether that can be told (a dictionary that does not
    read, or an /N or /First given other than as a plain integer, which a reader would look up,
    cannot)."""

    typed: bool
    known: bool
    count: int = 0
    first: int | None = None


@dataclass(frozen=True)
class ObjectStreamHeader:
    """Where an unpacked object stream holds its objects, as each reader finds one: by the number
    the header gives it (MuPDF; PDFium, which reads the header its own way: ``pdfium``, its pairs
    where they differ), and by its place in the header (pdf.js takes the object a cross-reference
    stream names by its index, whatever number the header gives it). Offsets count from the start
    of the data."""

    numbers: list[int]
    placed: list[int]
    pdfium: list[tuple[int, int]]

    def numbered(self, number: int) -> list[int]:
        """The offsets of the objects the header gives ``number``."""
        found, at = [], -1
        while True:
            try:
                at = self.numbers.index(number, at + 1)  # a search in C: headers hold thousands
            except ValueError:
                break
            if at < len(self.placed):
                found.append(self.placed[at])
        return found + [offset for pair, offset in self.pdfium if pair == number]


def object_stream(dictionary: bytes | None, *, budget: Budget) -> ObjectStream:
    """What the dictionary of a stream that may be an object stream says (:class:`ObjectStream`).
    A dictionary without /N (an /N in a dictionary inside it, as a shading's function has) holds
    no objects."""
    if dictionary is None:
        return ObjectStream(typed=True, known=False)
    try:
        read, _ = read_value(dictionary, 0, budget=budget)
    except Unreadable:
        return ObjectStream(typed=True, known=False)
    if not isinstance(read, Dictionary):
        return ObjectStream(typed=True, known=False)
    typed = any(kind == Name(b"ObjStm") or kind is None or isinstance(kind, Reference) for kind in read.values(b"Type"))
    if not read.values(b"N"):
        return ObjectStream(typed=typed, known=True)
    count, first = read.integer(b"N"), read.integer(b"First")
    if count is None or (first is None and read.values(b"First")):
        return ObjectStream(typed=typed, known=False)
    return ObjectStream(typed=typed, known=True, count=count, first=first)


def object_stream_header(stream: ObjectStream, data: bytes, *, budget: Budget) -> ObjectStreamHeader:
    """Where the objects of a known object stream are (:class:`ObjectStreamHeader`). Raises
    :class:`Unreadable` when a header's first numbers hold a sign, a decimal point or an
    exponent, which each reader reads its own way (MuPDF reads ``--5`` as two numbers, pdf.js as
    one; ``5.0`` and ``5e0`` are integers to pdf.js alone), or when too many objects are read."""
    budget.spend_numbers(2 * stream.count)
    strict = _strict_header(data, stream.count)
    if strict is None:
        raise Unreadable("a header the readers read differently")
    numbers, clean = strict
    start = stream.first or 0
    placed = [start + offset for offset in numbers[1::2]]
    pdfium: list[tuple[int, int]] = []
    if stream.typed and stream.first is not None and not clean:
        # PDFium reads only a stream typed /ObjStm with a plain /N and /First, and its words as 0
        # where they are not numbers; where the header is plain numbers, it reads what MuPDF does.
        pdfium = [(number, start + offset) for number, offset in _pdfium_header(data, stream.count) if number and offset >= 0]
    return ObjectStreamHeader(numbers[::2][: len(placed)], placed, pdfium)


#: A numeric run of digits and whitespace only, as every writer's header is.
_PLAIN_RUN = re.compile(rb"[0-9\x00\t\n\x0c\r ]*")
_WHITESPACE = b"\x00\t\n\x0c\r "
_NUL_TO_SPACE = bytes.maketrans(b"\x00", b" ")


def _strict_header(data: bytes, count: int) -> tuple[list[int], bool] | None:
    """The header's numbers as MuPDF, pdf.js and Poppler read them: up to ``2 * count`` integers
    from the numeric run the data starts with (:data:`_NUMERIC_RUN`), and whether that is all of
    them, the last ended by whitespace, a delimiter or the end, so that PDFium reads them alike.
    ``None`` when a sign, a point, an exponent or more than ten digits make the readers differ."""
    end = _NUMERIC_RUN.match(data).end()  # type: ignore[union-attr]
    run = data[:end]
    if _PLAIN_RUN.fullmatch(run):  # as writers write it: split in C
        words = run.translate(_NUL_TO_SPACE).split()
        if len(words) > 2 * count:
            words, last = words[: 2 * count], -1  # whitespace follows the last one read
        else:
            last = len(run.rstrip(_WHITESPACE))
        if words and max(map(len, words)) > 10:
            return None
        numbers = list(map(int, words))
    else:
        numbers, last = [], 0
        for word in _NUMERIC_WORD.finditer(data, 0, end):
            if word.group().startswith(b"%"):
                continue
            if not _DIGITS.fullmatch(word.group()):
                return None
            numbers.append(int(word.group()))
            last = word.end()
            if len(numbers) == 2 * count:
                break
    if last < 0:
        return numbers, True
    if numbers and data[last : last + 1] in (b"e", b"E"):
        return None  # 5e3 is 5000 to pdf.js, 5 to MuPDF
    return numbers, len(numbers) == 2 * count and _word_ends(data, last)


def _word_ends(data: bytes, at: int) -> bool:
    return at == len(data) or _REGULAR_BYTE.match(data, at) is None


_REGULAR_BYTE = re.compile(_REGULAR)


def _pdfium_header(data: bytes, count: int) -> list[tuple[int, int]]:
    """The header's (number, offset) pairs as PDFium reads them (``CPDF_ObjectStream``): words,
    each a number or 0, until ``count`` pairs are read or the data ends; a negative number is
    returned as -1 (it wraps around past any object and offset)."""
    pairs, at = [], 0
    for _ in range(count):
        at = _SKIP.match(data, at).end()  # type: ignore[union-attr]
        if at >= len(data):
            break
        number, at = _pdfium_number(data, at)
        offset, at = _pdfium_number(data, at)
        pairs.append((number, offset))
    return pairs


def _pdfium_number(data: bytes, at: int) -> tuple[int, int]:
    word = _PDFIUM_WORD.match(data, _SKIP.match(data, at).end())  # type: ignore[union-attr]
    if word is None:
        return 0, len(data)
    number = _PDFIUM_NUMBER.fullmatch(word.group())
    if number is None or not number.group(2):
        return 0, word.end()
    digits = number.group(2).lstrip(b"0") or b"0"
    value = int(digits) if len(digits) <= 10 else _UINT32_MAX
    if number.group(1) == b"-" and value:
        return -1, word.end()
    return min(value, _UINT32_MAX), word.end()


_UINT32_MAX = 2**32 - 1
