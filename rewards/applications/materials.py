"""The three materials of an application: checked by content, size-capped, stored under
random names outside any public URL (SECURITY.md 13)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import logging
import os
import re
import secrets
import time
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from rewards.core import clock
from rewards.core.errors import StorageUnavailable
from rewards.core.rows import PreparedRow, insert_all

from .models import Application, Attachment, AttachmentKind, Processing

logger = logging.getLogger(__name__)

FIELD_FOR_KIND = {
    AttachmentKind.ID_CARD: "id_card_file",
    AttachmentKind.CERTIFICATE: "certificate_file",
    AttachmentKind.BANK_CARD: "bank_card_file",
}
KIND_FOR_FIELD = {field: kind for kind, field in FIELD_FOR_KIND.items()}

_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


def _either_case(word: str) -> str:
    """``word`` for a regex, each letter a class of its two cases (``on`` → ``[oO][nN]``): the
    regex engine rejects a class in one step, where ``re.IGNORECASE`` enters every branch."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _markup_regex(*, body: bool, image: bool) -> re.Pattern[bytes]:
    """Markup or a script in a file whose ``=`` and FF bytes are written as ``<`` first
    (:func:`_anchored`): every marker then starts at a ``<`` and one pass in C finds them all. A
    single fixed first byte is what the regex engine scans for fastest (a class of first bytes such
    as ``[<=]`` is tested byte by byte at ten times the cost); the byte after the ``<`` is taken by
    one class, which almost every ``<`` of compressed data fails at once, and a look back then
    tells which marker it began. Only the attributes need a look back at every ``<``, about a fifth
    of the pass.

    Random compressed data holds a given k-byte string at a given offset with a chance of about
    1/256^k (a letter in either case counts twice, and ``<`` stands for three bytes here), so each
    marker is long enough, or followed by what ends an HTML tag, to stay under one chance in 10^11
    a byte, one false refusal in 50 000 photos of 2 MB: ``<svg`` alone (5·10^-9 a byte) would refuse
    one in 90, so it counts only followed by an attribute ``xmlns`` or ``on…``, or by ``>`` and an
    element inside it (an SVG with neither runs nothing). The markers: the tags ``<script``,
    ``<iframe``, ``<html``, ``<body``, ``<svg``, PHP's open tag (whitespace must follow it), the
    attributes ``onerror=`` and ``onload=`` (one space allowed before the ``=``), an attribute whose
    value is a ``javascript:`` address, and, in an image, FF D9 (a JPEG's end, which the caller
    checks: the same bytes after a ``<`` or ``=`` are nothing)."""
    first = r"[sSiI?hHjJ\s\"'`" + ("bB" if body else "") + ("\xd9" if image else "") + "]"
    tags = (
        rf"(?<=[sS])(?:{_either_case('cript')}|{_either_case('vg')}(?:>\s*<|[\s/]+(?:{_either_case('xmlns')}|{_either_case('on')})))"
        rf"|(?<=[iI]){_either_case('frame')}|(?<=\?){_either_case('php')}\s|(?<=[hH]){_either_case('tml')}[\s/>]"
        + (rf"|(?<=[bB]){_either_case('ody')}[\s/>]" if body else "")
        + rf"|(?<=[jJ]){_either_case('avascript')}:|(?<=[\s\"'`])[\s\"'`]*[jJ]{_either_case('avascript')}:"
        + (r"|(?<=\xd9)" if image else "")
    )
    handlers = "|".join(rf"(?<={_either_case(name)}{space}<)" for name in ("onerror", "onload") for space in ("", r"\s"))
    return re.compile(rf"<(?:(?<=[rRdD\s]<)(?:{handlers})|{first}(?:{tags}))".encode("latin-1"))


_IMAGE_MARKUP = _markup_regex(body=True, image=True)
#: A JPEG's end alone, in a file anchored as for :data:`_IMAGE_MARKUP`.
_JPEG_END = re.compile(rb"<\xd9")
#: In a PDF, not ``<body``: Acrobat keeps a comment's or typed text's formatting as XHTML
#: ``<body xmlns=…>`` in the annotation (``/RC``), readable in a PDF saved without object streams.
_PDF_MARKUP = _markup_regex(body=False, image=False)
#: What may follow an image's end: the zero bytes or line ends some phones and tools pad files with.
_PADDING = re.compile(rb"[\x00\t\n\r ]*")
#: :func:`image_end`'s answers when the file stops before the image's end, is not built as its
#: format says, or holds markup (when asked to look).
CUT_SHORT, MALFORMED, SMUGGLED = -1, -2, -3


