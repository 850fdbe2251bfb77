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


# --- found by the adversarial pass of session 6 -------------------------------------------------


def _objstm_pdf(inner: bytes) -> bytes:
    import zlib

    body = zlib.compress(b"3 0 " + inner)
    return (
        b"%PDF-1.5\n1 0 obj<</Type/Catalog>>endobj\n2 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
        + str(len(body)).encode()
        + b">>stream\n"
        + body
        + b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    "content",
    [
        PLAIN_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Open#41ction<</S/J#61vaScript/J#53(app.alert(1))>>"),  # names escaped
        _objstm_pdf(b"<</S/JavaScript/JS(app.alert(1))>>"),  # inside a compressed object stream
        _objstm_pdf(b"<</S/J#61vaScript/J#53(app.alert(1))>>"),  # both
    ],
)
def test_scripts_hidden_by_name_escapes_or_object_streams_are_refused(content):
    _, error = check(content)
    assert error is not None and "脚本" in error


def test_an_object_stream_without_scripts_is_accepted():
    checked, error = check(_objstm_pdf(b"<</Type/Page/MediaBox[0 0 595 842]>>"))
    assert error is None and checked is not None


def test_an_image_of_too_many_pixels_is_refused_with_a_reason_not_a_fault():
    buffer = io.BytesIO()
    Image.new("1", (60000, 60000)).save(buffer, "PNG")  # 437 KB, 3.6 billion pixels
    _, error = check(buffer.getvalue())
    assert error is not None and "像素过多" in error


def test_reencoding_drops_a_jpeg_comment_with_whatever_it_holds():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 100, 50)).save(buffer, "JPEG", comment=b"<html><script>alert(1)</script> 13900001111")
    assert b"<script>" in buffer.getvalue()
    again = materials.reencode(buffer.getvalue(), "image/jpeg")
    assert b"<script>" not in again and b"13900001111" not in again
    with Image.open(io.BytesIO(again)) as image:
        assert "comment" not in image.info and image.size == (64, 48)


def test_a_zip_entry_lying_about_its_size_is_not_unpacked_whole(settings):
    import zipfile

    from rewards.batches.services import read_materials

    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("330106198503150016_id_card.jpg", b"\0" * (64 * 1024 * 1024))  # 64 MB of zeros, 64 KB packed
    packed = bytearray(buffer.getvalue())
    # Make both headers claim 1 000 bytes, as a zip bomb does (the local header's size at offset 22,
    # the central directory's at offset 24 of its record).
    central = packed.rfind(b"PK\x01\x02")
    packed[22:26] = (1000).to_bytes(4, "little")
    packed[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    found, problems = read_materials(bytes(packed))
    assert found == {} and len(problems) == 1 and ("过大" in problems[0] or "无法解压" in problems[0])


def test_a_zip_entry_unpacking_past_the_cap_is_refused_after_the_cap_is_read(settings):
    import zipfile

    from rewards.batches.services import read_materials

    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("330106198503150016_id_card.jpg", b"\0" * (8 * 1024 * 1024))  # honest sizes, over the cap
        archive.writestr("330106198503150016_certificate.jpg", b"\xff\xd8\xff" + b"\0" * 1000)
    found, problems = read_materials(buffer.getvalue())
    assert list(found["330106198503150016"]) == ["certificate"] and "过大" in problems[0]


@pytest.mark.parametrize("how", ["encrypted", "bzip2"])
def test_an_encrypted_or_unusually_compressed_zip_entry_is_ignored_with_a_reason(how):
    import zipfile

    from rewards.batches.services import read_materials

    buffer = io.BytesIO()
    method = zipfile.ZIP_BZIP2 if how == "bzip2" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("330106198503150016_id_card.jpg", b"\xff\xd8\xff" + b"\0" * 100)
    packed = bytearray(buffer.getvalue())
    if how == "encrypted":  # the "encrypted" flag bit, in the local header and the central directory
        central = packed.rfind(b"PK\x01\x02")
        packed[6] |= 0x1
        packed[central + 8] |= 0x1
    found, problems = read_materials(bytes(packed))
    assert found == {} and len(problems) == 1 and "已加密或使用了不支持的压缩方式" in problems[0]
