"""Uploaded images are decoded and written again without their metadata by a background task
after the upload commits (SECURITY.md 13); what cannot be decoded whole is kept and marked."""

from __future__ import annotations

import hashlib
import io
import os
import stat

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from rewards.applications import materials
from rewards.applications.models import Application, Attachment, Processing

from .. import factories
from ..api.helpers import applicant_token, submit

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def jpeg_with_exif(size: tuple[int, int] = (80, 40), orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[MAKE] = "SecretPhone 12"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD)[2] = (30.0, 15.0, 0.0)  # GPSLatitude: where the photo was taken
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text(chunk: str = "iTXt") -> bytes:
    """A PNG carrying an address and a phone number: as Pillow writes Chinese text (iTXt, plain),
    compressed in Latin-1 (zTXt), or compressed as Chinese (iTXt with its flag set)."""
    info = PngImagePlugin.PngInfo()
    if chunk == "zTXt":
        info.add_text("Comment", "Address: 1 Some Road, 13900001111", zip=True)
    else:
        info.add_itxt("Comment", "家庭住址：某某路 1 号 13900001111", lang="zh-CN", zip=chunk == "compressed iTXt")
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def uploads(id_card: bytes, *, content_type: str = "image/jpeg") -> dict[str, SimpleUploadedFile]:
    plain = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(plain, "JPEG")
    return {
        "id_card_file": SimpleUploadedFile("id.jpg", id_card, content_type=content_type),
        "certificate_file": SimpleUploadedFile("cert.jpg", plain.getvalue(), content_type="image/jpeg"),
        "bank_card_file": SimpleUploadedFile("card.jpg", plain.getvalue(), content_type="image/jpeg"),
    }


def stored(attachment: Attachment) -> bytes:
    with default_storage.open(attachment.storage_name, "rb") as handle:
        return handle.read()


def test_reencoding_drops_exif_and_applies_the_orientation():
    original = jpeg_with_exif(size=(80, 40), orientation=6)  # 6: the camera was turned 90°
    assert b"SecretPhone" in original
    cleaned = materials.reencode(original, "image/jpeg")
    assert b"SecretPhone" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.getexif() == {} or MAKE not in image.getexif()
        assert GPS_IFD not in image.getexif()
        assert image.size == (40, 80)  # rotated into the pixels, not left to a tag


@pytest.mark.parametrize("chunk", ["iTXt", "zTXt", "compressed iTXt"])
def test_reencoding_drops_png_text_chunks(chunk):
    original = png_with_text(chunk)
    assert chunk.split()[-1].encode() in original
    with Image.open(io.BytesIO(original)) as image:
        assert "13900001111" in image.info["Comment"]
    cleaned = materials.reencode(original, "image/png")
    assert b"13900001111" not in cleaned and not any(kind in cleaned for kind in (b"tEXt", b"zTXt", b"iTXt"))
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "PNG" and "Comment" not in image.info


