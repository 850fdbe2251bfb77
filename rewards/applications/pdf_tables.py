"""Where a PDF's cross-reference tables list its objects, read as readers read them: classic
tables (``xref`` … ``trailer``) as writers write them, and cross-reference streams (/W, /Index,
/FlateDecode and PNG predictors). Used by the upload check to look up the object an opening
action names (decisions 174, 179). Pure functions over bytes, bounded in work."""

from __future__ import annotations

import re
import zlib

from .pdf_objects import _WHITE, Budget, Dictionary, Name, Unreadable, Value, read_value

# Cross-reference streams ------------------------------------------------------------------------

#: How much of a cross-reference stream is unpacked (a row of 5 to 7 bytes an object: a PDF of
#: 20 MB has far fewer than half a million objects), and how many bytes of rows are undone one by
#: one when a PNG predictor filters them other than all by "up" (as every writer met does).
_XREF_UNPACKED, _ROWS_ONE_BY_ONE = 4 * 1024 * 1024, 256 * 1024
_FLATE = (Name(b"FlateDecode"), Name(b"Fl"))


class CrossReferenceStream:
    """A cross-reference stream, read as readers read one: its /W, /Index (or /Size) and /Filter
    in place and written once, /FlateDecode, no predictor or PNG's. Raises :class:`Unreadable`
    when it cannot be so read, or its data does not unpack whole within the caps."""

    def __init__(self, dictionary: bytes | None, data: bytes, *, budget: Budget) -> None:
        self.widths, self.sections, predictor, packed = _xref_fields(dictionary, budget)
        self.table = _XrefTable(data, predictor, budget, packed=packed)

    def places(self, number: int) -> list[tuple[int, int]]:
        """Where the stream puts object ``number`` when it lists it as compressed (type 2): the
        object stream's number and the object's index in it; none when it lists it otherwise
        or not at all (each subsection that lists it counts: readers differ on which one wins)."""
        return [(stream, index) for kind, stream, index in self.entries(number) if kind == 2]

    def entries(self, number: int) -> list[tuple[int, int, int]]:
        """Each entry the stream has for object ``number``: its type (1 when /W gives the type
        no bytes) and its two fields."""
        widths, width = self.widths, sum(self.widths)
        rows = [before + number - start for start, count, before in self.sections if start <= number < start + count]
        if len(rows) > _SUBSECTIONS_READ:
            raise Unreadable("an object listed in too many subsections")
        found = []
        for row in rows if width else []:
            entry = self.table.read(row * width, width)
            if entry is None:
                continue  # past the end of the data: a reader finds nothing there
            kind = int.from_bytes(entry[: widths[0]], "big") if widths[0] else 1
            field = int.from_bytes(entry[widths[0] : widths[0] + widths[1]], "big")
            found.append((kind, field, int.from_bytes(entry[widths[0] + widths[1] :], "big")))
        return found


#: How many subsections of one cross-reference stream may list the same object (an honest one:
#: one; an update lists each object it rewrites once).
_SUBSECTIONS_READ = 4
#: A PNG predictor: the length of a row and the bytes a pixel takes.
_Predictor = tuple[int, int]
_MISSING = object()


