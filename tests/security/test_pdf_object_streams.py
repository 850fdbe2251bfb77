"""SECURITY.md 13, decision 173: where an indirect ``/OpenAction`` is looked up. Its object is
taken from an object stream only as a reader could take it: by the number the header gives it in
a stream that a cross-reference stream names for it, or that is typed /ObjStm (a reader
rebuilding a broken file reads those); by the index a cross-reference stream names (pdf.js). A
colour profile (a stream with /N 3 that nothing names) is never read as one, whatever bytes its
creation time gives it."""

from __future__ import annotations

import contextlib
import gc
import itertools
import re
import shutil
import subprocess
import zlib

import pytest

from rewards.applications import pdf_objects, pdf_tables

from ._uploads import URI_ACTION, check, libreoffice_pdf

DESTINATION = b"[3 0 R /Fit]"
#: Where the base file's opening action points: object 8, defined in the plain file as a page.
BASE = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION])


def png_filtered(table: bytes, columns: int, kinds: bytes) -> bytes:
    """``table`` in rows of ``columns`` bytes, each filtered as a PNG row is (the kinds in turn:
    0 none, 1 sub, 2 up, 3 average, 4 Paeth), with its kind in front: what /Predictor 12 reads."""

    def paeth(left: int, above: int, corner: int) -> int:
        estimate = left + above - corner
        distances = abs(estimate - left), abs(estimate - above), abs(estimate - corner)
        if distances[0] <= distances[1] and distances[0] <= distances[2]:
            return left
        return above if distances[1] <= distances[2] else corner

    out, above = bytearray(), bytes(columns)
    for number, kind in zip(range(len(table) // columns), itertools.cycle(kinds), strict=False):
        row = table[number * columns : (number + 1) * columns]
        out.append(kind)
        for i, byte in enumerate(row):
            left, corner = (row[i - 1], above[i - 1]) if i else (0, 0)
            guess = (0, left, above[i], (left + above[i]) // 2, paeth(left, above[i], corner))[kind]
            out.append((byte - guess) & 0xFF)
        above = row
    return bytes(out)


def updated(
    base: bytes,
    stream_dictionary: bytes,
    stream_data: bytes,
    compressed: dict[int, int],
    *,
    kinds: bytes | None = None,
    startxref: bool = True,
    packed_data: bytes | None = None,
    keyword: bytes = b"stream\n",
) -> bytes:
    """``base`` with an incremental update as a writer appends one: object 20, a compressed object
    stream (``stream_dictionary``, ``stream_data``), and object 21, a cross-reference stream that
    puts each object of ``compressed`` at its index in object 20 and points back at ``base``'s
    table; its rows filtered by a PNG predictor of ``kinds`` when given. ``packed_data``: the
    object stream's data as written (else ``stream_data`` compressed), after ``keyword``."""
    previous = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    out = bytearray(base)
    data = zlib.compress(stream_data) if packed_data is None else packed_data
    stream_at = len(out)
    out += (
        b"20 0 obj\n<<" + stream_dictionary + b"/Filter/FlateDecode/Length %d>>\n" % len(data) + keyword + data + b"\nendstream\nendobj\n"
    )
    table_at = len(out)
    rows = {number: (2, 20, index) for number, index in compressed.items()} | {20: (1, stream_at, 0), 21: (1, table_at, 0)}
    table = b"".join(
        kind.to_bytes(1, "big") + field.to_bytes(4, "big") + index.to_bytes(2, "big") for _, (kind, field, index) in sorted(rows.items())
    )
    parameters = b""
    if kinds is not None:
        table, parameters = png_filtered(table, 7, kinds), b"/DecodeParms<</Predictor 12/Columns 7>>"
    packed = zlib.compress(table)
    index = b" ".join(b"%d 1" % number for number in sorted(rows))
    out += (
        b"21 0 obj\n<</Type/XRef/Size 22/Root 1 0 R/Prev %d/Index[%s]/W[1 4 2]/Filter/FlateDecode%s/Length %d>>\nstream\n"
        % (previous, index, parameters, len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    if startxref:
        out += b"startxref\n%d\n%%%%EOF\n" % table_at
    return bytes(out)


def object_stream(*objects: tuple[int, bytes], typed: bool = True) -> tuple[bytes, bytes]:
    """An object stream's dictionary and data holding ``objects`` (number, body) in turn."""
    bodies, header = b"", b""
    for number, body in objects:
        header += b"%d %d " % (number, len(bodies))
        bodies += body + b"\n"
    dictionary = (b"/Type/ObjStm" if typed else b"") + b"/N %d/First %d" % (len(objects), len(header))
    return dictionary, header + bodies


def assert_refused(content: bytes) -> None:
    checked, refusal = check(content)
    assert checked is None and refusal and "脚本" in refusal


def assert_accepted(content: bytes) -> None:
    checked, refusal = check(content)
    assert refusal is None and checked is not None


def test_a_colour_profile_never_reads_as_defining_the_opened_object():
    """A PDF/A whose opening action is a reference, beside an sRGB profile made at each minute and
    second of an hour: every one is accepted. Before, the profile's bytes read as an object
    stream's header, and about one file in 37 was refused as holding a script (decision 173)."""
    refused = [
        (minute, second)
        for minute, second in itertools.product(range(60), range(60))
        if check(libreoffice_pdf(b" 9 0 R", extra=[DESTINATION], icc=True, profile_time=(2026, 11, 27, 9, minute, second)))[1]
    ]
    assert refused == []


@pytest.mark.parametrize("kinds", [None, b"\x02", b"\x00\x01\x02\x03\x04"], ids=["no-predictor", "png-up", "png-every-filter"])
def test_an_object_a_cross_reference_stream_puts_in_an_object_stream_is_judged(kinds):
    """As writers of PDF 1.5 write it: the opened object in an object stream, named by a
    cross-reference stream (its rows filtered by a PNG predictor, as qpdf and Acrobat write them):
    a page is accepted, a web address refused, though the plain file defines object 8 as a page."""
    for body, judge in ((DESTINATION, assert_accepted), (URI_ACTION, assert_refused)):
        content = updated(BASE, *object_stream((8, body)), {8: 0}, kinds=kinds)
        if shutil.which("pdfinfo"):  # a PDF Poppler reads without repairing it
            run = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
            assert re.search(rb"Pages:\s+1\n", run.stdout) and not run.stderr
        judge(content)


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "without-type"])
def test_the_object_at_the_index_a_cross_reference_stream_names_is_judged_whatever_its_number(typed):
    """pdf.js takes the object at the index the cross-reference stream gives, whatever number the
    header gives it, and needs no /Type: a web address there is refused, where the header
    numbers it 999 and the plain file defines object 8 as a page."""
    assert_refused(updated(BASE, *object_stream((999, URI_ACTION), typed=typed), {8: 0}))
    assert_accepted(updated(BASE, *object_stream((999, DESTINATION), typed=typed), {8: 0}))


def test_an_object_in_a_typed_object_stream_counts_without_a_cross_reference_stream():
    """A reader rebuilding a broken file (no usable cross-reference) reads every stream typed
    /ObjStm and takes its objects by number: a web address numbered 8 there is refused, though
    no cross-reference stream names it."""
    dictionary, data = object_stream((8, URI_ACTION))
    content = updated(BASE, dictionary, data, {}, startxref=False)
    assert_refused(content)
    dictionary, data = object_stream((8, URI_ACTION), typed=False)
    assert_accepted(updated(BASE, dictionary, data, {}, startxref=False))  # no reader takes it


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"x 0 8 0 ", id="a-word-pdfium-reads-as-zero"),
        pytest.param(b"(a 8 0 ", id="a-string-pdfium-reads-word-by-word"),
    ],
)
def test_a_header_pdfium_reads_past_a_word_that_is_not_a_number_is_read_as_it_does(header):
    """PDFium reads a word of a typed object stream's header that is not a number as 0 and goes
    on, where MuPDF and pdf.js give up: object 8 is found where PDFium finds it."""
    data = header + URI_ACTION
    assert_refused(updated(BASE, b"/Type/ObjStm/N 2/First %d" % len(header), data, {}, startxref=False))


