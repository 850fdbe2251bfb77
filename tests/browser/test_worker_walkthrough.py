"""What a new worker met on a 360 px phone (the walk-through of decision 182): an oversized scan
told to compress a picture it does not have, and links standing alone that were 21–24 px high."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.review.services import review_decide
from tests import factories

from .conftest import HEIGHT, STAFF_PASSWORD, WIDTH, choose_files, fill_application, fits
from .test_online_chain import worker_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: WCAG 2.5.5 and both phone platforms' guidance: a target a thumb can hit.
TAP = 44


def tap_height(page, selector: str) -> float:  # type: ignore[no-untyped-def]
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return float(box["height"])


def test_an_oversized_pdf_is_told_to_be_scanned_again_not_compressed(member, photos, live_server, page_factory):
    """A photo above 5 MB is made smaller by the page; a PDF cannot be, so it is the file a
    worker meets the 5 MB limit with, and "请压缩图片、降低拍照分辨率" speaks of a picture."""
    page = page_factory(width=WIDTH, height=HEIGHT)
    worker_sign_in(page, live_server.url, member)
    page.click("text=申请2020年度奖励")
    page.wait_for_selector("#id_occupation")
    fill_application(page, certificate_no="2020330100123", bank_card=factories.new_card())
    choose_files(page, {"id_card": photos["id_card"], "bank_card": photos["bank_card"]})
    scan = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1)  # one byte over the limit
    page.set_input_files("#id_certificate_file", {"name": "证书扫描.pdf", "mimeType": "application/pdf", "buffer": scan})
    page.wait_for_selector("#preview-id_certificate_file .w-too-big")
    preview = page.inner_text("#preview-id_certificate_file")
    assert "重新扫描" in preview and "200 dpi" in preview and "拍照上传" in preview
    assert "压缩图片" not in preview and "拍照分辨率" not in preview
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url.removeprefix(live_server.url)) if request.method == "POST" else None)

    page.click("button:has-text('提交申请')")

    page.wait_for_selector("#field-certificate_file .w-error")
    error = page.inner_text("#field-certificate_file .w-error")
    assert "重新扫描" in error and "压缩图片" not in error
    assert sent == ["/worker/precheck"]  # nothing uploaded
    assert page.evaluate("document.querySelector('#id_bank_card_file').files.length") == 1  # the photos stay chosen

    # A PDF of exactly 5 MB goes.
    page.set_input_files("#id_certificate_file", {"name": "证书扫描.pdf", "mimeType": "application/pdf", "buffer": scan[: 5 * 1024 * 1024]})
    assert page.locator("#preview-id_certificate_file .w-too-big").count() == 0
    fits(page)


def test_the_links_that_stand_alone_are_big_enough_to_tap(member, photos, live_server, page_factory):
    page = page_factory(width=WIDTH, height=HEIGHT)
    base = live_server.url
    # The code page's way back to the first step.
    page.goto(base + "/worker/signin")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_name", member.name)
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("#id_code")
    assert tap_height(page, "a:has-text('换一个身份证号码登录')") >= TAP
    fits(page)
    worker_sign_in(page, base, member)
    page.click("text=申请2020年度奖励")
    page.wait_for_selector("#id_occupation")
    fill_application(page, certificate_no="2020330100123", bank_card=factories.new_card())
    choose_files(page, photos)
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("#query-password")
    password = page.inner_text("#query-password").strip()
    # The status page's "another one".
    page.goto(base + "/worker/status")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_query_password", password)
    page.click("main button:has-text('查询')")
    page.wait_for_selector("text=再查一份")
    assert tap_height(page, "a:has-text('再查一份')") >= TAP
    # The correction page's way back.
    number = Application.objects.get(id_hash=member.id_hash).application_no
    district = staff_create(
        username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=organisation_by_name("西湖区总工会"), password=STAFF_PASSWORD
    )
    review_decide(user=district, application_no=number, decision="return", opinion="卡号不清楚")
    page.goto(base + f"/worker/applications/{number}/edit")
    assert tap_height(page, "main a:has-text('返回我的申请')") >= TAP
    fits(page)
