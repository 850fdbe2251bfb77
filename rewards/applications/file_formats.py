"""What a material's bytes are: where a JPEG or PNG ends, markup hidden in an image, and
active content in a PDF (SECURITY.md 13). Pure functions over bytes; the checks that use them
and the storage are in :mod:`.materials`."""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from . import hidden_markup, pdf_objects, pdf_tables
from .pdf_objects import unescape_names

_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


#: What may follow an image's end: the zero bytes or line ends some phones and tools pad files with.
_PADDING = re.compile(rb"[\x00\t\n\r ]*")
#: :func:`image_end`'s answers when the file stops before the image's end, is not built as its
#: format says, or holds markup (when asked to look).
CUT_SHORT, MALFORMED, SMUGGLED = -1, -2, -3


def image_end(content: bytes, content_type: str, *, markup: bool = False) -> int:
    """Where the image ends, read from its structure, not from the last end marker (which anything
    appended can carry): ``len(content)`` when nothing but padding follows it, an earlier offset
    when something else does, or :data:`CUT_SHORT` or :data:`MALFORMED`; with ``markup``, also
    :data:`SMUGGLED` for markup or a script anywhere in the file (found in the same pass), in a PNG's
    compressed text once unpacked (:func:`_png_texts`; :data:`MALFORMED` when it does not unpack
    within the caps), or a PDF header where PDF readers look for one, in the first 1 024 bytes
    (Acrobat, PDFium and PDF.js; a reader that goes on without one needs no header at all, so
    searching further finds nothing a reader uses, at a third of the pass's cost).

    A JPEG ends at the first end of image (EOI) after its first scan's data: segments before it are
    skipped by their lengths (an EXIF thumbnail's EOI inside APP1 is not the end), and FF D9 cannot
    occur in entropy-coded data (an FF there is followed by 00 or a restart marker). Further whole
    JPEGs may follow it: a multi-picture file (MPO: a camera's second view, a phone's depth map or
    HDR gain map, listed in the first image's MPF segment) is one JPEG after another. A Samsung
    trailer or a motion photo's video after the last image is not an image: it counts as appended."""
    if markup and content.find(b"%PDF-", 1, 1024 + 4) >= 0:
        return SMUGGLED
    if content_type == "image/png":
        packed: list[tuple[bytes, bytes]] = []
        end = _png_end(content, packed if markup else None)
        if end < 0 or not markup:
            return end
        texts = _png_texts(packed)
        if texts is None:
            return MALFORMED
        return SMUGGLED if any(hidden_markup.holds_markup(text) for text in (content, *texts)) else end
    data = _first_scan(content, 0)
    if data < 0:
        return data
    if markup:
        found_ends = hidden_markup.findings(hidden_markup.IMAGE_MARKUP, content, image=True)
    else:
        found_ends = hidden_markup.JPEG_END.finditer(hidden_markup.anchored(content, image=True))
    for found in found_ends:
        at = found.start()
        if not hidden_markup.jpeg_end_at(found):
            return SMUGGLED
        if content[at] != 0xFF or content[at + 1] != 0xD9 or at < data:
            continue  # "<" or "=" before a D9 byte, or an EOI inside a segment (a thumbnail's)
        after = _run_end(_PADDING, content, at + 2)
        if after == len(content):
            return after
        if not content.startswith(b"\xff\xd8\xff", after):
            return at + 2
        data = _first_scan(content, after)
        if data < 0:
            return data
    return CUT_SHORT


def _first_scan(content: bytes, start: int) -> int:
    """Where the entropy-coded data of the first scan of the JPEG whose SOI is at ``start`` begins:
    after the segments before it, each skipped by its length, and the start-of-scan header."""
    size, at = len(content), start + 2
    while True:
        at = content.find(b"\xff", at)  # as Pillow and libjpeg do, bytes between segments are skipped
        if at < 0 or at + 1 >= size:
            return CUT_SHORT
        marker = content[at + 1]
        if marker == 0xFF:  # fill before a marker
            at += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
        elif marker in (0x00, 0xD8, 0xD9):  # no scan before the image ends
            return MALFORMED
        elif at + 4 > size:
            return CUT_SHORT
        else:
            length = int.from_bytes(content[at + 2 : at + 4], "big")
            if length < 2:
                return MALFORMED
            at += 2 + length
            if at > size:
                return CUT_SHORT
            if marker == 0xDA:
                return at


