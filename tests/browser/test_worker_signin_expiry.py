"""A worker on a 360 px phone who went to find the phone while the SMS code ran out: the code
page says the code has expired and sends a new one for what was typed (screenshot 35), and
counts down while the SMS limit holds the next code back (36); the first page offers to finish
the sign-in begun in this browser (37)."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.core import clock
from rewards.notifications.models import SmsMessage

from .conftest import HEIGHT, WIDTH, fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def latest_code() -> str:
    return str(SmsMessage.objects.filter(template="otp").latest("created_at", "pk").params["code"])


def test_an_expired_code_is_said_so_and_a_new_one_sent_on_a_phone(member, live_server, page_factory, monkeypatch, settings):
    start = dt.datetime.now(dt.UTC)
    moment = [start]
    monkeypatch.setattr(clock, "now", lambda: moment[0])  # the server's thread reads the same clock
    page = page_factory(width=WIDTH, height=HEIGHT)
    page.goto(live_server.url + "/worker/signin?next=/worker/mine")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_name", member.name)
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("#id_code")
    old_code = latest_code()
    # One figure on the page: the button counts down, the note points at it (no stale "约 60 秒").
    resend = page.locator("button[data-resend-wait]")
    assert resend.is_disabled() and "秒）" in resend.inner_text()
    assert page.inner_text("[data-resend-note]") == "短信可能稍有延迟，请先留意手机；按钮上的倒计时结束后可以重新获取。"

    moment[0] = start + dt.timedelta(minutes=16)  # back with the phone, after the step's 15 minutes
    page.fill("#id_code", old_code)
    page.click("button:has-text('登录')")
    page.wait_for_selector("#code-gone")
    gone = page.inner_text("#code-gone")
    assert "验证码已过期" in gone and "无需重新填写身份证号码和姓名" in gone and "139****7919" in gone
    assert page.locator("#id_code").count() == 0
    button = page.locator("button:has-text('重新发送验证码')")
    assert button.is_enabled()
    assert member.id_number not in page.content() and member.name not in page.inner_text("main")
    fits(page)
    screenshot(page, "35-worker-code-expired")

    # Come back through the first page instead: it offers to finish the sign-in begun here.
    page.goto(live_server.url + "/worker/signin")
    assert page.input_value("#id_id_number") == "" and page.input_value("#id_name") == ""
    fits(page)
    screenshot(page, "37-worker-signin-unfinished")
    page.click("#signin-unfinished a")
    page.wait_for_selector("#code-gone")
    page.click("button:has-text('重新发送验证码')")
    page.wait_for_selector("#id_code")
    assert "新的验证码已发送至 139****7919" in page.inner_text("main")
    assert latest_code() != old_code or SmsMessage.objects.filter(template="otp").count() == 2
    page.fill("#id_code", latest_code())
    page.click("button:has-text('登录')")
    page.wait_for_url("**/worker/mine")
    assert "登录成功" in page.inner_text("main")


def test_the_new_code_waits_for_the_sms_limit_on_a_phone(member, live_server, page_factory, monkeypatch, settings):
    settings.THROTTLES = {**settings.THROTTLES, "otp": "1/hour"}
    start = dt.datetime.now(dt.UTC)
    moment = [start]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    page = page_factory(width=WIDTH, height=HEIGHT)
    page.goto(live_server.url + "/worker/signin")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_name", member.name)
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("#id_code")
    moment[0] = start + dt.timedelta(minutes=12)  # the code has expired; the one-an-hour limit holds
    page.reload()
    page.wait_for_selector("#code-gone")
    button = page.locator("button:has-text('重新发送验证码')")
    assert button.is_disabled() and "（48 分钟）" in button.inner_text()
    assert "约 48 分钟后可以重新发送" in page.inner_text("main")
    fits(page)
    screenshot(page, "36-worker-code-expired-wait")
    # The server holds the limit whatever the page shows.
    page.evaluate("document.querySelector('button[data-resend-wait]').disabled = false")
    button.click()
    page.wait_for_selector("#code-gone")
    assert "获取验证码过于频繁，请 48 分钟后再试" in page.inner_text("main")
    assert SmsMessage.objects.filter(template="otp").count() == 1
