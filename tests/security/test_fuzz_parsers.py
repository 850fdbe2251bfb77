"""Fuzzing every parser of outside input (SECURITY.md 12): the bank's return file, the batch
sheet, the registry imports, uploaded materials and the Annex 3 form. Whatever arrives, each
answers with its own Chinese refusal or a result, never an unhandled exception.

Iterations: ``FUZZ_EXAMPLES`` per target (default 150 in ``make test``; ``make
test-security-long`` runs many more). Hypothesis keeps no example database here, so every run
starts fresh; a failure prints the input that caused it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards.applications import materials
from rewards.batches import sheet
from rewards.core.tabular import UnreadableFile
from rewards.eligibility.fields import SUBMISSION_FIELDS, clean_annex3
from rewards.payments.services import RESULT_HEADER, parse_result_file
from rewards.registries.importers import import_certificates, import_members

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
LONG = bool(os.environ.get("SECURITY_LONG"))
#: make test replays the same examples on every run (derandomized); the long run explores anew.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not LONG,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Characters that break naive parsers: NUL, separators, quotes, line ends, BOM, wide forms.
NASTY = st.sampled_from(["\x00", ",", '"', "\r", "\n", "\r\n", "\ufeff", "，", "\u3000", "=cmd|' /C calc'!A0", "'", "\t", "\\"])
TEXT = st.lists(st.one_of(st.text(max_size=30), NASTY), max_size=12).map("".join)


# The bank's return file ----------------------------------------------------------------------


def _csv_line(cells: list[str]) -> str:
    return ",".join(cells)


RESULT_LINES = st.lists(
    st.one_of(
        st.lists(TEXT, min_size=0, max_size=6).map(_csv_line),
        st.tuples(
            st.from_regex(r"P2020-[0-9]{1,4}-[0-9]{1,6}", fullmatch=True),
            st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(["500.00", "1e999999", "-0", "NaN"])),
            st.sampled_from(["success", "failure", "SUCCESS", ""]),
            TEXT,
        ).map(lambda cells: _csv_line(list(cells))),
    ),
    max_size=20,
)


@FUZZ
@given(st.binary(max_size=4096))
def test_the_bank_file_parser_answers_any_bytes(content):
    rows, problems = parse_result_file(content)
    assert isinstance(rows, list) and isinstance(problems, list)
    assert all(isinstance(problem, str) and problem for problem in problems)


@FUZZ
@given(RESULT_LINES, st.sampled_from(["\n", "\r\n", ""]), st.booleans())
def test_the_bank_file_parser_answers_any_rows_under_the_right_header(lines, ending, bom):
    text = ",".join(RESULT_HEADER) + "\n" + "\n".join(lines) + ending
    rows, problems = parse_result_file((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass"))
    for row in rows:
        assert row.amount > 0 and row.amount == row.amount.quantize(row.amount.__class__("0.01"))
    assert rows or problems or not _has_cells(lines)


def _has_cells(lines: list[str]) -> bool:
    """Whether some CSV row holds a non-blank cell: the parser skips rows whose cells are all
    blank as ``str.strip`` sees them (U+3000, U+2028, ``""`` …; the long run found the narrower
    test that stood here before)."""
    try:
        return any(cell.strip() for row in csv.reader(io.StringIO("\n".join(lines) + "\n")) for cell in row)
    except csv.Error:
        return True


def test_the_bank_file_parser_refuses_nul_bytes_and_huge_fields():
    header = ",".join(RESULT_HEADER).encode()
    for body in (b"P1,500.00,success,\x00\n", b"P1," + b"9" * 200_000 + b",success,\n", b'P1,"500.00,success,\n'):
        _rows, problems = parse_result_file(header + b"\n" + body)
        assert problems, body[:40]


# The batch sheet (xlsx) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_bytes() -> bytes:
    return sheet.template(year=2020, org_name="杭州测试机械有限公司工会")


def _read_all(content: bytes) -> None:
    try:
        for row in sheet.read_rows(content):
            assert isinstance(row.values, dict)
    except UnreadableFile as refusal:
        assert str(refusal)


@FUZZ
@given(st.binary(max_size=4096))
def test_the_batch_sheet_reader_answers_any_bytes(content):
    _read_all(content)


@FUZZ
@given(st.data())
def test_the_batch_sheet_reader_answers_a_damaged_template(template_bytes, data):
    content = bytearray(template_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(content) - 1))
        content[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(content) // 2, len(content)))
    _read_all(bytes(content[:cut]))


@FUZZ
@given(st.lists(st.lists(st.one_of(TEXT, st.integers(), st.floats(allow_nan=True), st.dates(), st.none()), max_size=14), max_size=8))
def test_the_batch_sheet_reader_answers_any_cells(rows):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(["序号", "姓名", "身份证号", "性别", "文化程度", "职业（工种）", "技能等级", "证书编号", "发证时间"])
    for cells in rows:  # characters no xlsx cell can hold are left out of the file itself
        worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in cells])
    out = io.BytesIO()
    workbook.save(out)
    _read_all(out.getvalue())


# The registry imports (CSV and xlsx files on disk) --------------------------------------------


@pytest.mark.django_db
@FUZZ
@given(st.lists(st.lists(TEXT, max_size=9), max_size=6), st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_the_member_import_answers_any_csv(xihu, rows, encoding):
    header = "id_number,name,phone,union,grassroots_union,employer,verified"
    text = header + "\n" + "\n".join(",".join(cells) for cells in rows) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "members.csv"
        path.write_bytes(text.encode(encoding, "replace"))
        try:
            report = import_members(path)
        except UnreadableFile as refusal:
            assert str(refusal)
            return
    assert report.total >= report.accepted + report.unchanged
    for rejection in report.rejected:
        assert rejection.errors and all(isinstance(error, str) and error for error in rejection.errors)


@pytest.mark.django_db
@FUZZ
@given(st.binary(max_size=2048), st.sampled_from(["certificates.csv", "certificates.xlsx"]))
def test_the_certificate_import_answers_any_file(content, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            import_certificates(path)
        except UnreadableFile as refusal:
            assert str(refusal)


@pytest.mark.django_db
def test_a_zip_bomb_posing_as_xlsx_is_refused_without_unpacking_it(tmp_path):
    path = tmp_path / "members.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * 50_000_000)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(UnreadableFile):
        import_members(path)


# The materials zip of a batch upload ---------------------------------------------------------


def _materials_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("330106199001010018_身份证.jpg", b"\xff\xd8" + bytes(range(256)) * 2)
        archive.writestr("330106199001010018_证书.pdf", b"%PDF-1.4 " * 60)
        archive.writestr("说明.txt", "请核对".encode())
    return buffer.getvalue()


MATERIALS_ZIP = _materials_zip()


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(MATERIALS_ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(0, len(MATERIALS_ZIP)),
)
def test_the_materials_zip_reader_answers_any_damage(changes, kept):
    """Bytes changed anywhere in a zip (its names, sizes, flags, compressed data), or the zip cut:
    refused in Chinese at the upload, or read with what cannot be used named."""
    from rewards.batches.materials_zip import read_materials, zip_refusal
    from rewards.core.errors import InvalidInput

    damaged = bytearray(MATERIALS_ZIP)
    for position, value in changes:
        damaged[position] = value
    content = bytes(damaged[:kept])
    if zip_refusal(content):
        return
    try:
        found, problems = read_materials(content)
    except InvalidInput as refusal:
        assert refusal.fields["attachments"]
    else:
        assert isinstance(found, dict) and all(isinstance(problem, str) for problem in problems)


# Uploaded materials and the Annex 3 form -------------------------------------------------------


@FUZZ
@given(st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-1.4\n", b"<svg", b"GIF89a"]), st.binary(max_size=4096))
def test_the_upload_check_answers_any_file(prefix, body):
    checked, refusal = materials.check_upload("id_card", io.BytesIO(prefix + body))
    assert (checked is None) != (refusal is None)
    if refusal is not None:
        assert isinstance(refusal, str) and refusal
    else:
        assert checked.content_type in ("image/jpeg", "image/png", "application/pdf")


#: Pieces of PDF syntax an opening action is read from, in any order: the check reads the value
#: after /OpenAction and the objects it refers to, and must answer whatever they make.
PDF_PIECES = st.sampled_from(
    [
        *b"<< >> [ ] ( ) \\ <41> < /S /GoTo /URI /Next /D #4 % endobj endstream /Type/ObjStm".split(),
        *(b"/N 1", b"/First 4", b" 3 0 R", b"\n3 0 obj", b"\n", b" 9999999999999 ", b"stream\n"),
        *(b"/Type/XRef", b"/W[1 2 1]", b"/Index[3 1]", b"/Filter/FlateDecode", b"/DecodeParms<</Predictor 12/Columns 4>>", b"x\x9c"),
    ]
)


@FUZZ
@given(st.lists(PDF_PIECES, max_size=40).map(b"".join), st.binary(max_size=64))
def test_the_pdf_opening_action_check_answers_any_syntax(pieces, noise):
    pdf = b"%PDF-1.5\n1 0 obj<</Type/Catalog/OpenAction" + pieces + noise + b">>endobj\n" + pieces + b"\n%%EOF\n"
    checked, refusal = materials.check_upload("certificate", io.BytesIO(pdf))
    assert (checked is None) != (refusal is None)


@FUZZ
@given(
    st.sampled_from(
        [
            b"<</W[1 2 1]/Size 9/Filter/FlateDecode>>",
            b"<</W[1 2 1]/Index[0 3 7 2]/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 4>>>>",
        ]
    ),
    st.binary(max_size=256),
    st.booleans(),
    st.integers(0, 12),
)
def test_a_cross_reference_stream_reads_or_is_unreadable(dictionary, table, packed, number):
    """Whatever a cross-reference stream's rows hold, looking an object up in it answers a list
    of places or says it cannot be read; nothing else escapes."""
    from rewards.applications import pdf_objects, pdf_tables

    data = zlib.compress(table) if packed else table
    try:
        places = pdf_tables.CrossReferenceStream(dictionary, data, budget=pdf_objects.Budget()).places(number)
    except pdf_objects.Unreadable:
        return
    assert all(isinstance(stream, int) and isinstance(index, int) for stream, index in places)


@FUZZ
@given(st.binary(max_size=256), st.integers(0, 8), st.booleans())
def test_an_object_stream_header_reads_or_is_unreadable(header, count, typed):
    from rewards.applications import pdf_objects

    stream = pdf_objects.ObjectStream(typed=typed, known=True, count=count, first=4)
    try:
        read = pdf_objects.object_stream_header(stream, header, budget=pdf_objects.Budget())
    except pdf_objects.Unreadable:
        return
    assert len(read.placed) <= count and len(read.numbers) <= count
    assert all(read.numbered(number) for number in read.numbers)


@pytest.fixture(scope="module")
def small_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


@FUZZ
@given(
    st.sampled_from([b"zTXt", b"iTXt"]),
    st.binary(max_size=40),
    st.one_of(st.binary(max_size=512), st.binary(max_size=2048).map(zlib.compress)),
)
def test_the_upload_check_answers_any_compressed_png_text(small_png, kind, head, body):
    data = head + body
    chunk = len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    end = small_png.rindex(b"IEND") - 4
    checked, refusal = materials.check_upload("id_card", io.BytesIO(small_png[:end] + chunk + small_png[end:]))
    assert (checked is None) != (refusal is None)


FORM_VALUES = st.one_of(TEXT, st.integers(), st.none(), st.booleans(), st.dates().map(str), st.just("2020-02-30"))


@FUZZ
@given(st.dictionaries(st.sampled_from((*SUBMISSION_FIELDS, "unknown", "status", "amount")), FORM_VALUES))
def test_the_annex3_form_answers_any_values(values):
    applicant, errors = clean_annex3(values, today=dt.date(2020, 10, 15), required=SUBMISSION_FIELDS)
    assert (applicant is None) == bool(errors)
    for field, messages in errors.items():
        assert isinstance(field, str) and messages and all(isinstance(message, str) and message for message in messages)
