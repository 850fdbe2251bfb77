"""SECURITY.md 13: uploads are judged by their content. SVG, renamed scripts, polyglots (an image
carrying a script or a PDF), PDFs with scripts or attachments, empty and oversize files are
refused with a Chinese reason; a real JPEG, PNG or plain PDF is accepted whatever its name. A
zip of materials is unpacked only up to the size cap; a polyglot sent through the API stores
nothing. What an image may carry is in test_uploads_images.py, a PDF's structure in
test_uploads_pdf.py."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ._uploads import PLAIN_PDF, check, jpeg, zipped

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return out.getvalue()


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
    # What a worker without the page's own compression can do about it, in words they can follow.
    assert "拍照分辨率调低" in refusal and "截屏" in refusal


@pytest.mark.parametrize(("content", "content_type"), [(jpeg(), "image/jpeg"), (png(), "image/png"), (PLAIN_PDF, "application/pdf")])
def test_real_images_and_plain_pdfs_are_accepted_by_content(content, content_type):
    checked, refusal = check(content)
    assert refusal is None and checked is not None
    assert checked.content_type == content_type


def test_an_image_of_too_many_pixels_is_refused_with_a_reason_not_a_fault():
    buffer = io.BytesIO()
    Image.new("1", (60000, 60000)).save(buffer, "PNG")  # 437 KB, 3.6 billion pixels
    _, error = check(buffer.getvalue())
    assert error is not None and "像素过多" in error


# --- materials packed in a zip (单位统一申报) ---------------------------------------------------


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


# --- through the API: the submission and the resubmission of a returned application -----------


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    from ..api.helpers import applicant_token

    return applicant_token(api, member)


def _with_polyglot() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..api.helpers import materials

    return {
        **materials(),
        "bank_card_file": SimpleUploadedFile("card.jpg", jpeg() + zipped(comment=b"\xff\xd9"), content_type="image/jpeg"),
    }


@pytest.mark.django_db
def test_a_polyglot_is_refused_at_submission_and_nothing_is_stored(api, worker, member):
    from rewards.applications.models import Application, Attachment

    from .. import factories
    from ..api.helpers import submit

    response = submit(api, worker, factories.annex3(member), _with_polyglot())
    assert response.status_code == 400, response.content
    assert "末尾夹带" in response.json()["error"]["fields"]["bank_card_file"][0]
    assert not Application.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_polyglot_is_refused_at_resubmission(api, worker, member, xihu_reviewer):
    from rewards.applications.models import Attachment

    from .. import factories
    from ..api.helpers import bearer, decide, staff_token, submit

    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    decide(api, staff_token(api, xihu_reviewer), number, "return", "银行卡照片不清晰，请重新上传")
    before = set(Attachment.objects.values_list("pk", flat=True))
    response = api.post(f"/api/v1/applications/{number}/resubmit", _with_polyglot(), **bearer(worker))
    assert response.status_code == 400, response.content
    assert "末尾夹带" in response.json()["error"]["fields"]["bank_card_file"][0]
    assert set(Attachment.objects.values_list("pk", flat=True)) == before
