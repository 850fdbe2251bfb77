"""A stored material sent to a browser: the one helper of every view that opens one (the staff
page, the review API, the worker's own edit page), so that they all send the same headers
(SECURITY.md 11 and 13).

The file goes inline with the content type found by its content at upload, never sniffed
(``nosniff``), never kept by a browser or proxy (``no-store``), and under its own
Content-Security-Policy: a material opened on its own loads nothing, runs nothing and is
framed by nobody (or by this site's pages only, for the reviewers' viewer). An image is also
``sandbox``-ed; a PDF is not, since Chromium refuses to show a PDF in a sandboxed document.
"""

from __future__ import annotations

import io
import logging
from typing import IO

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from PIL import Image

from rewards.core.clock import SHANGHAI
from rewards.core.errors import NotFound

from .models import Attachment

logger = logging.getLogger(__name__)


class MaterialMissing(NotFound):
    """A material's record is there and its file is not (lost in a move or a partial restore):
    said as such, to whoever may open it, instead of a server error; logged for the operators,
    whose ``manage.py check_materials`` lists every such file."""

    code = "material_missing"
    default_message = (
        "这份材料的文件在服务器上找不到，已记入系统日志，请联系系统管理员从备份找回；无法找回时，可退回补正，请申请人重新上传这份材料。"
    )


class MaterialUnreadable(MaterialMissing):
    """The file is there and cannot be read now (its permissions, the volume): not the worker's
    to mend, and perhaps gone in a minute, hence 503 rather than 404."""

    status = 503
    code = "material_unreadable"
    default_message = "这份材料的文件暂时无法读取（存储权限或磁盘问题），已记入系统日志，请稍后再试；如一直如此，请联系系统管理员。"


class MaterialPurged(NotFound):
    """A material whose file was deleted when the campaign's retention period ended
    (``purge_expired``, DOMAIN.md §9): destroyed under the rule, not lost, so not 缺失."""

    code = "material_purged"

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(purged_note(attachment))


def purged_note(attachment: Attachment) -> str:
    """保存期限届满，这份材料的文件已于2026年1月21日依规销毁，不能再查看。"""
    day = attachment.purged_at.astimezone(SHANGHAI).date() if attachment.purged_at else None
    when = f"已于{day.year}年{day.month}月{day.day}日" if day else "已"
    return f"保存期限届满，这份材料的文件{when}依规销毁，不能再查看。"


def open_material(attachment: Attachment) -> IO[bytes]:
    """The stored file of ``attachment``, opened for reading, or :class:`MaterialMissing`
    (:class:`MaterialUnreadable` when it is there and cannot be read)."""
    try:
        return default_storage.open(attachment.storage_name, "rb")
    except FileNotFoundError:
        logger.error(
            "申请材料的文件缺失：材料 %s，存储名 %s。请从备份找回（manage.py check_materials --restore-from 备份目录）。",
            attachment.pk,
            attachment.storage_name,
        )
        raise MaterialMissing() from None
    except OSError as exc:
        logger.error(
            "申请材料的文件无法读取：材料 %s，存储名 %s（%s）。", attachment.pk, attachment.storage_name, exc.strerror or type(exc).__name__
        )
        raise MaterialUnreadable() from None


def on_disk(attachment: Attachment) -> bool:
    """Whether the file of ``attachment`` is in storage (a page marks a missing one)."""
    return bool(attachment.storage_name) and default_storage.exists(attachment.storage_name)


EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}

_IMAGE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; sandbox"
_PDF_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; base-uri 'none'; form-action 'none'"


def material_policy(content_type: str, *, framed_by_self: bool = False) -> str:
    """The Content-Security-Policy of one material's answer."""
    policy = _PDF_POLICY if content_type == "application/pdf" else _IMAGE_POLICY
    ancestors = "'self'" if framed_by_self else "'none'"
    return f"{policy}; frame-ancestors {ancestors}"


def material_response(attachment: Attachment, *, name: str, framed_by_self: bool = False) -> FileResponse:
    """The file of ``attachment``, inline, as ``name`` plus its extension; :class:`MaterialPurged`
    when retention deleted it, :class:`MaterialMissing` when it is lost."""
    if attachment.purged_at is not None:
        raise MaterialPurged(attachment)
    extension = EXTENSIONS.get(attachment.content_type, "bin")
    response = FileResponse(open_material(attachment), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{name}.{extension}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so django-csp's middleware leaves it as it is (it adds a policy only where none is).
    response["Content-Security-Policy"] = material_policy(attachment.content_type, framed_by_self=framed_by_self)
    return response


#: A thumbnail's box in pixels: twice the 120 × 90 the worker's page draws it at (phone screens
#: have two or three device pixels to a CSS pixel).
THUMBNAIL_BOX = (240, 180)

#: The most pixels a thumbnail decodes (a 4000 × 3000 photo, about 48 MB in memory). A JPEG is
#: decoded at 1/2…1/8 of its size (draft mode), so only an extreme one comes near it; a PNG has
#: no reduced decoding, and a one-colour PNG of 50 megapixels (taken at upload) is a few KB: made
#: into a thumbnail at every request, the worker could have the server decode hundreds of MB as
#: often as they liked. Past it the stored file is sent as it is, for the browser to shrink.
THUMBNAIL_MAX_PIXELS = 4000 * 3000


def thumbnail_response(attachment: Attachment, *, name: str) -> HttpResponseBase:
    """A small JPEG of an image material (already re-encoded, so decoded once before and free of
    metadata), with the headers of :func:`material_response`: a page of three thumbnails on a
    phone's mobile data fetches tens of kilobytes instead of the full photos. The file itself
    (:func:`material_response`) when it has more pixels than :data:`THUMBNAIL_MAX_PIXELS` to
    decode, or cannot be decoded (damaged on the volume since it was re-encoded): what 查看大图
    opens, rather than a server error."""
    try:
        with open_material(attachment) as stored, Image.open(stored) as opened:
            opened.draft("RGB", (THUMBNAIL_BOX[0] * 2, THUMBNAIL_BOX[1] * 2))  # a JPEG decodes at 1/2…1/8 scale
            if opened.width * opened.height > THUMBNAIL_MAX_PIXELS:
                return material_response(attachment, name=name)
            image = opened.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("申请材料 %s 无法生成缩略图（%s），改为发送原文件。", attachment.pk, type(exc).__name__)
        return material_response(attachment, name=name)
    image.thumbnail(THUMBNAIL_BOX)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{name}-small.jpg"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = material_policy("image/jpeg")
    return response