def _anchored(content: bytes, *, image: bool) -> bytes:
    """``content`` with ``=`` (and in an image FF) written as ``<``: same length, same offsets.
    ``bytes.replace`` finds a byte with ``memchr`` and copies at memory speed, about 6 µs for
    200 KB, a tenth of one regex pass."""
    anchored = content.replace(b"=", b"<")
    return anchored.replace(b"\xff", b"<") if image else anchored


def image_end(content: bytes, content_type: str, *, markup: bool = False) -> int:
    """Where the image ends, read from its structure, not from the last end marker (which anything
    appended can carry): ``len(content)`` when nothing but padding follows it, an earlier offset
    when something else does, or :data:`CUT_SHORT` or :data:`MALFORMED`; with ``markup``, also
    :data:`SMUGGLED` for markup or a script anywhere in the file (found in the same pass) or a PDF
    header where PDF readers look for one, in the first 1 024 bytes (Acrobat, PDFium and PDF.js; a
    reader that goes on without one needs no header at all, so searching further finds nothing a
    reader uses, at a third of the pass's cost).

    A JPEG ends at the first end of image (EOI) after its first scan's data: segments before it are
    skipped by their lengths (an EXIF thumbnail's EOI inside APP1 is not the end), and FF D9 cannot
    occur in entropy-coded data (an FF there is followed by 00 or a restart marker). Further whole
    JPEGs may follow it: a multi-picture file (MPO: a camera's second view, a phone's depth map or
    HDR gain map, listed in the first image's MPF segment) is one JPEG after another. A Samsung
    trailer or a motion photo's video after the last image is not an image: it counts as appended."""
    if markup and content.find(b"%PDF-", 1, 1024 + 4) >= 0:
        return SMUGGLED
    if content_type == "image/png":
        end = _png_end(content)
        if end >= 0 and markup and any(not _jpeg_end_at(found) for found in _IMAGE_MARKUP.finditer(_anchored(content, image=False))):
            return SMUGGLED
        return end
    data = _first_scan(content, 0)
    if data < 0:
        return data
    finder = _IMAGE_MARKUP if markup else _JPEG_END
    for found in finder.finditer(_anchored(content, image=True)):
        at = found.start()
        if not _jpeg_end_at(found):
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


def _jpeg_end_at(found: re.Match[bytes]) -> bool:
    """Whether a match of :data:`_IMAGE_MARKUP` is ``<`` D9, which may be a JPEG's end, not markup."""
    return found.end() == found.start() + 2 and found.string[found.start() + 1] == 0xD9


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


def _png_end(content: bytes) -> int:
    """After the ``IEND`` chunk and its checksum, chunk by chunk from the signature, and any padding."""
    size, at = len(content), 8
    while at + 12 <= size:
        length = int.from_bytes(content[at : at + 4], "big")
        kind = content[at + 4 : at + 8]
        at += 12 + length
        if kind == b"IEND":
            if length != 0 or at > size:
                return MALFORMED
            after = _run_end(_PADDING, content, at)
            return after if after == size else at
    return CUT_SHORT


def _run_end(run: re.Pattern[bytes], data: bytes, at: int) -> int:
    """Where the run of what ``run`` matches from ``at`` on ends."""
    found = run.match(data, at)
    return found.end() if found else at


# PDF ----------------------------------------------------------------------------------------------

#: Names of what a PDF can run, fetch or carry: scripts (also in XFA forms), launching a program,
#: attached files, actions on opening or on events (`/AA`), Flash and other media, sending form data
#: or importing it, opening another file or one attached (`/GoToR`, `/GoToE`). Matched as whole names
#: (a name ends at whitespace or a delimiter): `/AAPL:Keywords`, which Apple's PDFs carry, is not
#: `/AA`. Not here: `/URI`, a link to a web page, which Word and WPS write for every address in a
#: document (a reader asks before opening one); `/AcroForm` and `/JBIG2Decode`, which plain forms and
#: scanners' black-and-white pages use.
_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|OpenAction|AA|XFA|RichMedia|Rendition|Movie|Sound"
    rb"|SubmitForm|ImportData|GoToR|GoToE)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
