"""The worker's own materials on the edit page (修改后重新提交): what is on file under each file
field, and the view that serves it, to that worker only, while the application can be corrected,
in its final form (SECURITY.md 13), with the headers of every material (rewards.applications.serving)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from rewards.applications import materials
from rewards.applications.models import Application, Attachment, AttachmentKind, Processing
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.review.services import review_decide
from tests import factories

from ._worker import HOST, form_for, sign_in, submit, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MATERIAL_URL = re.compile(r'/worker/applications/[^/"]+/materials/(\d+)')


def processed(application: Application) -> Application:
    """The background step done (in the tests its task waits for a commit that never comes)."""
    for pk in application.attachments.filter(processing=Processing.PENDING).values_list("pk", flat=True):
        materials.process(pk)
    return application


def current(application: Application, kind: str) -> Attachment:
    return application.attachments.get(kind=kind, current=True)


def url_of(attachment: Attachment) -> str:
    return f"/worker/applications/{attachment.application.application_no}/materials/{attachment.pk}"


def edit_page(client: Client, application: Application) -> str:
    response = client.get(f"/worker/applications/{application.application_no}/edit")
    assert response.status_code == 200
    return text(response)


def applied_with(
    client: Client, member, id_card: bytes, *, id_type: str = "image/jpeg", certificate: bytes = PDF, bank_card: bytes | None = None
) -> Application:  # type: ignore[no-untyped-def]
    """Signs ``member`` in and applies with these materials (the certificate a PDF unless given
    as a JPEG, the bank card the ID photo unless given); the background step done."""
    sign_in(client, member)
    files = {
        "id_card_file": SimpleUploadedFile("id", id_card, content_type=id_type),
        "certificate_file": SimpleUploadedFile(
            "c", certificate, content_type="application/pdf" if certificate.startswith(b"%PDF") else "image/jpeg"
        ),
        "bank_card_file": SimpleUploadedFile("b", bank_card or id_card, content_type=id_type if bank_card is None else "image/jpeg"),
    }
    assert client.post("/worker/apply", {**form_for(member), **files}).status_code == 302
    return processed(Application.objects.get(id_hash=member.id_hash))


@pytest.fixture
def submitted(client, today, member) -> Application:  # type: ignore[no-untyped-def]
    sign_in(client, member)
    return submit(client, member)


# The edit page ------------------------------------------------------------------------------------


def test_the_edit_page_shows_a_thumbnail_of_each_material_on_file(client, submitted):
    processed(submitted)
    page = edit_page(client, submitted)
    for kind, alt in (("id_card", "原来上传的身份证照片"), ("certificate", "原来上传的证书照片"), ("bank_card", "原来上传的银行卡照片")):
        attachment = current(submitted, kind)
        assert f'<img src="{url_of(attachment)}?size=small" alt="{alt}"' in page, kind
        assert f'href="{url_of(attachment)}"' in page  # 查看大图: the photo itself
    uploaded = timezone.localtime(current(submitted, "id_card").uploaded_at)  # Asia/Shanghai
    assert f'原来上传的身份证材料<span class="w-nowrap">（{uploaded:%Y}年{uploaded.month}月{uploaded.day}日 {uploaded:%H:%M} 上传）' in page
    assert page.count("（在新窗口打开大图）") == 3
    assert len(set(MATERIAL_URL.findall(page))) == 3


def test_a_photo_not_yet_processed_is_said_to_be_in_processing_and_not_linked(client, submitted):
    page = edit_page(client, submitted)
    assert page.count("材料正在处理（去除照片中的拍摄地点等信息），稍后刷新本页即可查看。") == 3
    assert not MATERIAL_URL.search(page)
    assert client.get(url_of(current(submitted, "id_card"))).status_code == 404


def test_a_photo_that_could_not_be_decoded_is_not_shown_and_the_worker_is_told(client, submitted):
    processed(submitted)
    Attachment.objects.filter(pk=current(submitted, "bank_card").pk).update(processing=Processing.UNREADABLE)
    page = edit_page(client, submitted)
    assert "原来上传的银行卡材料无法完整读取，审核人员可能看不清楚，建议重新拍摄后上传。" in page
    assert url_of(current(submitted, "bank_card")) not in page and url_of(current(submitted, "id_card")) in page
    assert client.get(url_of(current(submitted, "bank_card"))).status_code == 404


def test_a_pdf_is_a_line_and_a_replaced_material_is_no_longer_shown(client, submitted, member):
    processed(submitted)
    before = current(submitted, "certificate")
    pdf = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/worker/applications/{submitted.application_no}/edit",
        {**form_for(member, bank_card_no="", phone=""), "certificate_file": pdf},
    )
    assert response.status_code == 302
    processed(submitted)
    now = current(submitted, "certificate")
    assert now.pk != before.pk and now.processing == Processing.ORIGINAL
    page = edit_page(client, submitted)
    assert (
        f'<a class="w-textlink" href="{url_of(now)}" target="_blank" rel="noopener">证书.pdf<span class="sr-only">（在新窗口打开）</span></a>'
        ' <span class="w-nowrap">PDF · 1 KB</span>'
    ) in page
    assert url_of(before) not in page and page.count("原来上传的证书材料") == 1
    assert client.get(url_of(before)).status_code == 404  # the replaced photo: no longer served
    served = client.get(url_of(now))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF
    assert "sandbox" not in served["Content-Security-Policy"]  # Chromium shows no PDF in a sandbox


def test_after_a_failed_payment_only_the_bank_card_is_shown(client, submitted):
    processed(submitted)
    Application.objects.filter(pk=submitted.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    page = edit_page(client, submitted)
    assert "更正银行卡" in page
    assert MATERIAL_URL.findall(page) == [str(current(submitted, "bank_card").pk)] * 3  # the thumbnail, its link, 查看大图
    assert 'alt="原来上传的银行卡照片"' in page and "原来上传的身份证照片" not in page


# The view serving them ------------------------------------------------------------------------------


def test_the_worker_gets_the_re_encoded_photo_inline_never_cached_and_audited(client, today, member):
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker-EXIF"  # Make: metadata the re-encoding leaves behind
    Image.new("RGB", (80, 50), (10, 120, 200)).save(photo, "JPEG", exif=exif.tobytes())
    application = applied_with(client, member, photo.getvalue())
    attachment = current(application, "id_card")
    response = client.get(url_of(attachment))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with default_storage.open(attachment.storage_name, "rb") as handle:
        assert body == handle.read()
    assert b"PhoneMaker-EXIF" not in body and b"PhoneMaker-EXIF" in photo.getvalue()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{application.application_no}-id_card.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy
    assert response["X-Frame-Options"] == "DENY"
    entry = AuditEvent.objects.filter(action="application.view_attachment").get()
    assert entry.actor_label == "applicant" and entry.actor_id is None
    assert entry.object_id == str(application.pk) and entry.detail == {"attachment": attachment.pk, "kind": "id_card"}


def test_another_workers_material_and_unknown_ids_answer_the_same_404(client, submitted, xihu):
    processed(submitted)
    other_member = factories.make_member(union=xihu, name="李卫东")
    other = Client(HTTP_HOST=HOST)
    sign_in(other, other_member)
    theirs = processed(submit(other, other_member))
    mine = current(submitted, "id_card")
    not_mine = current(theirs, "id_card")
    last = Attachment.objects.order_by("-pk").first()
    assert last is not None
    probes = [
        url_of(not_mine),  # another worker's application and material
        f"/worker/applications/{submitted.application_no}/materials/{not_mine.pk}",  # mine, with their material's id
        f"/worker/applications/{theirs.application_no}/materials/{mine.pk}",  # theirs, with my material's id
        f"/worker/applications/{submitted.application_no}/materials/{last.pk + 1}",  # no such material
        "/worker/applications/XX2020-000000/materials/1",  # no such application
    ]
    answers = [client.get(url) for url in probes]
    assert [answer.status_code for answer in answers] == [404] * len(probes)
    assert len({answer.content for answer in answers}) == 1, "every refusal should be the same page"
    assert not AuditEvent.objects.filter(action="application.view_attachment").exists()
    assert client.get(url_of(mine)).status_code == 200 and other.get(url_of(not_mine)).status_code == 200


def test_signed_out_the_worker_is_sent_to_sign_in_and_back(submitted):
    processed(submitted)
    url = url_of(current(submitted, "id_card"))
    response = Client(HTTP_HOST=HOST).get(url)
    assert response.status_code == 302 and response["Location"] == f"/worker/signin?next={url.replace('/', '%2F')}"


def test_only_get_is_answered(client, submitted):
    processed(submitted)
    url = url_of(current(submitted, "id_card"))
    assert client.post(url).status_code == 405 and Client(HTTP_HOST=HOST).post(url).status_code == 405


def test_nothing_is_served_once_the_application_cannot_be_corrected(client, submitted, xihu_reviewer, settings):
    processed(submitted)
    url = url_of(current(submitted, "id_card"))
    assert client.get(url).status_code == 200
    settings.APP_TODAY = "2020-12-16"  # the day after the application deadline: no corrections any more
    assert client.get(url).status_code == 404
    settings.APP_TODAY = "2020-12-15"  # the deadline itself: still
    assert client.get(url).status_code == 200
    review_decide(user=xihu_reviewer, application_no=submitted.application_no, decision="approve")
    assert client.get(url).status_code == 404  # decided, on its way to the city


def test_a_withdrawn_application_serves_nothing(client, submitted):
    processed(submitted)
    url = url_of(current(submitted, "id_card"))
    assert client.post(f"/worker/applications/{submitted.application_no}/withdraw").status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    assert client.get(url).status_code == 404


def test_a_returned_application_serves_its_materials_until_its_resubmission_deadline(client, submitted, xihu_reviewer, settings):
    processed(submitted)
    review_decide(user=xihu_reviewer, application_no=submitted.application_no, decision="return", opinion="身份证照片不清晰，请重新上传")
    submitted.refresh_from_db()
    page = edit_page(client, submitted)
    assert "身份证照片不清晰，请重新上传" in page and 'alt="原来上传的身份证照片"' in page
    url = url_of(current(submitted, "id_card"))
    assert client.get(url).status_code == 200
    from rewards.applications.services import resubmission_deadline

    deadline = resubmission_deadline(submitted)
    assert deadline is not None
    settings.APP_TODAY = deadline.isoformat()
    assert client.get(url).status_code == 200
    settings.APP_TODAY = (deadline + dt.timedelta(days=1)).isoformat()
    assert client.get(url).status_code == 404


def test_kinds_have_a_short_name_for_the_worker():
    from rewards.applications.labels import MATERIAL_LABELS_FULL, MATERIAL_LABELS_SHORT
    from rewards.web.worker.materials import size_label

    assert set(MATERIAL_LABELS_SHORT) == set(AttachmentKind) == set(MATERIAL_LABELS_FULL)
    assert {kind for kind in AttachmentKind if MATERIAL_LABELS_SHORT[kind] != MATERIAL_LABELS_FULL[kind]} == {AttachmentKind.CERTIFICATE}
    assert (size_label(676), size_label(1024 * 1024), size_label(5 * 1024 * 1024 - 1)) == ("1 KB", "1.0 MB", "5.0 MB")


def test_a_thumbnail_is_a_small_jpeg_with_the_same_headers_and_a_pdf_stays_whole(client, today, member):
    """Three thumbnails on a phone's mobile data: tens of kilobytes, not the photos themselves."""
    photo = io.BytesIO()
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(photo, "JPEG", quality=90)
    application = applied_with(client, member, photo.getvalue())
    attachment = current(application, "id_card")
    response = client.get(url_of(attachment), {"size": "small"})
    assert response.status_code == 200
    small = Image.open(io.BytesIO(response.content))
    assert small.format == "JPEG" and small.size == (240, 180)
    assert len(response.content) * 10 < attachment.size  # a tenth of the stored photo, or less
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{application.application_no}-id_card-small.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert "default-src 'none'" in response["Content-Security-Policy"] and "sandbox" in response["Content-Security-Policy"]
    entry = AuditEvent.objects.filter(action="application.view_attachment").get()
    assert entry.detail == {"attachment": attachment.pk, "kind": "id_card", "size": "small"}
    # A PDF has no thumbnail: the file itself, as its line links it.
    pdf = current(application, "certificate")
    whole = client.get(url_of(pdf), {"size": "small"})
    assert whole["Content-Type"] == "application/pdf" and b"".join(whole.streaming_content) == PDF
    # Another worker's thumbnail is the same 404 as their photo.
    other = client.get(url_of(attachment).replace(application.application_no, "2020999999"), {"size": "small"})
    assert other.status_code == 404


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "PNG")  # one colour: megapixels in a few KB
    return out.getvalue()


