"""The signed-in worker's own materials: what the edit page shows under each file field (a
thumbnail, or a PDF's line), and the file itself for that page.

A file opens only where the edit page does: the worker's own application, while it can be
corrected, and only its current material of each kind, in its final form (a photo re-encoded
without its metadata, SECURITY.md 13). Anything else, another worker's application, a
withdrawn or decided one, a replaced or unknown material, answers the same 404.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from rewards.applications import selectors as application_selectors
from rewards.applications.labels import MATERIAL_LABELS_SHORT
from rewards.applications.materials import FIELD_FOR_KIND
from rewards.applications.models import Application, AttachmentKind, Processing
from rewards.applications.serving import MaterialMissing, material_response, on_disk, thumbnail_response
from rewards.core.audit import audit
from rewards.core.vocab import Status

from . import session
from .applications import own


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def on_file(application: Application) -> dict[str, dict[str, Any]]:
    """What the application holds now, per file field of the form: its state (``ready``, ``missing``,
    ``pending``, ``unreadable``), and when ready the address to open it."""
    shown: dict[str, dict[str, Any]] = {}
    for item in application_selectors.current_materials(application):
        label = MATERIAL_LABELS_SHORT.get(AttachmentKind(item.kind), AttachmentKind(item.kind).label)
        is_pdf = item.content_type == "application/pdf"
        if not on_disk(item):  # lost in a move or a partial restore: asked for again
            state = "missing"
        elif item.processing in application_selectors.SHOWN_TO_APPLICANT:
            state = "ready"
        elif item.processing == Processing.PENDING:
            state = "pending"
        else:
            state = "unreadable"
        shown[FIELD_FOR_KIND[AttachmentKind(item.kind)]] = {
            "label": label,
            "is_pdf": is_pdf,
            "state": state,
            "url": reverse("worker:material", args=[application.application_no, item.pk]) if state == "ready" else "",
            "thumbnail_url": (
                reverse("worker:material", args=[application.application_no, item.pk]) + "?size=small"
                if state == "ready" and not is_pdf
                else ""
            ),
            "alt": f"原来上传的{label}照片",
            "name": f"{label}.pdf" if is_pdf else f"{label}照片",
            "size": size_label(item.size),
            "uploaded_at": item.uploaded_at,
        }
    return shown


@require_GET
@session.applicant_required
def material(request: HttpRequest, no: str, attachment_id: int) -> HttpResponseBase:
    """One of the worker's own current materials, for the edit page; never cached, audited as a
    reviewer's opening of a material is. ``?size=small``: an image's thumbnail (a small JPEG)."""
    application = own(request, no)
    if not application_selectors.can_resubmit(application):
        raise Http404("没有找到该材料。")
    item = application_selectors.material_for_applicant(application, attachment_id)
    if item is None or (application.status == Status.PAYMENT_FAILED and item.kind != AttachmentKind.BANK_CARD):
        # After a failed payment the page corrects, and shows, the bank card only.
        raise Http404("没有找到该材料。")
    name = f"{application.application_no}-{item.kind}"
    try:
        if request.GET.get("size") == "small" and item.content_type != "application/pdf":
            response = thumbnail_response(item, name=name)
        else:
            response = material_response(item, name=name)
    except MaterialMissing:  # logged; the edit page says to upload it again
        raise Http404("没有找到该材料。") from None
    detail: dict[str, Any] = {"attachment": item.pk, "kind": item.kind}
    if not isinstance(response, FileResponse):  # a thumbnail was sent, not the file itself
        detail["size"] = "small"
    audit("application.view_attachment", obj=application, request=request, actor_label="applicant", detail=detail)
    return response
