"""A worker on a 360 px phone: reads the notice, runs the self-check (htmx), signs in with the
SMS code, applies with three photos (previews shown, a typo corrected, files chosen again),
writes down the query password, signs out and follows the application with ID + password.
Screenshots 10–19 in docs/screenshots/; no page scrolls sideways; no request leaves the server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from rewards.applications.models import Application, Attachment
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from tests import factories

from .conftest import HEIGHT, WIDTH, choose_files, fill_application, fill_self_check, fits, screenshot
from .test_online_chain import worker_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    fits(page)
    screenshot(page, name)


def test_a_worker_applies_and_follows_the_application_on_a_phone(member, photos, live_server, page_factory):
    page = page_factory(width=WIDTH, height=HEIGHT)

    # The notice in plain words.
    page.goto(live_server.url + "/worker/")
    body = page.inner_text("body")
    assert "还剩 61 天" in body and "800" in body and "杭工e家" in body
    shoot(page, "10-worker-notice")

    # The self-check, answered in place by htmx.
    page.click("text=资格自测")
    fill_self_check(page, member, issued="2020-06-30")
    page.click("button:has-text('开始自测')")
    page.wait_for_selector("#check-result")
    assert page.url.endswith("/worker/check")
    result = page.inner_text("#check-result")
    assert "符合奖励条件" in result and "500.00 元" in result
    assert page.locator("#check-result .w-checks li.pass").count() == 6
    shoot(page, "11-worker-check")

    # Sign in: ID + name, then the SMS code (read from the outbox).
    page.goto(live_server.url + "/worker/")
    page.click(".w-hero >> text=登录申请")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_name", member.name)
    shoot(page, "12-worker-signin")
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("#id_code")
    assert "139****7919" in page.inner_text("body")
    assert "13957187919" not in page.content()
    shoot(page, "13-worker-code")
    code = SmsMessage.objects.filter(template="otp").latest("created_at").params["code"]
    page.fill("#id_code", code)
    page.click("button:has-text('登录')")

    # The application form: identity read-only, a typo in the card number first.
    page.wait_for_selector("#id_occupation")
    assert page.url.endswith("/worker/apply")
    body = page.inner_text("body")
    assert "330106********0016" in body and "1985年3月15日" in body and "西湖区总工会" in body
    assert page.input_value("#id_employer") == "杭州西湖精密机械有限公司"
    fill_application(page, certificate_no="2020330100123", bank_card="6222021234567890012")
    assert page.is_hidden("#id_hukou_place")
    page.check("input[name=is_migrant][value='是']")
    assert page.is_visible("#id_hukou_place")
    page.fill("#id_hukou_place", "安徽省阜阳市")
    page.fill("#id_years_in_hangzhou", "6")
    choose_files(page, photos)
    assert page.locator(".w-capture").count() == 3 and page.locator(".w-capture").first.is_visible()  # a phone: 拍照上传 too
    fits(page)  # the camera buttons' own inputs stay inside the screen
    shoot(page, "14-worker-apply")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("#field-bank_card_no .w-error")
    assert "银行卡号校验不通过" in page.inner_text("#field-bank_card_no")
    # Checked before the photos were sent: the same page, the photos still chosen.
    assert [url.removeprefix(live_server.url) for url in sent] == ["/worker/precheck"]
    assert page.url.endswith("/worker/apply")
    assert page.evaluate("[...document.querySelectorAll('input[data-preview]')].map(i => i.files.length)") == [1, 1, 1]
    assert "已选择的材料仍然保留" in page.inner_text("form.w-form [role=alert]")
    assert page.evaluate("document.activeElement.id") == "id_bank_card_no"
    assert page.input_value("#id_occupation") == "车工" and page.input_value("#id_hukou_place") == "安徽省阜阳市"
    shoot(page, "18-worker-apply-errors")
    page.fill("#id_bank_card_no", factories.new_card())
    page.click("button:has-text('提交申请')")

    # The password, once.
    page.wait_for_selector("#query-password")
    password = page.inner_text("#query-password").strip()
    application = Application.objects.get(id_hash=member.id_hash)
    assert application.status == Status.PENDING_DISTRICT and application.attachments.count() == 3
    assert application.application_no in page.inner_text("body")
    shoot(page, "15-worker-done")
    page.reload()
    assert password not in page.content()

    page.goto(live_server.url + "/worker/mine")
    assert application.application_no in page.inner_text("body")
    shoot(page, "16-worker-mine")

    # Sign out, then follow it with ID number + query password.
    page.click("button.w-navbtn:has-text('退出')")
    page.wait_for_selector("text=您已安全退出")
    page.click("header >> text=查询进度")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_query_password", password)
    page.click("button:has-text('查询')")
    page.wait_for_selector(".w-app")
    body = page.inner_text("body")
    assert application.application_no in body and "待区县（产业）工会审核" in body and "预计 500.00 元" in body
    shoot(page, "17-worker-status")
    assert page_factory.outside == []


def test_someone_not_yet_a_verified_member_is_told_what_to_do(member, live_server, page_factory):
    page = page_factory(width=WIDTH, height=HEIGHT)
    page.goto(live_server.url + "/worker/signin")
    page.fill("#id_id_number", factories.new_id_number())
    page.fill("#id_name", "王小红")
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("text=没有找到相符的实名认证会员")
    assert "杭工e家" in page.inner_text("body")
    shoot(page, "19-worker-not-member")
    assert page_factory.outside == []


GPS_IFD = 0x8825


def phone_photo(path: Path) -> Path:
    """A 12-megapixel photo of about 7 MB, as a phone takes it, with where it was taken in its EXIF."""
    base = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    image = Image.blend(base, Image.effect_noise((4000, 3000), 60).convert("RGB"), 0.5)
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD)[2] = (30.0, 15.0, 0.0)  # GPSLatitude
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def test_a_large_phone_photo_is_made_smaller_before_it_is_sent(member, photos, tmp_path, live_server, page_factory):
    big = phone_photo(tmp_path / "IMG_20201012_093015.jpg")
    size = big.stat().st_size
    assert size > 5 * 1024 * 1024  # too large to be sent as it is
    page = page_factory(width=WIDTH, height=HEIGHT)
    worker_sign_in(page, live_server.url, member)
    page.click("text=申请2020年度奖励")
    page.wait_for_selector("#id_occupation")
    fill_application(page, certificate_no="2020330100123", bank_card=factories.new_card())
    choose_files(page, {**photos, "id_card": big})
    page.wait_for_selector("#preview-id_id_card_file :text('自动压缩')")
    preview = page.inner_text("#preview-id_id_card_file")
    assert "IMG_20201012_093015.jpg" in preview and "已从 6." in preview and "超过 5 MB" not in preview
    assert page.is_enabled("button:has-text('提交申请')")  # disabled only while it was being made smaller
    page.locator("#field-id_card_file").scroll_into_view_if_needed()
    shoot(page, "32-worker-photo-shrunk")
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("#query-password")

    application = Application.objects.get(id_hash=member.id_hash)
    id_card = Attachment.objects.get(application=application, kind="id_card")
    with default_storage.open(id_card.storage_name, "rb") as handle:
        sent = handle.read()
    assert id_card.size == len(sent) < size // 2
    with Image.open(io.BytesIO(sent)) as image:
        assert image.format == "JPEG" and image.size == (2560, 1920)  # the long side at most 2 560 px
        assert GPS_IFD not in image.getexif()  # the place it was taken stayed on the phone
    assert page_factory.outside == []


def test_a_sign_in_that_ended_keeps_the_form_and_a_slow_upload_says_so(member, photos, live_server, page_factory):
    """The session ends while the form is open (here: the cookie is gone): 提交 sends nothing and
    says how to sign in again, with everything typed and chosen kept. Signed in again in another
    page, 提交 goes; while the photos travel the button says so with a progress bar and a second
    tap is ignored. A connection lost on the way says so and keeps the form; 提交 again goes."""
    page = page_factory(width=WIDTH, height=HEIGHT)
    worker_sign_in(page, live_server.url, member)
    page.click("text=申请2020年度奖励")
    page.wait_for_selector("#id_occupation")
    fill_application(page, certificate_no="2020330100123", bank_card=factories.new_card())
    choose_files(page, photos)
    page.context.clear_cookies(name="sessionid")  # the session's cookie ends with it (30 idle minutes)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url.removeprefix(live_server.url)) if request.method == "POST" else None)

    page.click("button:has-text('提交申请')")

    page.wait_for_selector("text=登录已失效")
    assert sent == ["/worker/precheck"] and page.url.endswith("/worker/apply")
    assert page.evaluate("[...document.querySelectorAll('input[data-preview]')].map(i => i.files.length)") == [1, 1, 1]
    assert page.input_value("#id_certificate_no") == "2020330100123"
    link = page.locator("a:has-text('重新登录')")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("href") == "/worker/signin?next=/worker/mine"
    shoot(page, "33-worker-signed-out-form-kept")

    other = page.context.new_page()  # signing in again in a new page, as the link does
    worker_sign_in(other, live_server.url, member)
    other.wait_for_url("**/worker/mine")
    other.close()
    # The upload is held (as on a slow network) by keeping the page's own send() for later.
    page.evaluate(
        "window.__send = XMLHttpRequest.prototype.send; window.__sent = 0;"
        " XMLHttpRequest.prototype.send = function (body) { window.__sent += 1; window.__xhr = this; window.__body = body; }; 0"
    )

    page.click("button:has-text('提交申请')")

    page.wait_for_function("window.__sent === 1")
    assert page.inner_text("form.w-form button[type=submit]") == "正在提交……"
    assert page.is_disabled("form.w-form button[type=submit]")
    assert "请勿离开本页或重复点击" in page.inner_text("form.w-form")
    assert page.is_visible("form.w-form progress.w-upload-bar")
    page.click("form.w-form button[type=submit]", force=True)  # a second tap meanwhile
    page.evaluate("document.querySelector('form.w-form').requestSubmit()")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__sent") == 1

    page.evaluate("window.__xhr.dispatchEvent(new ProgressEvent('error'))")  # the connection is lost

    page.wait_for_selector("text=网络中断或上传停住了")
    assert not page.is_disabled("form.w-form button[type=submit]") and not page.is_visible("progress.w-upload-bar")
    assert page.evaluate("[...document.querySelectorAll('input[data-preview]')].map(i => i.files.length)") == [1, 1, 1]
    assert page.input_value("#id_certificate_no") == "2020330100123" and page.url.endswith("/worker/apply")
    page.evaluate("XMLHttpRequest.prototype.send = window.__send; 0")
    page.click("button:has-text('提交申请')")  # again, and the upload goes
    page.wait_for_selector("#query-password")
    assert Application.objects.filter(id_hash=member.id_hash).count() == 1
    assert page_factory.outside == []


def test_a_material_the_page_knows_cannot_go_stops_the_form_before_the_upload(member, photos, tmp_path, live_server, page_factory):
    """A HEIC photo and a missing bank card are said at their fields before anything is sent;
    the good photo stays chosen."""
    heic = tmp_path / "IMG_0001.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 2000)
    page = page_factory(width=WIDTH, height=HEIGHT)
    worker_sign_in(page, live_server.url, member)
    page.click("text=申请2020年度奖励")
    page.wait_for_selector("#id_occupation")
    fill_application(page, certificate_no="2020330100123", bank_card=factories.new_card())
    choose_files(page, {"id_card": photos["id_card"]})
    page.set_input_files("#id_certificate_file", {"name": heic.name, "mimeType": "image/heic", "buffer": heic.read_bytes()})
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url.removeprefix(live_server.url)) if request.method == "POST" else None)

    page.click("button:has-text('提交申请')")

    page.wait_for_selector("#field-bank_card_file .w-error")
    assert "请选择此项材料" in page.inner_text("#field-bank_card_file")
    assert "兼容性最佳" in page.inner_text("#field-certificate_file")
    assert "本次没有提交" in page.inner_text("form.w-form [role=alert]")
    assert sent == ["/worker/precheck"] and page.url.endswith("/worker/apply")
    assert page.evaluate("document.querySelector('#id_id_card_file').files.length") == 1
    assert page.evaluate("document.activeElement.id") == "id_certificate_file"  # the first in page order
    shoot(page, "34-worker-materials-refused-in-page")

    # The same HEIC photo renamed .jpg (the browser then calls it a JPEG) and a 0-byte file (a
    # failed copy): the page reads what they are and says so before sending anything.
    page.set_input_files("#id_certificate_file", {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": heic.read_bytes()})
    page.set_input_files("#id_bank_card_file", {"name": "bank.jpg", "mimeType": "image/jpeg", "buffer": b""})
    page.wait_for_selector("#preview-id_certificate_file .w-too-big")
    assert "0 字节" in page.inner_text("#preview-id_bank_card_file")
    assert page.locator("#preview-id_certificate_file img, #preview-id_bank_card_file img").count() == 0  # no broken picture

    page.click("button:has-text('提交申请')")

    # The first round's errors are still on the page: wait for this round's.
    page.wait_for_selector("#field-bank_card_file .w-error:has-text('文件是空的')")
    assert "兼容性最佳" in page.inner_text("#field-certificate_file .w-error")
    assert "文件是空的" in page.inner_text("#field-bank_card_file .w-error")
    assert sent == ["/worker/precheck", "/worker/precheck"] and page.url.endswith("/worker/apply")
    assert page_factory.outside == []