def test_a_truncated_image_cannot_be_reencoded():
    original = jpeg_with_exif(size=(400, 300))
    with pytest.raises(ValueError):
        materials.reencode(original[: len(original) // 2], "image/jpeg")


def test_what_may_follow_an_image_is_reencoded_without_it():
    """Padding, and a multi-picture file's further images, are no reason to keep a photo as uploaded;
    nor is a trailer stored before uploads were checked for one (the first image is whole)."""
    photo = jpeg_with_exif(size=(80, 40))
    pictures = io.BytesIO()
    Image.new("RGB", (80, 40), "red").save(pictures, "MPO", save_all=True, append_images=[Image.new("L", (40, 20))])
    for content, content_type in (
        (photo + b"\x00" * 4096, "image/jpeg"),
        (pictures.getvalue(), "image/jpeg"),
        (photo + b"SEFHImage_UTC_Data1600000000000SEFT", "image/jpeg"),
        (png_with_text() + b"\x00" * 64, "image/png"),
    ):
        with Image.open(io.BytesIO(materials.reencode(content, content_type))) as image:
            assert image.size in ((80, 40), (30, 30))


def test_a_decompression_bomb_is_not_decoded():
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")  # 60 million pixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ValueError):
        materials.reencode(out.getvalue(), "image/png")


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    return applicant_token(api, member)


def test_a_submitted_photo_is_stored_again_without_its_metadata(api, worker, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(api, worker, factories.annex3(member), uploads(jpeg_with_exif()))
    assert response.status_code == 201, response.content
    application = Application.objects.get(application_no=response.json()["application_no"])
    attachments = list(Attachment.objects.filter(application=application, current=True))
    assert len(attachments) == 3
    assert {a.processing for a in attachments} == {Processing.REENCODED}
    id_card = next(a for a in attachments if a.kind == "id_card")
    content = stored(id_card)
    assert b"SecretPhone" not in content
    assert id_card.size == len(content)
    mode = stat.S_IMODE(os.stat(default_storage.path(id_card.storage_name)).st_mode)
    assert mode == 0o600
    # The signals were worked out by the same background task.
    application.refresh_from_db()
    assert application.signals_at is not None


def test_the_original_file_is_deleted_and_a_second_run_changes_nothing(api, worker, member, django_capture_on_commit_callbacks):
    response = submit(api, worker, factories.annex3(member), uploads(jpeg_with_exif()))  # callbacks not run: still pending
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(application__application_no=response.json()["application_no"], kind="id_card")
    assert attachment.processing == Processing.PENDING
    assert attachment.sha256 == ""  # hashed by the background step, not while the worker waits
    original_name = attachment.storage_name
    assert materials.process(attachment.pk) == Processing.REENCODED
    assert not default_storage.exists(original_name)
    attachment.refresh_from_db()
    assert attachment.sha256 == hashlib.sha256(stored(attachment)).hexdigest()
    name_after = attachment.storage_name
    assert materials.process(attachment.pk) == "skipped"
    attachment.refresh_from_db()
    assert attachment.storage_name == name_after and default_storage.exists(name_after)


def undecodable_jpeg() -> bytes:
    """Whole and well built, but its first component names a quantisation table that the file does
    not define: the upload checks read the structure, only decoding fails."""
    content = bytearray(jpeg_with_exif(size=(600, 400)))
    frame = content.find(b"\xff\xc0")
    content[frame + 12] = 3  # the first component's table selector
    return bytes(content)


def test_a_cut_photo_is_refused_at_upload_and_nothing_is_stored(api, worker, member):
    whole = jpeg_with_exif(size=(600, 400))
    response = submit(api, worker, factories.annex3(member), uploads(whole[: len(whole) - 2000]))
    assert response.status_code == 400, response.content
    assert "图片不完整" in str(response.json()["error"]["fields"]["id_card_file"])
    assert not Attachment.objects.exists()


def test_an_image_that_cannot_be_decoded_is_kept_and_marked(api, worker, member, monkeypatch):
    from PIL import ImageFile

    # What importing WeasyPrint does to the whole process: the decoding error must still be seen.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    response = submit(api, worker, factories.annex3(member), uploads(undecodable_jpeg()))
    assert response.status_code == 201, response.content  # whole and well built: accepted at upload
    attachment = Attachment.objects.get(application__application_no=response.json()["application_no"], kind="id_card")
    before = stored(attachment)
    assert materials.process(attachment.pk) == Processing.UNREADABLE
    attachment.refresh_from_db()
    assert attachment.processing == Processing.UNREADABLE
    assert stored(attachment) == before
    assert attachment.sha256 == hashlib.sha256(before).hexdigest()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the process's setting is given back


def test_a_pdf_is_kept_as_checked_at_upload(api, worker, member):
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    response = submit(api, worker, factories.annex3(member), uploads(pdf, content_type="application/pdf"))
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(application__application_no=response.json()["application_no"], kind="id_card")
    assert materials.process(attachment.pk) == Processing.ORIGINAL
    attachment.refresh_from_db()
    assert attachment.processing == Processing.ORIGINAL and stored(attachment) == pdf
    assert attachment.sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_material_missing_from_disk_is_marked_unreadable(api, worker, member):
    response = submit(api, worker, factories.annex3(member), uploads(jpeg_with_exif()))
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(application__application_no=response.json()["application_no"], kind="id_card")
    default_storage.delete(attachment.storage_name)
    assert materials.process(attachment.pk) == Processing.UNREADABLE
    attachment.refresh_from_db()
    assert attachment.processing == Processing.UNREADABLE and attachment.sha256 == ""


def test_a_truncated_image_is_refused_even_after_weasyprint_relaxed_pillow(monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    original = jpeg_with_exif(size=(400, 300))
    with pytest.raises(ValueError):
        materials.reencode(original[: len(original) // 2], "image/jpeg")
    png = png_with_text()
    with pytest.raises(ValueError):
        materials.reencode(png[:-20], "image/png")


def test_storage_names_sort_in_the_order_they_were_made_and_cannot_be_guessed():
    names = [materials.new_name(2020) for _ in range(200)]
    assert names == sorted(names) and len(set(names)) == 200
    assert all(name.startswith("materials/2020/") and len(name.rsplit("/", 1)[1]) == 40 for name in names)
    random_parts = {name[-24:] for name in names}
    assert len(random_parts) == 200  # 96 random bits each, after the time


def _pending_id_card(api, worker, member) -> Attachment:  # type: ignore[no-untyped-def]
    response = submit(api, worker, factories.annex3(member), uploads(jpeg_with_exif()))  # callbacks not run: still pending
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(application__application_no=response.json()["application_no"], kind="id_card")
    assert attachment.processing == Processing.PENDING
    return attachment


def test_a_material_that_cannot_be_read_for_a_while_stays_pending(api, worker, member, monkeypatch):
    attachment = _pending_id_card(api, worker, member)

    def refused(name, mode="rb"):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patched:
        patched.setattr(default_storage, "open", refused)
        assert materials.process(attachment.pk) == materials.RETRY
    attachment.refresh_from_db()
    assert attachment.processing == Processing.PENDING and attachment.sha256 == ""
    assert b"SecretPhone" in stored(attachment)  # the original is still there, not lost
    assert materials.process(attachment.pk) == Processing.REENCODED  # the storage is back


def test_a_reencoded_image_that_cannot_be_written_keeps_its_original_pending(api, worker, member, monkeypatch):
    from rewards.core.errors import StorageUnavailable

    attachment = _pending_id_card(api, worker, member)
    original = attachment.storage_name

    def full(name, content):  # type: ignore[no-untyped-def]
        raise StorageUnavailable()

    with monkeypatch.context() as patched:
        patched.setattr(materials, "save_file", full)
        assert materials.process(attachment.pk) == materials.RETRY
    attachment.refresh_from_db()
    assert attachment.processing == Processing.PENDING and attachment.storage_name == original
    assert default_storage.exists(original)


def test_the_safety_net_processes_what_has_waited_past_the_minimum_age(api, worker, member, monkeypatch):
    import datetime as dt

    from rewards.core import clock

    attachment = _pending_id_card(api, worker, member)
    uploaded = attachment.uploaded_at
    others = list(Attachment.objects.filter(application=attachment.application).exclude(pk=attachment.pk))
    limit = dt.timedelta(minutes=10)
    # One second short of the minimum age: left for the worker that is probably processing it.
    monkeypatch.setattr(clock, "now", lambda: uploaded + limit - dt.timedelta(seconds=1))
    assert materials.process_pending(older_than=limit) == {}
    attachment.refresh_from_db()
    assert attachment.processing == Processing.PENDING
    # Exactly the minimum age: processed, with its two siblings of the same submission.
    monkeypatch.setattr(clock, "now", lambda: uploaded + limit)
    assert materials.process_pending(older_than=limit) == {Processing.REENCODED: 3}
    attachment.refresh_from_db()
    assert attachment.processing == Processing.REENCODED and b"SecretPhone" not in stored(attachment)
    assert all(Attachment.objects.get(pk=other.pk).processing == Processing.REENCODED for other in others)
    assert materials.process_pending(older_than=limit) == {}  # nothing left: a second run does nothing


def test_the_process_materials_command_reports_in_chinese(api, worker, member, monkeypatch):
    from io import StringIO

    from django.core.management import CommandError, call_command

    attachment = _pending_id_card(api, worker, member)
    out, err = StringIO(), StringIO()
    call_command("process_materials", stdout=out, stderr=err)  # default 10 minutes: too new
    assert "重新编码 0 份" in out.getvalue() and err.getvalue() == ""
    attachment.refresh_from_db()
    assert attachment.processing == Processing.PENDING

    def refused(name, mode="rb"):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patched:
        patched.setattr(default_storage, "open", refused)
        out, err = StringIO(), StringIO()
        call_command("process_materials", "--min-age", "0", stdout=out, stderr=err)
    assert "有 3 份材料暂时无法读取或保存" in err.getvalue()
    out = StringIO()
    call_command("process_materials", "--min-age", "0", stdout=out, stderr=StringIO())
    assert "重新编码 3 份" in out.getvalue()
    attachment.refresh_from_db()
    assert attachment.processing == Processing.REENCODED
    with pytest.raises(CommandError, match="不能是负数"):
        call_command("process_materials", "--min-age", "-1")