def _apply_with_id_card(client, member, content: bytes, content_type: str) -> Attachment:  # type: ignore[no-untyped-def]
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 90, 90)).save(photo, "JPEG")
    application = applied_with(client, member, content, id_type=content_type, certificate=photo.getvalue(), bank_card=photo.getvalue())
    attachment = current(application, "id_card")
    assert attachment.processing == Processing.REENCODED
    return attachment


def _stored(attachment: Attachment) -> bytes:
    with default_storage.open(attachment.storage_name, "rb") as handle:
        return handle.read()


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_png_of_more_pixels_than_a_thumbnail_may_decode_is_sent_whole(client, today, member, monkeypatch):
    """A PNG has no reduced decoding (a JPEG's draft mode): a one-colour 7 000 × 7 000 PNG of a few
    KB, taken at upload (under 50 megapixels), would be decoded whole at every thumbnail request,
    hundreds of MB and half a second each, as often as the worker asks. Past the budget the
    stored file is sent as it is (the browser shrinks it), and nothing is decoded."""
    from rewards.applications import serving

    attachment = _apply_with_id_card(client, member, _png((4001, 3000)), "image/png")  # one column past 12 megapixels
    decoded: list[tuple[int, int]] = []
    real_convert = Image.Image.convert
    monkeypatch.setattr(Image.Image, "convert", lambda self, *a, **k: decoded.append(self.size) or real_convert(self, *a, **k))
    response = client.get(url_of(attachment), {"size": "small"})
    assert response.status_code == 200 and decoded == []
    assert response["Content-Type"] == "image/png" and _body(response) == _stored(attachment)
    assert response["Content-Disposition"] == f'inline; filename="{attachment.application.application_no}-id_card.png"'
    assert "sandbox" in response["Content-Security-Policy"] and "no-store" in response["Cache-Control"]
    assert serving.THUMBNAIL_MAX_PIXELS == 4000 * 3000
    # The audit says what was seen: the file itself, not a thumbnail.
    entry = AuditEvent.objects.filter(action="application.view_attachment").latest("pk")
    assert entry.detail == {"attachment": attachment.pk, "kind": "id_card"}