@pytest.mark.parametrize("header", [b"8.0 0 ", b"+8 0 ", b"8 -0 ", b"8e0 0 ", b"08 0.0 ", b"99999999999 0 "])
def test_a_header_the_readers_read_differently_is_refused(header):
    """A sign, a point, an exponent or an overlong number in a header, which no writer puts
    there, each reader reads its own way (``8.0`` is 8 to pdf.js, a real to MuPDF)."""
    data = header + DESTINATION
    assert_refused(updated(BASE, b"/Type/ObjStm/N 1/First %d" % len(header), data, {8: 0}))


def test_a_designated_stream_is_read_even_without_its_type_or_first():
    """MuPDF reads a stream a cross-reference stream names by its /N alone, offsets from 0."""
    assert_refused(updated(BASE, b"/N 1", b"8 4 " + URI_ACTION, {8: 0}))


@pytest.mark.parametrize(
    ("written", "instead"),
    [
        pytest.param(b"/W[1 4 2]/Filter/FlateDecode", b"/W[1 4 2]/Filter/LZWDecode", id="another-filter"),
        pytest.param(b"/W[1 4 2]/Filter/FlateDecode", b"/W[1 4 2]/Filter/FlateDecode/DecodeParms<</Predictor 2>>", id="a-tiff-predictor"),
        pytest.param(b"/W[1 4 2]", b"/W[1 4 2]/W[1 2 2]", id="widths-written-twice"),
        pytest.param(b"/Index[", b"/Index 9 0 R/Subsections[", id="index-by-reference"),
    ],
)
def test_a_cross_reference_stream_that_cannot_be_read_as_readers_do_is_refused(written, instead):
    """When the table that says where the opened object is cannot be read, the object cannot be
    judged, and the file is refused as one whose opening cannot be checked."""
    content = updated(BASE, *object_stream((8, DESTINATION)), {8: 0})
    assert content.count(written) == 1
    assert_accepted(content)
    assert_refused(content.replace(written, instead))


