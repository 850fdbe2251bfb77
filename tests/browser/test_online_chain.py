"""The online channel across its people, all through the pages (issue acceptance):
a worker applies from a phone with three photos and keeps the query password; the 西湖区
reviewer opens the materials in the viewer and approves (预审); the city reviewer returns it
with an opinion (终审); the worker sees the opinion, corrects and resubmits; the application
is back before the district with its whole history."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.applications import materials
from rewards.applications.models import Application
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from tests import factories

from .conftest import HEIGHT, STAFF_PASSWORD, WIDTH, choose_files, fill_application, fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewers(member):  # type: ignore[no-untyped-def]
    xihu = organisation_by_name("西湖区总工会")
    city = organisation_by_name("杭州市总工会")
    staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD)
    staff_create(username="city.reviewer", role=Role.CITY_REVIEWER, organisation=city, password=STAFF_PASSWORD)


def staff_sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue")


def worker_sign_in(page, base: str, member) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/worker/signin")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_name", member.name)
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", SmsMessage.objects.filter(template="otp").latest("created_at").params["code"])
    page.click("button:has-text('登录')")


def test_apply_approve_return_and_resubmit_through_the_pages(member, photos, reviewers, live_server, page_factory):
    base = live_server.url
    # The certificate is in the HR registry as declared: no signal blocks the chain.
    factories.make_certificate(member=member, certificate_no="2020330100777", issue_date=dt.date(2020, 6, 30), occupation="车工")

    phone = page_factory(width=WIDTH, height=HEIGHT)
    worker_sign_in(phone, base, member)
    phone.click("text=申请2020年度奖励")
    phone.wait_for_selector("#id_occupation")
    fill_application(phone, certificate_no="2020330100777", bank_card=factories.new_card())
    choose_files(phone, photos)
    phone.click("button:has-text('提交申请')")
    phone.wait_for_selector("#query-password")
    password = phone.inner_text("#query-password").strip()
    application = Application.objects.get(id_hash=member.id_hash)
    number = application.application_no
    assert application.status == Status.PENDING_DISTRICT and not application.flags.exists()

    # 预审 by 西湖区: the materials in the viewer, then approve.
    desk = page_factory(1440, 900)
    staff_sign_in(desk, base, "xihu.reviewer")
    desk.click(f"text={number}")
    desk.wait_for_selector(".annex3")
    desk.wait_for_function("document.querySelectorAll('.material[data-blob]').length === 3")
    desk.click(".material >> nth=1")
    desk.locator("#viewer").wait_for(state="visible")
    assert desk.inner_text("#viewer-title") == "等级证书"
    desk.click("[data-viewer=zoom-in]")
    desk.click("[data-viewer=rotate]")
    desk.keyboard.press("ArrowRight")
    assert desk.inner_text("#viewer-title") == "银行卡"
    desk.keyboard.press("Escape")
    desk.check("input[name=decision][value=approve]")
    desk.click(".decision-form button[type=submit]")
    desk.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == Status.PENDING_CITY

    # 终审 by the city: return with an opinion.
    city = page_factory(1440, 900)
    staff_sign_in(city, base, "city.reviewer")
    city.goto(f"{base}/staff/applications/{number}")
    city.check("input[name=decision][value=return]")
    city.check("input[name=materials][value=bank_card]")  # 需重新上传, enabled by 退回修改
    city.fill("textarea[name=opinion]", "银行卡照片不清晰，请重新拍摄上传")
    city.click(".decision-form button[type=submit]")
    city.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == Status.RETURNED

    # The worker follows it with ID + password and sees the opinion.
    phone.goto(base + "/worker/status")
    phone.fill("#id_id_number", member.id_number)
    phone.fill("#id_query_password", password)
    phone.click("button:has-text('查询')")
    phone.wait_for_selector(".w-app")
    assert "银行卡照片不清晰，请重新拍摄上传" in phone.inner_text(".w-app")
    assert "需重新上传：银行卡" in phone.inner_text(".w-history") and "并重新上传银行卡后" in phone.inner_text(".w-next")
    fits(phone)
    screenshot(phone, "30-worker-sees-return")

    # …and corrects it: a new bank-card photo, then 重新提交. Under each field, the photo on file
    # (re-encoded by the background step, which the browser tests' task backend does not run).
    for attachment_id in application.attachments.values_list("pk", flat=True):
        materials.process(attachment_id)
    phone.goto(base + "/worker/mine")
    phone.click("a.w-btn:has-text('修改后重新提交')")
    phone.wait_for_selector("#id_occupation")
    assert "银行卡照片不清晰" in phone.inner_text("body")
    thumbnails = phone.locator(".w-onfile img")
    assert [thumbnails.nth(i).get_attribute("alt") for i in range(3)] == [
        "原来上传的身份证照片",
        "原来上传的证书照片",
        "原来上传的银行卡照片",
    ]
    for i in range(3):  # loaded lazily: brought into view, then drawn (the server sent an image, the CSP let it in)
        thumbnails.nth(i).scroll_into_view_if_needed()
        phone.wait_for_load_state("networkidle")
        assert thumbnails.nth(i).evaluate("img => img.complete && img.naturalWidth") == 240  # the 480 px photo, as a thumbnail
        box = thumbnails.nth(i).bounding_box()
        assert box is not None and box["width"] <= 120 and box["height"] <= 90
    phone.set_input_files("#id_bank_card_file", str(photos["bank_card"]))
    # The card of the bank-card photo on file says it goes; the others stay as they are.
    phone.wait_for_selector("#onfile-bank_card_file.is-replaced")
    assert phone.inner_text("#onfile-bank_card_file .w-onfile-replace") == "提交后，这份材料将由上面新选择的文件替换。"
    assert phone.locator(".w-onfile-replace").count() == 1
    fits(phone)
    screenshot(phone, "31-worker-resubmit")
    with phone.expect_navigation():  # after the fields' precheck, the form itself
        phone.click("button:has-text('重新提交')")
    phone.wait_for_selector(".w-messages")
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT
    stages = [event.stage for event in application.events.all()]
    assert stages[0] == "submitted" and stages[-1] == "resubmitted" and len(stages) == 4
    assert application.attachments.filter(current=True).count() == 3
    assert application.attachments.count() == 4
    # The previews and the viewer use blob: URLs of the server's own origin; nothing else leaves it.
    assert [url for url in page_factory.outside if not url.startswith("blob:" + base)] == []