def test_a_png_within_the_budget_gets_its_thumbnail(client, today, member):
    attachment = _apply_with_id_card(client, member, _png((4000, 3000)), "image/png")  # exactly 12 megapixels
    response = client.get(url_of(attachment), {"size": "small"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (240, 180)


def test_a_stored_photo_that_cannot_be_decoded_is_sent_whole_not_a_server_error(client, today, member):
    """The re-encoded file damaged on the volume after processing: the thumbnail answers what
    查看大图 does (the file as stored), not a 500."""
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), (10, 120, 200)).save(photo, "JPEG")
    attachment = _apply_with_id_card(client, member, photo.getvalue(), "image/jpeg")
    damaged = b"\xff\xd8\xff\xe0 not a photo any more"
    default_storage.delete(attachment.storage_name)
    default_storage.save(attachment.storage_name, io.BytesIO(damaged))
    response = client.get(url_of(attachment), {"size": "small"})
    assert response.status_code == 200 and _body(response) == damaged
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"


def test_after_a_failed_payment_only_the_bank_card_is_served(client, submitted):
    """The bank-card correction page shows the bank card alone; the view serves no more than it."""
    processed(submitted)
    Application.objects.filter(pk=submitted.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    assert client.get(url_of(current(submitted, "bank_card"))).status_code == 200
    assert client.get(url_of(current(submitted, "bank_card")), {"size": "small"}).status_code == 200
    for kind in ("id_card", "certificate"):
        assert client.get(url_of(current(submitted, kind))).status_code == 404, kind
        assert client.get(url_of(current(submitted, kind)), {"size": "small"}).status_code == 404, kind