def test_a_cross_reference_stream_reads_every_png_filter_and_index_subsections():
    """The table's entries, each subsection counted from its first number, through each filter,
    and in a table written uncompressed."""
    rows = [(1, 15, 0), (2, 20, 0), (2, 20, 1), (0, 0, 65535), (2, 20, 300), (1, 99, 0)]
    table = b"".join(bytes([kind]) + field.to_bytes(4, "big") + index.to_bytes(2, "big") for kind, field, index in rows)
    for kinds, parameters in (
        (None, b"/Filter/FlateDecode"),
        (b"\x00\x01\x02\x03\x04\x04", b"/Filter/FlateDecode/DecodeParms<</Predictor 15/Columns 7>>"),
        (None, b""),
    ):
        data = png_filtered(table, 7, kinds) if kinds else table
        data = zlib.compress(data) if parameters else data + b"\n"
        dictionary = b"<</Type/XRef/W[1 4 2]/Index[3 2 10 4]" + parameters + b">>"
        read = pdf_tables.CrossReferenceStream(dictionary, data, budget=pdf_objects.Budget())
        places = {number: read.places(number) for number in (2, 3, 4, 5, 10, 11, 12, 13, 14)}
        assert places == {2: [], 3: [], 4: [(20, 0)], 5: [], 10: [(20, 1)], 11: [], 12: [(20, 300)], 13: [], 14: []}


@pytest.mark.parametrize("tables", [1, 33], ids=["one-unpacking-past-the-cap", "more-than-an-update-adds"])
def test_cross_reference_streams_are_unpacked_within_bounds(tables):
    """Cross-reference streams that unpack to more than a table holds, or more of them than
    incremental updates add, are refused as unreadable, quickly, not unpacked without end."""
    import time

    bomb = zlib.compress(bytes(5 * 1024 * 1024))
    content = updated(BASE, *object_stream((8, DESTINATION)), {8: 0})
    extra = b"".join(
        b"%d 0 obj\n<</Type/XRef/W[1 4 2]/Size 9/Filter/FlateDecode/Length %d>>\nstream\n" % (30 + n, len(bomb))
        + bomb
        + b"\nendstream\nendobj\n"
        for n in range(tables)
    )
    at = content.rindex(b"startxref")
    with parsing_alone():
        started = time.thread_time()
        assert_refused(content[:at] + extra + content[at:])
        assert time.thread_time() - started < 2


# Second review (decision 179): a reference's generation, an offset inside a longer number, numbers
# read as readers read them, where a stream's data starts, and the cost of the search.


def _pdfinfo(content: bytes) -> str:
    return subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()


def test_a_reference_is_looked_up_whatever_generation_it_names():
    """MuPDF (pdf_cache_object takes the number alone) and PDFium (CPDF_Reference keeps only the
    number) take whatever the table lists for object 8, whatever generation ``8 1 R`` names: a web
    address defined as ``8 0 obj`` is refused though a page is defined as ``8 1 obj``. Both
    generations showing a page is accepted."""
    decoy = b"(8 1 obj [3 0 R /Fit] endobj)"
    assert_refused(libreoffice_pdf(b" 8 1 R", extra=[URI_ACTION, decoy]))
    assert_accepted(libreoffice_pdf(b" 8 1 R", extra=[DESTINATION, decoy]))