#: An object stream's dictionary: its type, or the offset of its first object that readers need.
_OBJECT_STREAM = re.compile(rb"/(?:ObjStm|First)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: The ``stream`` keyword; its data starts on the next line, as PDF.js reads it.
_STREAM = re.compile(rb"(?<![^\x00\t\n\x0c\r ()<>\[\]{}/%])stream(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])[^\r\n]*(?:\r\n|\r|\n)")
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


def _names_unescaped(data: bytes) -> bytes:
    """``/J#61vaScript`` is ``/JavaScript`` to a PDF reader (names may escape any byte as #xx)."""
    return _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def _active(data: bytes) -> bool:
    return bool(_PDF_ACTIVE.search(data) or _PDF_ACTIVE.search(_names_unescaped(data)))


def pdf_is_active(content: bytes) -> bool:
    """A script, launch action, attached file or other active content anywhere in the PDF: in its
    plain objects, with names written in #xx escapes, or inside compressed object streams. Those
    keys live in dictionaries, and dictionaries are either plain objects or inside object streams
    (``/Type /ObjStm``), so only object streams are unpacked (images and page contents are not);
    a stream whose dictionary cannot be read is unpacked too, and an object stream that does not
    unpack whole, or unpacks past the cap, counts as suspect."""
    if _active(content):
        return True
    inflated, budget = 0, _DICTIONARY_BUDGET
    for match in _STREAM.finditer(content):  # each keyword on its own: one in a string swallows no stream
        dictionary, read = _stream_dictionary(content, match.start())
        budget -= read
        if budget < 0:
            return True  # more dictionary text than an honest PDF has: it cannot all be checked
        if dictionary is not None and not _OBJECT_STREAM.search(_names_unescaped(dictionary)):
            continue
        end = content.find(b"endstream", match.end())
        unpacker = zlib.decompressobj()
        try:
            data = unpacker.decompress(content[match.end() : end if end >= 0 else len(content)], _INFLATE_STREAM)
        except zlib.error:
            return True  # an object stream that does not unpack cannot be checked
        inflated += len(data)
        if _active(data) or not unpacker.eof or inflated > _INFLATE_TOTAL:
            return True  # past the cap, or cut short (an "endstream" written inside the data)
    return False


def pdf_smuggled(content: bytes) -> bool:
    """The markup of a web page or a script in a PDF (a page saved as a PDF holds none: its text is
    drawn, not tagged)."""
    return _PDF_MARKUP.search(_anchored(content, image=False)) is not None


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


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content: bytes
    content_type: str


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 5 * 1024 * 1024))


