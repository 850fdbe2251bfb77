"""Sending a generated annex: an attachment with a Chinese file name, never cached."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from .renderers import Generated


def content_disposition(filename: str, ascii_filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the real name as RFC 5987 ``filename*``."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in ascii_filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(generated: Generated) -> HttpResponse:
    response = HttpResponse(generated.content, content_type=generated.content_type)
    response["Content-Disposition"] = content_disposition(generated.filename, generated.ascii_filename)
    response["Content-Length"] = str(len(generated.content))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
