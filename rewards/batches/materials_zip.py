"""The materials zip of a batch upload: ``身份证号_身份证.jpg`` and its kin, read with the names
as their makers wrote them (GBK from Windows), each capped, a zip bomb costing no more than its
cap; what cannot be used is said, not dropped silently.

The number of entries is capped before zipfile reads the central directory (it builds an object
for every entry there, and a few megabytes of tiny entries make millions); each material is
unpacked into a temporary file (kept in memory while small), not held as bytes for the whole
import (decision 290)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from rewards.applications import materials
from rewards.core.errors import InvalidInput
from rewards.core.text import fold_width

MAX_ZIP_BYTES = 500 * 1024 * 1024
#: Entries in the materials zip, folders included: three materials for each of 6 000 workers and
#: room to spare (decision 290).
MAX_ZIP_ENTRIES = 20_000
#: A material smaller than this stays in memory while the import runs; a larger one is on disk.
SPOOL_BYTES = 256 * 1024


def too_many_entries() -> str:
    return (
        f"材料压缩包中的文件过多（超过 {MAX_ZIP_ENTRIES} 个）：每位职工只需身份证、证书、银行卡三个文件；"
        "人数很多时请把汇总表和材料分成几批上传。"
    )


KINDS = ("id_card", "certificate", "bank_card")
#: The kinds as a clerk names the files in Chinese, beside the codes.
KIND_NAMES = {"身份证": "id_card", "证书": "certificate", "等级证书": "certificate", "银行卡": "bank_card"}
#: The Chinese name a missing material is asked for by.
CHINESE_KIND = {"id_card": "身份证", "certificate": "证书", "bank_card": "银行卡"}
_KIND = r"(?P<kind>id_card|certificate|bank_card|身份证|等级证书|证书|银行卡)"
#: Both sides in the one file, as the kind is often written on (``身份证正反面``, ``身份证（正反面）``):
#: what the material is meant to be, not one side of it.
_BOTH_SIDES = r"(?:\s*\(?(?:正反两面|正反面|正反|两面|双面)\)?)?"
#: ``身份证号_身份证.jpg`` as clerks write it: the separator may be ``-`` or a space, with spaces
#: around it or before the extension, and the worker's name may stand before the ID number or
#: between it and the kind (``张三_3301…_身份证.jpg``, ``3301…-张三-证书.JPG``).
_MATERIAL_NAME = re.compile(
    r"^(?:[^0-9]{1,20}?[\s_-]*)?(?P<id>[0-9]{17}[0-9Xx])[\s_-]*(?:[^0-9\s_-][^0-9]{0,19}?[\s_-]+)?"
    + _KIND
    + _BOTH_SIDES
    + r"\s*\.(?:jpe?g|png|pdf)$",
    re.IGNORECASE,
)
#: One side of an ID card in a file of its own (身份证正面.jpg): the material is both sides in one.
_ONE_SIDE = re.compile(r"[0-9]{17}[0-9Xx].*身份证\s*(?:正面|反面|背面|正|反|人像面|国徽面)", re.IGNORECASE)
#: The zip entry flag saying its name is UTF-8 (APPNOTE 4.4.4, bit 11).
_UTF8_NAME = 0x800


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's path as its maker wrote it. Without the UTF-8 flag, zipfile reads the name as
    cp437; the zips that Windows and most Chinese tools make hold it in the system's code page
    (GBK), so a name that is not plain ASCII is read again from its bytes: as UTF-8 when it is
    valid UTF-8 (some tools leave the flag out), else as GB18030 (a superset of GBK), else as
    cp437 after all."""
    name = info.filename
    if info.flag_bits & _UTF8_NAME or name.isascii():
        return name
    raw = name.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


#: An Office document is a zip too: given as the materials (the sheet chosen twice, the two files
#: swapped on the command line), it is said for what it is instead of naming its XML parts.
_OFFICE_PARTS = {"xl/workbook.xml": "Excel 工作簿", "word/document.xml": "Word 文档", "ppt/presentation.xml": "PowerPoint 演示文稿"}


def office_document(archive: zipfile.ZipFile) -> str:
    """Why a zip given as the materials is refused when it is an Office document ("" if not)."""
    names = set(archive.namelist())
    what = next((label for part, label in _OFFICE_PARTS.items() if part in names), "")
    if not what:
        return ""
    return (
        f"材料压缩包是一个 {what}，不是材料的压缩包：请把身份证、证书、银行卡的照片或 PDF"
        "（命名为“身份证号_身份证.jpg”等）打包为 .zip 上传；汇总表请在“汇总表”处上传。"
    )


_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"


def entry_count(content: bytes, *, cap: int | None = None) -> int:
    """How many entries the zip's central directory holds, counted up to ``cap + 1`` without
    zipfile: the end record's total (zip64's when there is one), or the records walked in the
    directory where it says fewer (zipfile reads the directory by its size, not by the total).
    0 when no end record is found (zipfile then refuses the file). ``cap``: ``MAX_ZIP_ENTRIES``."""
    cap = MAX_ZIP_ENTRIES if cap is None else cap
    end = content.rfind(_END, max(0, len(content) - 22 - 0xFFFF))
    if end < 0 or len(content) < end + 22:
        return 0
    total = int.from_bytes(content[end + 10 : end + 12], "little")
    size = int.from_bytes(content[end + 12 : end + 16], "little")
    directory_end = end
    locator = end - 20
    if locator >= 0 and content[locator : locator + 4] == _END64_LOCATOR:
        record = locator - 56  # zipfile reads the zip64 end record just before its locator
        if record >= 0 and content[record : record + 4] == _END64:
            total = int.from_bytes(content[record + 32 : record + 40], "little")
            size = int.from_bytes(content[record + 40 : record + 48], "little")
            directory_end = record
    if total > cap:
        return total
    position, walked = max(0, directory_end - size), 0
    while position + 46 <= directory_end and walked <= cap and content[position : position + 4] == _CENTRAL:
        lengths = content[position + 28 : position + 34]
        position += 46 + sum(int.from_bytes(lengths[i : i + 2], "little") for i in (0, 2, 4))
        walked += 1
    return max(total, walked)