def sniff(content: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if content.startswith(magic):
            return content_type
    return None


def check_upload(kind: str, upload: IO[bytes] | None) -> tuple[CheckedFile | None, str | None]:
    """Reads one upload and returns it checked, or a Chinese reason it is refused."""
    label = AttachmentKind(kind).label
    if upload is None:
        return None, f"请上传{label}的照片或扫描件。"
    limit = max_bytes()
    content = upload.read(limit + 1)
    if len(content) > limit:
        return None, f"{label}文件超过 {limit // (1024 * 1024)} MB，请压缩后重新上传。"
    if not content:
        return None, f"{label}文件是空的。"
    content_type = sniff(content)
    if content_type is None:
        if content[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):  # an iPhone's HEIC photo
            return None, (
                f"{label}只接受 JPEG、PNG 图片或 PDF 文件。这是苹果手机的 HEIC 格式照片：请在“设置 › 相机 › 格式”中选择“兼容性最佳”后重拍，"
                "或对照片截屏后上传截图。"
            )
        return None, f"{label}只接受 JPEG、PNG 图片或 PDF 文件。"
    if content_type.startswith("image/"):
        refusal = _image_refusal(label, content, content_type)
        if refusal:
            return None, refusal
    else:
        if b"%%EOF" not in content[-2048:]:
            return None, f"{label} PDF 文件不完整。"
        if pdf_is_active(content):
            return None, f"{label} PDF 文件含有脚本或附件，请另存为普通 PDF 或改传图片。"
        if pdf_smuggled(content):
            return None, f"{label} PDF 文件中夹带了网页或脚本，请另存为普通 PDF 或改传图片。"
    return CheckedFile(kind=kind, content=content, content_type=content_type), None


def _image_refusal(label: str, content: bytes, content_type: str) -> str | None:
    """Why an image is refused, or ``None``. It must end where its structure says, so that nothing
    unreadable is stored from an upload (a cut photo would be kept as uploaded, not re-encoded)
    and nothing rides after it; Pillow reads its header; no markup or PDF header is inside."""
    end = image_end(content, content_type, markup=True)
    if end == CUT_SHORT:
        return f"{label}图片不完整，可能没有保存或传完，请重新拍摄后上传。"
    if end == MALFORMED:
        return f"{label}图片已损坏或格式不正确。"
    if end == SMUGGLED:
        return f"{label}图片中夹带了其他内容，请重新拍摄后上传。"
    if end < len(content):
        return f"{label}图片末尾夹带了其他数据（如“动态照片”的视频），请关闭动态照片后重新拍摄，或截屏后上传截图。"
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                return f"{label}图片像素过多（超过 5000 万像素），请缩小后重新上传。"
            image.verify()
    except Image.DecompressionBombError:
        return f"{label}图片像素过多（超过 5000 万像素），请缩小后重新上传。"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return f"{label}图片已损坏或格式不正确。"
    return None


def store(application: Application, checked: CheckedFile, written: list[str]) -> Attachment:
    """Saves the file under a random name and records it; ``written`` collects saved names so
    that the caller can delete them if its transaction rolls back (no orphan files)."""
    saved = save_file(new_name(application.campaign.year), checked.content)
    written.append(saved)
    Attachment.objects.filter(application=application, kind=checked.kind, current=True).update(current=False)
    attachment = new_attachment(application, checked, saved, clock.now())
    attachment.save()
    return attachment


def new_attachment(application: Application, checked: CheckedFile, storage_name: str, at: dt.datetime, *, sha256: str = "") -> Attachment:
    """The row of one stored material, the current one of its kind (not saved yet).

    Its SHA-256 is left empty unless given: :func:`process` (the background task after the
    commit) writes the checksum of the file it keeps, the re-encoded image or the PDF as
    uploaded, so that a submission does not hash 600 KB while the worker waits. A path that
    queues no processing (the bulk import) gives it.
    """
    return Attachment(
        application=application,
        kind=checked.kind,
        storage_name=storage_name,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=sha256,
        current=True,
        uploaded_at=at,
    )


def new_name(year: int | str) -> str:
    """A fresh storage name: the time in nanoseconds, then 96 random bits.

    The random part makes it unguessable and unique; the time in front makes new names sort
    after the earlier ones, so the unique index on ``storage_name`` takes each submission's
    three rows on the same last page instead of on three random pages of a large B-tree.
    """
    return f"materials/{year}/{time.time_ns():016x}{secrets.token_hex(12)}"


def save_file(name: str, content: bytes) -> str:
    """Writes a new file under ``name`` (a fresh random name) readable by its owner only.

    On the local file system straight through ``os.open`` with ``O_EXCL``: Django's storage
    would look for a free name, copy in chunks and change the mode afterwards, which cost a
    submission more than a millisecond for three photos. Other storages go through Django.
    Through the page cache: writing directly to the disk was measured and dropped (decision 95).
    """
    storage = default_storage
    try:
        if not isinstance(storage, FileSystemStorage):
            return storage.save(name, ContentFile(content))
        path = storage.path(name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            descriptor = os.open(path, flags, 0o600)
        except FileNotFoundError:  # the year's folder does not exist yet
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            descriptor = os.open(path, flags, 0o600)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(descriptor, view) :]
            closing, descriptor = descriptor, -1
            os.close(closing)  # a network file system may report a full disk only here
        except OSError:
            if descriptor >= 0:
                with contextlib.suppress(OSError):
                    os.close(descriptor)
            with contextlib.suppress(OSError):
                os.unlink(path)  # no half-written file left behind
            raise
    except OSError as exc:  # a full disk, a read-only or missing volume
        logger.error("申请材料写入失败（%s）：%s", type(exc).__name__, exc.strerror or exc)
        raise StorageUnavailable() from exc
    return name


def write_files(year: int, checked: list[CheckedFile], written: list[str]) -> list[tuple[CheckedFile, str]]:
    """Writes the files first, outside the database transaction (the slow part of a submission
    must not hold the database's write lock); ``written`` lets the caller delete them again."""
    saved = []
    for item in checked:
        name = save_file(new_name(year), item.content)
        written.append(name)
        saved.append((item, name))
    return saved


def record_files(application: Application, saved: list[tuple[CheckedFile, str]]) -> list[Attachment]:
    now = clock.now()
    attachments = [new_attachment(application, item, name, now) for item, name in saved]
    insert_all([PreparedRow(attachment) for attachment in attachments], match="storage_name")
    return attachments


def discard(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


#: Larger images are not decoded (a "decompression bomb": a small file that unpacks to gigabytes).
MAX_PIXELS = 50_000_000


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Pillow's decoding errors raised, whatever the process set: WeasyPrint, once imported, turns
    ``LOAD_TRUNCATED_IMAGES`` on for the whole process, and a whole but corrupt image would then
    be saved as grey pixels and its original deleted, instead of being kept and marked."""
    from PIL import ImageFile

    relaxed = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = relaxed


def reencode(content: bytes, content_type: str) -> bytes:
    """The image decoded and written again: EXIF (place, device, time), ICC and text chunks
    are left behind, the EXIF orientation is applied to the pixels. Raises ``ValueError`` when
    the image cannot be decoded whole."""
    # A cut file must not be padded into a "valid" image: WeasyPrint, once imported, sets
    # Pillow's process-wide LOAD_TRUNCATED_IMAGES, so read the format's end from its structure
    # here (a file stored before uploads were checked for it may still be cut).
    if image_end(content, content_type) < 0:
        raise ValueError("图片无法完整读取：文件不完整")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise ValueError("图片像素过多")
                with _strict_decoding():
                    opened.load()
                image = ImageOps.exif_transpose(opened)
        for key in ("comment", "exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "photoshop", "adobe", "adobe_transform"):
            image.info.pop(key, None)  # Pillow writes a JPEG comment back on save, whatever it holds
        out = io.BytesIO()
        if content_type == "image/jpeg":
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(out, "JPEG", quality=90)
        else:
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            image.save(out, "PNG")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"图片无法完整读取：{type(exc).__name__}") from exc
    return out.getvalue()


#: The outcome of :func:`process` when the file could not be read or written this time: the
#: material stays pending, for :func:`process_pending` (``manage.py process_materials``).
RETRY = "retry"


def process(attachment_id: int) -> str:
    """Re-encodes one pending image (PDFs are kept as checked at upload); returns the outcome.

    Safe to run twice or in two workers at once: the row changes only if it is still pending
    under the same file name, and the loser deletes the file it wrote.
    """
    attachment = Attachment.objects.filter(pk=attachment_id, processing=Processing.PENDING).first()
    if attachment is None:
        return "skipped"
    pending = Attachment.objects.filter(pk=attachment_id, processing=Processing.PENDING, storage_name=attachment.storage_name)
    try:
        with default_storage.open(attachment.storage_name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        logger.warning("申请材料 %s 的文件不存在。", attachment_id)
        pending.update(processing=Processing.UNREADABLE)
        return Processing.UNREADABLE
    except OSError as exc:  # a volume gone for a moment, a permission changed: try again later
        logger.warning("申请材料 %s 暂时无法读取（%s），留待下次处理。", attachment_id, exc)
        return RETRY
    if not attachment.content_type.startswith("image/"):
        pending.update(processing=Processing.ORIGINAL, sha256=hashlib.sha256(content).hexdigest())
        return Processing.ORIGINAL
    try:
        cleaned = reencode(content, attachment.content_type)
    except ValueError as exc:
        logger.warning("申请材料 %s 无法重新编码（%s），保留原件供审核人核对。", attachment_id, exc)
        pending.update(processing=Processing.UNREADABLE, sha256=hashlib.sha256(content).hexdigest())
        return Processing.UNREADABLE
    year = attachment.storage_name.split("/")[1] if attachment.storage_name.count("/") >= 2 else "other"
    try:
        name = save_file(new_name(year), cleaned)
    except StorageUnavailable:  # logged by save_file; the original stays, still pending
        return RETRY
    with transaction.atomic():
        changed = pending.update(
            storage_name=name, size=len(cleaned), sha256=hashlib.sha256(cleaned).hexdigest(), processing=Processing.REENCODED
        )
    discard([attachment.storage_name] if changed else [name])
    return Processing.REENCODED if changed else "skipped"


def process_pending(*, older_than: dt.timedelta) -> dict[str, int]:
    """Processes every material still pending ``older_than`` after its upload; counts outcomes.

    The safety net for what the background task left behind: a queue that could not be reached
    after a bulk import, a worker stopped mid-task, a volume that could not be read for a while.
    Until then an image keeps the metadata it was uploaded with, so this runs from cron. Safe
    while the workers run: :func:`process` changes a row only if it is still pending.
    """
    cutoff = clock.now() - older_than
    ids = Attachment.objects.filter(processing=Processing.PENDING, uploaded_at__lte=cutoff).order_by("pk").values_list("pk", flat=True)
    outcomes: dict[str, int] = {}
    for attachment_id in list(ids):
        outcome = process(attachment_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def schedule_processing(attachment_ids: list[int]) -> None:
    """Queues the re-encoding of freshly stored materials for after the commit."""
    ids = [pk for pk in attachment_ids if pk is not None]
    if ids:
        transaction.on_commit(functools.partial(_enqueue_processing, ids), robust=True)


def _enqueue_processing(ids: list[int]) -> None:
    from .tasks import process_materials

    try:
        process_materials.enqueue(ids)
    except Exception as exc:  # the upload has committed; the original stays for process_pending
        logger.warning("%d 份申请材料未能排队重新编码（%s）。", len(ids), type(exc).__name__)