def _png_end(content: bytes, packed: list[tuple[bytes, bytes]] | None = None) -> int:
    """After the ``IEND`` chunk and its checksum, chunk by chunk from the signature, and any
    padding; ``packed`` collects the compressed text chunks on the way (their type and data)."""
    size, at = len(content), 8
    while at + 12 <= size:
        length = int.from_bytes(content[at : at + 4], "big")
        kind = content[at + 4 : at + 8]
        if packed is not None and kind in _PACKED_TEXT:
            packed.append((kind, content[at + 8 : at + 8 + length]))
        at += 12 + length
        if kind == b"IEND":
            if length != 0 or at > size:
                return MALFORMED
            after = _run_end(_PADDING, content, at)
            return after if after == size else at
    return CUT_SHORT


#: A PNG's compressed text chunks: zTXt, and iTXt when its compression flag is set.
_PACKED_TEXT = (b"zTXt", b"iTXt")
#: How much text they may unpack to, each (Pillow's own limit) and together: a phone or an editor
#: writes a few kilobytes; a "zip bomb" of zeros unpacks a thousandfold, and is refused once the
#: cap is read, not unpacked whole. And how many there may be: an editor writes a handful, and
#: each costs a few microseconds to unpack, hundreds of thousands of tiny ones a second.
_PNG_TEXT_CHUNK, _PNG_TEXT_TOTAL, _PNG_TEXT_CHUNKS = 1024 * 1024, 4 * 1024 * 1024, 64


def _png_texts(packed: list[tuple[bytes, bytes]]) -> list[bytes] | None:
    """The texts of a PNG's compressed text chunks, unpacked, for the markup search: a viewer that
    shows a PNG's text shows it unpacked, where the file's bytes hide it. ``None`` when a chunk is
    not built as the PNG specification says (keyword, NUL, compression method 0 …), does not unpack
    whole, or unpacks past a cap, or when there are more chunks than an honest file has."""
    if len(packed) > _PNG_TEXT_CHUNKS:
        return None
    texts, left = [], _PNG_TEXT_TOTAL
    for kind, data in packed:
        keyword_end = data.find(b"\x00", 0, 80)
        if keyword_end < 1:
            return None
        if kind == b"iTXt":  # keyword, flag, method, language, NUL, translated keyword, NUL, text
            flag, method = data[keyword_end + 1 : keyword_end + 2], data[keyword_end + 2 : keyword_end + 3]
            if flag == b"\x00":
                continue  # not compressed: searched with the file
            language_end = data.find(b"\x00", keyword_end + 3)
            translated_end = data.find(b"\x00", language_end + 1) if language_end >= 0 else -1
            if flag != b"\x01" or translated_end < 0:
                return None
            text_start = translated_end + 1
        else:  # keyword, NUL, method, text
            method, text_start = data[keyword_end + 1 : keyword_end + 2], keyword_end + 2
        if method != b"\x00":
            return None
        unpacker = zlib.decompressobj()
        cap = min(_PNG_TEXT_CHUNK, left)
        try:
            text = unpacker.decompress(data[text_start:], cap + 1)
        except zlib.error:
            return None
        if len(text) > cap or not unpacker.eof:
            return None
        texts.append(text)
        left -= len(text)
    return texts


def _run_end(run: re.Pattern[bytes], data: bytes, at: int) -> int:
    """Where the run of what ``run`` matches from ``at`` on ends."""
    found = run.match(data, at)
    return found.end() if found else at


# PDF ----------------------------------------------------------------------------------------------

#: Names of what a PDF can run, fetch or carry: scripts (also in XFA forms), launching a program,
#: attached files, actions on events (`/AA`), Flash and other media, sending form data or importing
#: it, opening another file or one attached (`/GoToR`, `/GoToE`). Matched as whole names (a name
#: ends at whitespace or a delimiter): `/AAPL:Keywords`, which Apple's PDFs carry, is not `/AA`.
#: Not here: `/URI`, a link to a web page, which Word and WPS write for every address in a document
#: (a reader asks before opening one); `/AcroForm` and `/JBIG2Decode`, which plain forms and
#: scanners' black-and-white pages use; `/OpenAction`, which LibreOffice, WPS and Word write to open
#: the document at its first page, and which :func:`_opens_harmlessly` judges by what it holds.
_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|AA|XFA|RichMedia|Rendition|Movie|Sound"
    rb"|SubmitForm|ImportData|GoToR|GoToE)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