def _pointing_inside(table: str, *, body: bytes = URI_ACTION, info: bool = False) -> bytes:
    """A file whose object 8 shows a page and object 18 holds ``body``, where the table (classic, or
    a cross-reference stream an update appends) lists object 8 one byte into ``18 0 obj``, where
    every reader reads ``8 0 obj`` and then object 18's value. With ``info`` the trailer names
    object 8 as the document's information too, so Poppler prints what it took for it."""
    content = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION, *[b"null"] * 9, body])
    root = b"/Root 1 0 R/Info 8 0 R" if info else b"/Root 1 0 R"
    content = content.replace(b"/Root 1 0 R", root)  # in the trailer, after every offset
    inside = content.index(b"\n18 0 obj") + 2
    if table == "classic":
        entry = content.index(b"0000000000 65535 f \n", content.rindex(b"\nxref\n")) + 20 * 8
        content = content[:entry] + b"%010d 00000 n \n" % inside + content[entry + 20 :]
    else:
        previous = int(re.findall(rb"startxref\s+(\d+)", content)[-1])
        at = len(content)
        rows = b"\x01" + inside.to_bytes(4, "big") + b"\x00\x00" + b"\x01" + at.to_bytes(4, "big") + b"\x00\x00"
        packed = zlib.compress(rows)
        content += (
            b"30 0 obj\n<</Type/XRef/Size 31%s/Prev %d/Index[8 1 30 1]/W[1 4 2]/Filter/FlateDecode/Length %d>>\nstream\n"
            % (root, previous, len(packed))
            + packed
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at
        )
    return content


@pytest.mark.parametrize("table", ["classic", "cross-reference-stream"])
def test_an_object_a_table_lists_inside_a_longer_number_is_judged(table):
    """A table may list object 8 at any byte: one into ``18 0 obj`` every reader reads ``8 0 obj``
    (MuPDF, pdf.js, Poppler and PDFium check only that number) and takes object 18's value for
    object 8. So a web address there is refused, though ``8 0 obj`` shows a page; where no table
    lists such a place, the ``8`` ending 18 is no definition, and an honest file is accepted."""
    if shutil.which("pdfinfo"):  # Poppler takes object 18's value for object 8
        assert re.search(r"Title:\s+PWNED", _pdfinfo(_pointing_inside(table, body=b"<</Title(PWNED)>>", info=True)))
    assert_refused(_pointing_inside(table))
    honest = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION, *[b"null"] * 9, URI_ACTION])
    assert_accepted(honest)


def test_a_table_that_lists_an_object_where_no_header_stands_adds_nothing():
    """A broken table (an offset into another object's dictionary, as a file whose line ends were
    converted has) sends no reader to a value there: they rebuild the table, and find the page
    defined as ``8 0 obj``; one that lists a header read otherwise by this check than by MuPDF
    and pdf.js (``8 0obj``, here the end of ``18 0obj``) is refused."""
    content = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION, b"(18 0obj " + URI_ACTION + b")"])
    entry = content.index(b"0000000000 65535 f \n", content.rindex(b"\nxref\n")) + 20 * 8
    for target, judge in ((content.index(b"/Type/Pages"), assert_accepted), (content.index(b"(18 0obj") + 2, assert_refused)):
        judge(content[:entry] + b"%010d 00000 n \n" % target + content[entry + 20 :])


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"8.0 0 obj", id="a-point-pdfjs-reads-as-8"),
        pytest.param(b"8.5 0 obj", id="a-real-pdfium-reads-as-8"),
        pytest.param(b"80e-1 0 obj", id="an-exponent-pdfjs-reads-as-8"),
        pytest.param(b"8-0 obj", id="a-sign-mupdf-starts-a-new-number-at"),
        pytest.param(b"8 +0 obj", id="a-signed-generation"),
        pytest.param(b"8 0obj", id="obj-right-after-the-generation"),
        pytest.param(b"8 %c\n0 %c\nobj", id="comments-between-the-words"),
    ],
)
def test_a_definition_whose_numbers_a_reader_reads_as_the_object_s_counts(header):
    """Each header here is object 8 to at least one reader (pdf.js reads ``8.0`` and ``80e-1`` as
    8, PDFium reads the first digits of a word of digits, signs and points, MuPDF starts a new
    number at a sign, and the word ``obj`` may follow a number directly): a web address defined so
    is refused beside a page defined as ``8 0 obj``."""
    content = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION, b"(" + header + b" " + URI_ACTION + b" endobj)"])
    assert_refused(content)


