"""SECURITY.md 13: uploads are judged by their content. SVG, renamed scripts, polyglots (an image
carrying a script or a PDF), PDFs with scripts or attachments, empty and oversize files are
refused with a Chinese reason; a real JPEG, PNG or plain PDF is accepted whatever its name."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from rewards.applications import materials

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PLAIN_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return out.getvalue()


def check(content: bytes):  # type: ignore[no-untyped-def]
    return materials.check_upload("id_card", io.BytesIO(content))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (SVG, "只接受"),
        (b"<script>alert(1)</script>", "只接受"),
        (b"#!/bin/sh\nrm -rf /\n", "只接受"),
        (b"GIF89a" + b"\x00" * 64, "只接受"),
        (jpeg() + b"<script>alert(1)</script>", "夹带"),
        (jpeg() + b"<?php system($_GET['c']); ?>", "夹带"),
        (png() + PLAIN_PDF, "夹带"),
        (PLAIN_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</JS(app.alert(1))>>"), "脚本"),
        (PLAIN_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Names<</EmbeddedFiles 2 0 R>>"), "脚本"),
        (PLAIN_PDF[:-7], "不完整"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "损坏"),
        (b"", "空"),
    ],
)
def test_dangerous_or_broken_files_are_refused_with_a_reason(content, words):
    checked, refusal = check(content)
    assert checked is None
    assert refusal and words in refusal


def test_an_oversize_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    checked, refusal = check(jpeg() + b"\x00" * 20_000)
    assert checked is None and "超过" in refusal


@pytest.mark.parametrize(("content", "content_type"), [(jpeg(), "image/jpeg"), (png(), "image/png"), (PLAIN_PDF, "application/pdf")])
def test_real_images_and_plain_pdfs_are_accepted_by_content(content, content_type):
    checked, refusal = check(content)
    assert refusal is None and checked is not None
    assert checked.content_type == content_type


def test_a_pdf_hidden_in_a_photo_comment_far_from_either_end_is_refused():
    """The PDF header sits in a JPEG comment segment near the start of a large photo: farther
    from the end than the tail that is searched for markup, so only the whole-file search finds it."""
    photo = io.BytesIO()
    Image.frombytes("RGB", (300, 300), bytes(range(256)) * 1055 + b"\x00" * 420).save(photo, "JPEG", quality=95)
    body = photo.getvalue()
    comment = b"%PDF-1.4\n% hidden\n"
    hidden = body[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + body[2:] + b"\x00" * 70_000
    assert len(hidden) - hidden.index(b"%PDF-") > 64 * 1024
    checked, refusal = check(hidden)
    assert checked is None and refusal and "夹带" in refusal
    clean, accepted = check(body)
    assert clean is not None and accepted is None
