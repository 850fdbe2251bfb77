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
import secrets
import time
import warnings
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

from .file_formats import _MAGIC, CUT_SHORT, MALFORMED, SMUGGLED, image_end, pdf_is_active, pdf_smuggled
from .models import Application, Attachment, AttachmentKind, Processing

logger = logging.getLogger(__name__)

FIELD_FOR_KIND = {
    AttachmentKind.ID_CARD: "id_card_file",
    AttachmentKind.CERTIFICATE: "certificate_file",
    AttachmentKind.BANK_CARD: "bank_card_file",
}
KIND_FOR_FIELD = {field: kind for kind, field in FIELD_FOR_KIND.items()}


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
        return None, (
            f"{label}文件超过 {limit // (1024 * 1024)} MB：请把手机的拍照分辨率调低后重新拍摄，或截屏后上传截图；"
            "扫描件请降低扫描分辨率（如 200 dpi）后重新扫描。"
        )
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