def _stream_mupdf_reads_otherwise(hidden: bytes, shown: bytes, first: int = 64) -> bytes:
    """An object stream's data, after ``stream`` and a tab, as MuPDF and the others read it: MuPDF
    takes the byte after the keyword as its line end and unpacks all of it (a zlib stream whose
    first, stored block holds ``8 0``, a line end, a second zlib stream, and padding, and whose
    last holds ``hidden``); pdf.js, Poppler, PDFium and this check start after the first line end,
    at the second zlib stream, which holds ``shown``."""
    second = zlib.compress(b"8 0".ljust(first) + shown)
    stored = (b"8 0\n" + second).ljust(first)
    assert b"\n" not in stored[:3] and not set(len(stored).to_bytes(2, "little")) & {10, 13}
    length = len(stored).to_bytes(2, "little")
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    whole = stored + hidden
    data = b"\x78\x01" + b"\x00" + length + bytes(255 - b for b in length) + stored + last.compress(hidden) + last.flush()
    data += zlib.adler32(whole).to_bytes(4, "big")
    assert zlib.decompress(data) == whole and zlib.decompress(data[data.index(b"\n") + 1 :]).startswith(b"8 0")
    return data


def test_an_object_stream_whose_data_mupdf_starts_elsewhere_is_refused():
    """MuPDF (pdf_parse_ind_obj) starts a stream's data after the byte that follows ``stream`` and
    its spaces, whatever that byte is; the others after the first line end. A stream whose
    keyword is followed by anything else before its line end is read differently by them, so an
    object stream or cross-reference stream written so is refused: here MuPDF reads a script the
    others never see."""
    data = _stream_mupdf_reads_otherwise(b"<</S/JavaScript/JS(app.alert(1))>>", DESTINATION)
    forged = updated(BASE, b"/Type/ObjStm/N 1/First 64", b"", {8: 0}, packed_data=data, keyword=b"stream\t")
    assert_refused(forged)
    spaces = _stream_mupdf_reads_otherwise(DESTINATION, DESTINATION)  # read alike: the page
    assert_accepted(updated(BASE, b"/Type/ObjStm/N 1/First 64", b"", {8: 0}, packed_data=spaces, keyword=b"stream  \r\n"))


# The guards below time the checking thread's own CPU (``thread_time``) with the garbage collector
# off: a run's wall clock, the process's CPU (every thread of a test worker) or a full collection
# of a long-running worker's heap started by the parser's allocations once charged a check that
# takes 0.02 s with 0.5–0.65 s in CI's PostgreSQL run.


@contextlib.contextmanager
def parsing_alone():  # type: ignore[no-untyped-def]
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("filler", [b"8%", b"8 %", b"8 0 %", b"8" + b"0" * 64, b"8.", b"8 " + b" " * 64])
def test_looking_up_a_reference_costs_little_whatever_the_bytes(filler):
    """A number followed by a comment that never ends, repeated over a line that never ends, made
    the search for ``8 0 obj`` go back over the rest of the line from each one: 1 s of CPU for
    20 KB, 82 s for 200 KB. Each byte is now read a bounded number of times."""
    import time

    content = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION, b"(" + filler * (2_000_000 // len(filler)) + b")"])
    with parsing_alone():
        started = time.thread_time()
        check(content)
        assert time.thread_time() - started < 1.5


@pytest.mark.parametrize("unit", [b"0 1\n0000000015 00000 n \n", b"0000000015 00000 n \n"], ids=["subsections", "entries"])
def test_reading_the_tables_costs_little_whatever_they_hold(unit):
    """A table of a million one-entry subsections, or of a million entries, is read no further
    than an honest one could go (the tables are then unknown, which only counts more as a
    definition), in a bounded time."""
    import time

    count = 2_000_000 // len(unit)
    table = b"xref\n" + (b"" if unit.startswith(b"0 1") else b"0 %d\n" % count) + unit * count + b"trailer\n"
    content = libreoffice_pdf(b" 8 0 R", extra=[DESTINATION, b"(" + table + b")"])
    with parsing_alone():
        started = time.thread_time()
        assert_accepted(content)
        assert time.thread_time() - started < 0.5
