"""What calamine does not tell of an xlsx sheet, read from the sheet's own XML: the rows the
clerk hid (by hand or with a filter), and the cells it reads as empty although Excel shows
something there (an error value, a formula saved without its result)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from defusedxml import DefusedXmlException

#: How much of a sheet's XML is read at a time.
_XML_BLOCK = 1 << 20
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_ROW_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


@dataclass
class SheetFacts:
    """What calamine does not tell of an xlsx sheet: the rows the clerk hid (by hand or by a
    filter), and the cells it reads as empty although Excel shows something there: an error
    value (``#N/A`` of a failed look-up) or a formula saved without its result. Keys are
    ``(row, column)``, both counted from 1."""

    hidden: set[int]
    unread: dict[tuple[int, int], str]


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def sheet_facts(content: bytes, sheet_name: str) -> SheetFacts:
    """:class:`SheetFacts` of the sheet named ``sheet_name``, read from its XML a block at a
    time, each block ending after its last complete row, up to ``</sheetData>`` (what follows,
    merged cells and page settings, holds no row). Anything but an xlsx has none."""
    facts = SheetFacts(hidden=set(), unread={})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None:
                return facts
            with archive.open(part) as stream:
                tail = b""
                while block := stream.read(_XML_BLOCK):
                    data = tail + block
                    end = data.find(b"</sheetData>")
                    if end >= 0:
                        _read_facts(data[:end], facts)
                        return facts
                    cut = data.rfind(b"</row>")
                    if cut >= 0:
                        cut += len(b"</row>")
                    else:  # no row ends here (a huge row, or not rows at all): keep a bounded tail
                        cut = max(data.rfind(b"<"), len(data) - _XML_BLOCK)
                    _read_facts(data[:cut], facts)
                    tail = data[cut:]
                _read_facts(tail, facts)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, DefusedXmlException):
        # Not a readable xlsx, or XML that declares entities: nothing hidden found here (calamine
        # reads the cells, or refuses the file itself).
        return SheetFacts(hidden=set(), unread={})
    return facts


_FORMULA_OR_ERROR = re.compile(rb'<(?:\w+:)?f[\s>/]|\bt="e"')
_CELL_START = re.compile(rb"<(?:\w+:)?c\b")


def _read_facts(data: bytes, facts: SheetFacts) -> None:
    for match in _ROW_TAG.finditer(data):
        attributes = match.group(1)
        number = _ROW_NUMBER.search(attributes)
        if number and _ROW_HIDDEN.search(attributes):
            facts.hidden.add(int(number.group(1)))
    # Only the cells holding a formula or an error value are looked at, not every cell.
    done_up_to = -1
    for hit in _FORMULA_OR_ERROR.finditer(data):
        if hit.start() < done_up_to:
            continue
        begin = max((m.start() for m in _CELL_START.finditer(data, max(0, hit.start() - 512), hit.start() + 1)), default=-1)
        if begin < 0:
            continue
        cell = _CELL.match(data, begin)
        if cell is None:
            continue
        done_up_to = cell.end()
        _read_cell(cell.group(1), cell.group(2) or b"", facts)


def _read_cell(attributes: bytes, inner: bytes, facts: SheetFacts) -> None:
    reference = _CELL_REF.search(attributes)
    if reference is None:
        return
    where = (int(reference.group(2)), _column_number(reference.group(1)))
    value = _CELL_VALUE.search(inner)
    if b't="e"' in attributes:
        facts.unread[where] = value.group(1).decode("utf-8", "replace") if value else "#VALUE!"
    elif b"<f" in inner and value is None and b't="str"' not in attributes:
        # No result kept (``<v/>`` or none): what programs write. Excel keeps an empty text
        # result as ``t="str"`` with ``<v></v>``: that is a value, "".
        facts.unread[where] = "formula"


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member of the sheet named ``sheet_name`` (workbook.xml and its relationships)."""
    # An uploaded file's XML: no entities, no external references (defusedxml refuses them).
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next((sheet.get(f"{rel_ns}id") for sheet in book.iter(f"{main}sheet") if sheet.get("name") == sheet_name), None)
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((rel.get("Target") for rel in rels if rel.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