def _xref_fields(
    dictionary: bytes | None, budget: Budget
) -> tuple[tuple[int, int, int], list[tuple[int, int, int]], _Predictor | None, bool]:
    """/W, the subsections of /Index (first number, count, rows before it), the predictor, and
    whether the table is compressed."""
    if dictionary is None:
        raise Unreadable("a dictionary that does not read")
    read, _ = read_value(dictionary, 0, budget=budget)
    if not isinstance(read, Dictionary):
        raise Unreadable("not a dictionary")
    widths = _only(read, b"W")
    if not (isinstance(widths, tuple) and len(widths) == 3 and all(type(w) is int and w <= 8 for w in widths)):
        raise Unreadable("/W")
    index = _only(read, b"Index", None)
    if index is None:
        index = (0, _only(read, b"Size"))
    if not (isinstance(index, tuple) and len(index) % 2 == 0 and all(type(n) is int for n in index)):
        raise Unreadable("/Index")
    sections, before = [], 0
    for start, count in zip(index[::2], index[1::2], strict=True):
        sections.append((start, count, before))
        before += count
    filters = _only(read, b"Filter", None)
    if filters is None or filters == ():
        return (widths[0], widths[1], widths[2]), sections, None, False  # the table as written
    if filters not in (*_FLATE, *((kind,) for kind in _FLATE)):
        raise Unreadable("a filter other than /FlateDecode")
    parameters = _only(read, b"DecodeParms", None)
    if isinstance(parameters, tuple) and len(parameters) == 1:
        parameters = parameters[0]
    if parameters is None:
        return (widths[0], widths[1], widths[2]), sections, None, True
    if not isinstance(parameters, Dictionary):
        raise Unreadable("/DecodeParms")
    predictor = _only(parameters, b"Predictor", 1)
    if predictor == 1:
        return (widths[0], widths[1], widths[2]), sections, None, True
    columns, colours, bits = _only(parameters, b"Columns", 1), _only(parameters, b"Colors", 1), _only(parameters, b"BitsPerComponent", 8)
    if type(predictor) is not int or not 10 <= predictor <= 15:
        raise Unreadable("a predictor other than PNG's")
    if not (type(columns) is int and type(colours) is int and type(bits) is int and columns and colours and bits):
        raise Unreadable("/DecodeParms")
    return (widths[0], widths[1], widths[2]), sections, ((columns * colours * bits + 7) // 8, max(1, (colours * bits + 7) // 8)), True


def _only(dictionary: Dictionary, key: bytes, default: object = _MISSING) -> Value:
    """The key's one value, or ``default`` when it is not there; raises :class:`Unreadable` when it
    is written twice (readers take different ones) or missing without a default."""
    found = dictionary.values(key)
    if len(found) > 1 or (not found and default is _MISSING):
        raise Unreadable("a key written twice or missing")
    return found[0] if found else default  # type: ignore[return-value]


class _XrefTable:
    """A cross-reference stream's table: unpacked, and its rows' predictor undone where read."""

    def __init__(self, data: bytes, predictor: _Predictor | None, budget: Budget, *, packed: bool) -> None:
        self.predictor = predictor
        if not packed:
            self.raw = data
            return
        unpacker = zlib.decompressobj()
        try:
            self.raw = unpacker.decompress(data, _XREF_UNPACKED)
        except zlib.error as error:
            raise Unreadable("does not unpack") from error
        budget.spend_table_bytes(len(self.raw))
        if not unpacker.eof:
            raise Unreadable("cut short or past the cap")

    def read(self, at: int, size: int) -> bytes | None:
        """``size`` bytes of the table from ``at``; ``None`` past its end."""
        if self.predictor is None:
            found = self.raw[at : at + size]
            return found if len(found) == size else None
        length, pixel = self.predictor
        stride = length + 1
        last = (at + size - 1) // length
        if (last + 1) * stride > len(self.raw):
            return None
        kinds = self.raw[0 : (last + 1) * stride : stride]
        if kinds.count(2) == len(kinds):
            # Every row "up" (as every writer met filters it): a byte is its column's sum so far.
            return bytes(
                sum(self.raw[1 + spot % length : (spot // length) * stride + 2 + spot % length : stride]) & 0xFF
                for spot in range(at, at + size)
            )
        if (last + 1) * stride > _ROWS_ONE_BY_ONE:
            raise Unreadable("too many rows to undo one by one")
        rows, above = bytearray(), bytes(length)
        for row in range(last + 1):
            above = _unfilter(self.raw[row * stride], self.raw[row * stride + 1 : (row + 1) * stride], above, pixel)
            rows += above
        return bytes(rows[at : at + size])


def _unfilter(kind: int, row: bytes, above: bytes, pixel: int) -> bytes:
    """One row of a PNG predictor undone: none, sub, up, average or Paeth."""
    if kind == 0:
        return row
    out = bytearray(row)
    for i in range(len(out)):
        left = out[i - pixel] if i >= pixel else 0
        corner = above[i - pixel] if i >= pixel else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 2:
            out[i] = (out[i] + above[i]) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + (left + above[i]) // 2) & 0xFF
        elif kind == 4:
            estimate = left + above[i] - corner
            nearest = min((abs(estimate - left), 0, left), (abs(estimate - above[i]), 1, above[i]), (abs(estimate - corner), 2, corner))
            out[i] = (out[i] + nearest[2]) & 0xFF
        else:
            raise Unreadable("an unknown PNG filter")
    return bytes(out)


# Classic cross-reference tables -----------------------------------------------------------------

#: A table as writers write one: ``xref``, then subsections (first number and count), each entry
#: a 10-digit offset, a 5-digit generation and ``n`` or ``f``.
_XREF_HEAD = re.compile(rb"xref[ \t]*(?:\r\n|\r|\n)")
_SUBSECTION = re.compile(rb"([0-9]{1,10}) ([0-9]{1,10})[ \t]*(?:\r\n|\r|\n)")
_ENTRIES = re.compile(rb"(?:[0-9]{10} [0-9]{5} [fn][ \t]*(?:\r\n|\r|\n))*+")
_ENTRY = re.compile(rb"([0-9]{10}) [0-9]{5} ([fn])")
_TRAILER = re.compile(rb"%s*trailer" % _WHITE)
#: What a reader could take for a table: ``xref`` then, after whitespace, a number or a comment
#: (MuPDF reads subsections after whitespace, pdf.js word by word); ``startxref`` is not one.
_XREF_ATTEMPT = re.compile(rb"xref(?<!startxref)%s*+[0-9+\-.%%]" % _WHITE)
#: How many tables are read (an update adds one), and how many entries and subsections in all (a
#: PDF of 20 MB lists far fewer than 200 000 objects, an update a subsection for each run of
#: objects it rewrote); past either, the tables are not known.
_CLASSIC_TABLES, _CLASSIC_ENTRIES = 64, 200_000
#: What a subsection costs of that, in entries (each is a step in Python: at most some 3 000).
_SUBSECTION_COST = 64


class Tables:
    """Where the file's cross-reference tables list objects: its classic tables, read as writers
    write them (``known`` is false when one a reader could take is written otherwise), and its
    cross-reference streams; and the file reversed, where headers are searched."""

    def __init__(self, text: bytes, streams: list[CrossReferenceStream]) -> None:
        self.streams, self.known, self.backwards = streams, True, text[::-1]
        self.classic: list[tuple[int, list[tuple[bytes, bytes]]]] = []
        budget = _CLASSIC_ENTRIES
        for count, attempt in enumerate(_XREF_ATTEMPT.finditer(text)):
            subsections = _classic_table(text, attempt.start(), budget) if count < _CLASSIC_TABLES else None
            if subsections is None:
                self.known = False
                break
            budget -= sum(len(rows) + _SUBSECTION_COST for _, rows in subsections)
            self.classic.extend(subsections)

    def offsets(self, number: int) -> list[int]:
        """Where the tables list object ``number`` in use (each that does: readers differ on which
        wins). pdf.js counts a subsection said to start at 1 from 0 when its first entry is free."""
        found = [offset for stream in self.streams for kind, offset, _ in stream.entries(number) if kind == 1]
        for first, rows in self.classic:
            shifted = first == 1 and bool(rows) and rows[0][1] == b"f"
            for index in {number - first, number} if shifted else {number - first}:
                if 0 <= index < len(rows) and rows[index][1] == b"n":
                    found.append(int(rows[index][0]))
        return found


def _classic_table(text: bytes, at: int, budget: int) -> list[tuple[int, list[tuple[bytes, bytes]]]] | None:
    """The subsections of the table at ``at`` (first number, entries), or ``None`` when it is not
    written as writers write one, or holds more than ``budget`` entries and subsections."""
    head = _XREF_HEAD.match(text, at)
    if head is None:
        return None
    at, subsections = head.end(), []
    while (subsection := _SUBSECTION.match(text, at)) is not None:
        first, count = int(subsection.group(1)), int(subsection.group(2))
        budget -= count + _SUBSECTION_COST
        if budget < 0:
            return None
        run = _ENTRIES.match(text, subsection.end())
        rows = _ENTRY.findall(run.group())  # type: ignore[union-attr]
        if len(rows) != count:
            return None
        subsections.append((first, rows))
        at = run.end()  # type: ignore[union-attr]
    return subsections if subsections and _TRAILER.match(text, at) else None