def zip_refusal(content: bytes) -> str:
    """Why the materials given are refused at once ("" if they are a zip to read): not a zip, an
    Office document, or too many entries (counted before zipfile reads them)."""
    if entry_count(content) > MAX_ZIP_ENTRIES:
        return too_many_entries()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return office_document(archive)
    # NotImplementedError is zipfile's refusal of a compression method or flag it cannot read.
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return "材料压缩包无法打开，请上传 .zip 文件。"


Materials = dict[str, dict[str, IO[bytes]]]


@contextlib.contextmanager
def materials_closed(found: Materials) -> Iterator[Materials]:
    """The temporary files of :func:`read_materials` closed (and so deleted) at the end."""
    try:
        yield found
    finally:
        for files in found.values():
            for handle in files.values():
                handle.close()


def read_materials(content: bytes | None) -> tuple[Materials, list[str]]:
    """``{id_number: {kind: file}}`` from the zip, and the problems of the zip itself. Each file
    is a temporary file at its start, the caller's to close (:func:`materials_closed`)."""
    if not content:
        return {}, []
    if entry_count(content) > MAX_ZIP_ENTRIES:
        raise InvalidInput(too_many_entries(), fields={"attachments": [too_many_entries()]})
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):  # as zip_refusal: a damaged directory
        raise InvalidInput("材料压缩包无法打开，请上传 .zip 文件。", fields={"attachments": ["不是有效的 zip 文件。"]}) from None
    if refused := office_document(archive):
        raise InvalidInput(refused, fields={"attachments": [refused]})
    found: Materials = {}
    found_as: dict[tuple[str, str], str] = {}  # (ID number, kind) → the file name it came from
    problems: list[str] = []
    total = 0
    for info in archive.infolist():
        if info.filename.endswith("/"):  # is_dir() fails on an empty name (cut at a NUL)
            continue
        path = entry_name(info)
        name = path.rsplit("/", 1)[-1]
        match = _MATERIAL_NAME.match(fold_width(name).strip())
        if not match and name.lower().endswith((".zip", ".rar", ".7z")):
            problems.append(f"压缩包中的“{name}”又是一个压缩包，已忽略：请把材料文件直接放进同一个压缩包，不要压缩包套压缩包。")
            continue
        if not match and _ONE_SIDE.search(fold_width(name)):
            problems.append(
                f"压缩包中的“{name}”只是身份证的一面，已忽略：身份证正反面须在同一个文件中（拍在一张照片上，或合成一个 PDF），"
                "命名为“身份证号_身份证.jpg”。"
            )
            continue
        if not match:
            if name and not name.startswith(".") and not path.startswith("__MACOSX"):
                problems.append(f"压缩包中的“{name}”未按“身份证号_身份证.jpg”“身份证号_证书.jpg”“身份证号_银行卡.jpg”命名，已忽略。")
            continue
        limit = materials.max_bytes()
        if info.file_size > limit or total + info.file_size > MAX_ZIP_BYTES:
            problems.append(f"“{name}”过大，已忽略。")
            continue
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(f"“{name}”已加密或使用了不支持的压缩方式，已忽略：请用普通 zip 压缩。")
            continue
        # The sizes a zip declares are the sender's word: read at most one byte past the cap, so
        # that an entry claiming 1 KB and unpacking to 1 GB (a zip bomb) costs 5 MB, not 1 GB.
        spooled: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  # closed by the caller
        try:
            with archive.open(info) as handle:
                shutil.copyfileobj(_Capped(handle, limit + 1), spooled)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError):  # cut, damaged, a wrong CRC
            spooled.close()
            problems.append(f"“{name}”无法解压，已忽略。")
            continue
        size = spooled.tell()
        if size > limit:
            spooled.close()
            problems.append(f"“{name}”过大（解压后超过 {limit // (1024 * 1024)} MB），已忽略。")
            continue
        total += size
        if total > MAX_ZIP_BYTES:
            spooled.close()
            problems.append(f"“{name}”过大，已忽略。")
            continue
        spooled.seek(0)
        number, kind = match["id"].upper(), KIND_NAMES.get(match["kind"], match["kind"].lower())
        earlier = found_as.get((number, kind))
        if earlier is not None:
            label = materials.AttachmentKind(kind).label
            problems.append(f"“{earlier}”和“{name}”是同一职工的同一种材料（{label}），只使用了后者“{name}”。")
            found[number][kind].close()
        found_as[number, kind] = name
        found.setdefault(number, {})[kind] = spooled
    if not any(not info.filename.endswith("/") for info in archive.infolist()):
        problems.append("材料压缩包中没有文件：请把材料放进压缩包后重新上传，或不上传压缩包。")
    return found, problems


class _Capped(io.RawIOBase):
    """At most ``limit`` bytes of ``source`` (one past the cap is enough to say it is too large)."""

    def __init__(self, source: IO[bytes], limit: int) -> None:
        self.source, self.left = source, limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.source.read(size)
        self.left -= len(data)
        return data