#: The name ``/OpenAction`` as it may be written, each letter itself or escaped as #xx.
_OPEN_ACTION = re.compile(
    b"/"
    + b"".join(rb"(?:%s|#%s)" % (bytes([c]), hidden_markup.either_case(f"{c:02x}").encode()) for c in b"OpenAction")
    + rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
#: How many opening actions a PDF may have: one, and one more for each incremental update that
#: rewrote its catalog. Thousands of them could not all be read cheaply.
_OPEN_ACTIONS_READ = 16
#: The keys of an object stream's dictionary that readers need, one of which every reader reads:
#: /N, the number of objects (MuPDF needs nothing more: it does not look at the type, and without
#: /First it counts the offsets from 0), /First (pdf.js, Poppler and PDFium), /Type /ObjStm (PDFium,
#: and MuPDF rebuilding a broken file). An attacker can leave out the type and /First, not /N. Other
#: streams with an /N: a colour profile (/ICCBased), a few kilobytes to unpack, and a mesh shading
#: whose function has one; in an encrypted file they do not unpack, and are suspect as an object
#: stream is.
_OBJECT_STREAM = re.compile(rb"/(?:ObjStm|First|N)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
#: The key of a stream's dictionary that every reader needs to read a cross-reference stream (the
#: widths of its fields): readers find one by the file's last ``startxref``, or, repairing a broken
#: file, by its /Type /XRef, so one is known by /W whatever its type says.
_XREF_STREAM = re.compile(rb"/W(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
#: A stream without filters is checked with the file's plain text; a predictor (PNG or TIFF)
#: stores each unpacked byte as a difference from another, so the names are not there to read.
_FILTER = re.compile(rb"/Filter(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_PREDICTOR = re.compile(rb"/Predictor(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
#: The ``stream`` keyword; its data starts on the next line, as PDF.js reads it. (The word first:
#: the search then looks for it at memory speed, where a look back first tests every byte.)
_STREAM = re.compile(rb"stream(?<![^\x00\t\n\x0c\r ()<>\[\]{}/%]stream)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])[^\r\n]*(?:\r\n|\r|\n)")
#: Between a stream's dictionary and its keyword: whitespace and comments only.
_GAP = re.compile(rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*[\r\n])*")
#: In a dictionary read backwards: the bytes that open or close something.
_DELIMITER = re.compile(rb"[<>()%]")
_PARENTHESIS = re.compile(rb"[()]")
_BACKSLASHES = re.compile(rb"\\*")
_HEX = re.compile(rb"[0-9A-Fa-f\x00\t\n\x0c\r ]*")
#: How far back a stream's dictionary is looked for: first a short reach (a dictionary is rarely
#: longer than a few hundred bytes), then a long one; one longer than that is unpacked as suspect.
#: And how much dictionary text one PDF may have read backwards in all: a few hundred bytes a
#: stream in an honest file, where thousands of ``stream`` keywords after dictionaries that never
#: close would otherwise cost seconds; past it the PDF is suspect.
_DICTIONARY_REACH, _DICTIONARY_BUDGET = (1024, 64 * 1024), 4 * 1024 * 1024
#: How much of a PDF's compressed streams is unpacked to look for scripts, per stream and in all.
_INFLATE_STREAM, _INFLATE_TOTAL = 4 * 1024 * 1024, 32 * 1024 * 1024


def _active(data: bytes) -> bool:
    return bool(_PDF_ACTIVE.search(data) or _PDF_ACTIVE.search(unescape_names(data)))


def pdf_is_active(content: bytes) -> bool:
    """A script, launch action, attached file or other active content anywhere in the PDF: in its
    plain objects, with names written in #xx escapes, or inside compressed object streams; or an
    opening action that does more than show a page (:func:`_opens_harmlessly`). Those keys live in
    dictionaries, and dictionaries are either plain objects or inside object streams, so only object
    streams are unpacked (images and page contents are not), known by any key a reader needs to
    read one (:data:`_OBJECT_STREAM`); a stream whose dictionary cannot be read is unpacked too, and
    an object stream that does not unpack whole, unpacks past the cap or through a predictor,
    counts as suspect."""
    if _active(content):
        return True
    streams = _streams(content)
    if streams is None or any(_active(data) for _, _, data in streams.objects):
        return True
    return not _opens_harmlessly(content, streams)


@dataclass(frozen=True)
class _Streams:
    """The streams an opening action's objects may be found through: each that may be an object
    stream (where its ``stream`` keyword is, its dictionary, ``None`` when it could not be read,
    and its data unpacked), and each that may be a cross-reference stream (its dictionary and its
    data as written: unpacked only if a reference must be looked up)."""

    objects: list[tuple[int, bytes | None, bytes]]
    tables: list[tuple[bytes, bytes]]


def _streams(content: bytes) -> _Streams | None:
    """The PDF's :class:`_Streams`; ``None`` when an object stream cannot be checked."""
    objects: list[tuple[int, bytes | None, bytes]] = []
    tables: list[tuple[bytes, bytes]] = []
    inflated, budget = 0, _DICTIONARY_BUDGET
    for match in _STREAM.finditer(content):  # each keyword on its own: one in a string swallows no stream
        dictionary, read = _stream_dictionary(content, match.start())
        budget -= read
        if budget < 0:
            return None  # more dictionary text than an honest PDF has: it cannot all be checked
        names = unescape_names(dictionary) if dictionary is not None else None
        # MuPDF starts the data after the byte after the keyword (and its spaces), the others after
        # the line end: a stream they read otherwise cannot be checked (decision 179).
        elsewhere = dictionary != b"" and match.group()[6:].rstrip(b"\r\n").strip(b" ")
        if elsewhere and (names is None or _XREF_STREAM.search(names) or _OBJECT_STREAM.search(names)):
            return None
        end = content.find(b"endstream", match.end())
        data = content[match.end() : end if end >= 0 else len(content)]
        if dictionary is not None and names is not None and _XREF_STREAM.search(names):
            tables.append((dictionary, data))
        if names is not None and not _OBJECT_STREAM.search(names):
            continue
        if names is not None and not _FILTER.search(names):
            objects.append((match.start(), dictionary, data))  # not compressed: read with the file's plain text
            continue
        if names is not None and _PREDICTOR.search(names):
            return None  # unpacked, its bytes are not yet the objects
        unpacker = zlib.decompressobj()
        try:
            data = unpacker.decompress(data, _INFLATE_STREAM)
        except zlib.error:
            return None  # an object stream that does not unpack cannot be checked
        inflated += len(data)
        if not unpacker.eof or inflated > _INFLATE_TOTAL:
            return None  # past the cap, or cut short (an "endstream" written inside the data)
        objects.append((match.start(), dictionary, data))
    return _Streams(objects, tables)


def _opens_harmlessly(content: bytes, streams: _Streams) -> bool:
    """Whether every ``/OpenAction`` in the file only shows a page: a destination (an array: the
    page and how to fit it, ``[3 0 R /XYZ null null 0]`` as LibreOffice writes it, ``[3 0 R /Fit]``),
    or a /GoTo action to one, as LaTeX's hyperref writes it. Anything else does more, and is
    refused: a script, a launch, a web address or a form sent on opening (/URI, /SubmitForm …),
    a menu command (/Named), hiding a field (/Hide), or a /GoTo that chains such an action by
    /Next. An indirect value must be found, and each of its definitions that a reader could take
    (:func:`_definitions`) must be harmless."""
    texts = [content, *(data for _, _, data in streams.objects)]
    found = ((text, match.end()) for text in texts for match in _OPEN_ACTION.finditer(text))
    openings = list(itertools.islice(found, _OPEN_ACTIONS_READ + 1))
    if len(openings) > _OPEN_ACTIONS_READ:
        return False
    budget = pdf_objects.Budget()
    resolved: dict[pdf_objects.Reference, list[pdf_objects.Value]] = {}
    lookup: _Lookup | None = None

    def resolve(reference: pdf_objects.Reference) -> list[pdf_objects.Value]:
        nonlocal lookup
        if reference not in resolved:
            if len(resolved) == _REFERENCES_RESOLVED:
                raise pdf_objects.Unreadable("too many references")
            if lookup is None:
                lookup = _Lookup(content, streams, budget)
            resolved[reference] = lookup.definitions(reference)
        return resolved[reference]

    try:
        return all(_shows_a_page(pdf_objects.read_value(text, at, budget=budget)[0], resolve, 0) for text, at in openings)
    except pdf_objects.Unreadable:
        return False


class _Lookup:
    """Where the objects an opening action refers to are, read once for all its references: the
    object streams' dictionaries, the cross-reference streams, each object stream's header and
    where each object stream named by its number is, as they are first needed."""

    def __init__(self, content: bytes, streams: _Streams, budget: pdf_objects.Budget) -> None:
        if len(streams.tables) > _TABLES_READ:
            raise pdf_objects.Unreadable("too many cross-reference streams")
        self.content, self.streams, self.budget = content, streams, budget
        self.kinds = [pdf_objects.object_stream(dictionary, budget=budget) for _, dictionary, _ in streams.objects]
        self.tables = [pdf_tables.CrossReferenceStream(dictionary, data, budget=budget) for dictionary, data in streams.tables]
        self.listed = pdf_tables.Tables(content, self.tables)
        self.positions = {keyword: at for at, (keyword, _, _) in enumerate(streams.objects)}
        self.headers: dict[int, pdf_objects.ObjectStreamHeader] = {}
        self.keywords: dict[int, list[int]] = {}

    def definitions(self, reference: pdf_objects.Reference) -> list[pdf_objects.Value]:
        """Every definition of an object that a reader could take: each plain one (which of them
        a reader takes depends on the cross-reference table), and in object streams, each whose
        header gives it the object's number in a stream a cross-reference stream names for it
        (MuPDF, PDFium) or typed /ObjStm (a reader rebuilding a broken file reads those without
        one), and each at the index a cross-reference stream names (pdf.js goes by the index
        alone). A stream that nothing names and is not typed, such as a colour profile (/N 3), is
        not read: no reader takes an object from it. None when an object stream a reader could
        take it from cannot be known."""
        budget = self.budget
        found = pdf_objects.definitions(self.content, reference, budget=budget, tables=self.listed)
        places: dict[int, list[int]] = {}  # where an object stream's keyword is → the indexes named there
        for table in self.tables:
            for number, index in table.places(reference.number):
                if number not in self.keywords:
                    self.keywords[number] = pdf_objects.stream_keywords(self.content, number, budget=budget, tables=self.listed)
                for keyword in self.keywords[number]:
                    places.setdefault(keyword, []).append(index)
        if any(keyword not in self.positions for keyword in places):
            raise pdf_objects.Unreadable("an object stream the check did not unpack")
        for at, ((keyword, _, data), kind) in enumerate(zip(self.streams.objects, self.kinds, strict=True)):
            indexes = places.get(keyword, [])
            if not kind.typed and not indexes:
                continue
            if not kind.known:
                return []
            if at not in self.headers:
                self.headers[at] = pdf_objects.object_stream_header(kind, data, budget=budget)
            header = self.headers[at]
            offsets = header.numbered(reference.number) + [header.placed[i] for i in indexes if i < len(header.placed)]
            found.extend(pdf_objects.read_value(data, offset, budget=budget)[0] for offset in offsets)
        return found


#: How many cross-reference streams a PDF may have when an opening action is looked up: one, and
#: one for each incremental update.
_TABLES_READ = 32
#: How many references and /Next links are followed from one opening action, and how many
#: objects are looked up in all (each a search of the file; an honest PDF needs one or two).
_ACTION_DEPTH, _REFERENCES_RESOLVED = 8, 4
_Resolve = Callable[[pdf_objects.Reference], list[pdf_objects.Value]]


def _shows_a_page(value: pdf_objects.Value, resolve: _Resolve, depth: int) -> bool:
    """A destination, or a /GoTo action (:func:`_goes_to_a_page`)."""
    if isinstance(value, pdf_objects.Reference):
        found = resolve(value) if depth < _ACTION_DEPTH else []
        return bool(found) and all(_shows_a_page(item, resolve, depth + 1) for item in found)
    return isinstance(value, tuple) or _goes_to_a_page(value, resolve, depth)


def _goes_to_a_page(value: pdf_objects.Value, resolve: _Resolve, depth: int) -> bool:
    """A /GoTo action (to a destination in this document), and every action after it (/Next: one,
    or an array of them) one too."""
    if isinstance(value, pdf_objects.Reference):
        found = resolve(value) if depth < _ACTION_DEPTH else []
        return bool(found) and all(_goes_to_a_page(item, resolve, depth + 1) for item in found)
    if not isinstance(value, pdf_objects.Dictionary):
        return False
    kinds = value.values(b"S")
    if not kinds or any(kind != pdf_objects.Name(b"GoTo") for kind in kinds):
        return False
    following = [item for chained in value.values(b"Next") for item in (chained if isinstance(chained, tuple) else (chained,))]
    return all(_goes_to_a_page(item, resolve, depth + 1) for item in following)


def pdf_smuggled(content: bytes) -> bool:
    """The markup of a web page or a script in a PDF (a page saved as a PDF holds none: its text is
    drawn, not tagged)."""
    return hidden_markup.holds_markup(content, hidden_markup.PDF_MARKUP)


def _stream_dictionary(content: bytes, keyword: int) -> tuple[bytes | None, int]:
    """The dictionary of the stream whose keyword is at ``keyword``, read backwards from the ``>>``
    in front of it to the matching ``<<``, and how many bytes that read: empty when there is none
    (the word in a string or in text is no stream), ``None`` when it cannot be read within the
    reach. Padding inside the dictionary no longer pushes its ``/Type /ObjStm`` out of sight, as it
    did out of the fixed 512 bytes before ``stream``."""
    read = 0
    for reach in _DICTIONARY_REACH:
        low = max(0, keyword - reach)
        close = content.rfind(b">>", low, keyword)
        if close >= 0 and _GAP.fullmatch(content, close + 2, keyword) is None:
            return b"", read
        if close < 0:
            if low == 0:
                return b"", read
            continue
        text = content[low : close + 2]
        start = _dictionary_start(text)
        read += len(text) - max(start, 0)
        if start < 0:
            continue  # not within this reach
        line = max(text.rfind(b"\n", 0, start), text.rfind(b"\r", 0, start)) + 1
        if line == 0 and low > 0:
            continue  # its line starts before the reach
        if b"%" in text[line:]:
            return None, read  # a comment could hide the real start; a dictionary needs none
        return text[start:], read
    return None, read


def _dictionary_start(text: bytes) -> int:
    """Where the ``<<`` matching the ``>>`` that ends ``text`` is, skipping strings ``(…)`` and hex
    strings ``<…>``; -1 when it is not in ``text`` or the bytes do not read as a dictionary."""
    backwards, depth, at = text[::-1], 0, 0
    while True:
        found = _DELIMITER.search(backwards, at)
        if found is None:
            return -1
        at, byte = found.start(), backwards[found.start()]
        follows = backwards[at + 1 : at + 2]
        if byte == 0x29:  # ")": the end of a string
            at = _string_start(backwards, at)
            if at < 0:
                return -1
            at += 1
        elif byte == 0x3E and follows == b">":
            depth, at = depth + 1, at + 2
        elif byte == 0x3C and follows == b"<":
            depth, at = depth - 1, at + 2
            if depth == 0:
                return len(text) - at
        elif byte == 0x3E:  # the end of a hex string
            opening = backwards.find(b"<", at + 1)
            if opening < 0 or _HEX.fullmatch(backwards, at + 1, opening) is None:
                return -1
            at = opening + 1
        else:  # "%" (a comment), or an opening without its end
            return -1


def _string_start(backwards: bytes, end: int) -> int:
    """In a reversed text, the ``(`` that opens the string whose ``)`` is at ``end``: parentheses
    nest, and one preceded by an odd number of backslashes is escaped."""
    if _escaped(backwards, end):
        return -1
    depth, at = 1, end + 1
    while True:
        found = _PARENTHESIS.search(backwards, at)
        if found is None:
            return -1
        at = found.start()
        if not _escaped(backwards, at):
            depth += 1 if backwards[at] == 0x29 else -1
            if depth == 0:
                return at
        at += 1


def _escaped(backwards: bytes, at: int) -> bool:
    """Whether the byte at ``at`` of a reversed text follows an odd run of backslashes."""
    return (_run_end(_BACKSLASHES, backwards, at + 1) - at - 1) % 2 == 1
