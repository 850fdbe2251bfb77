"""The worker's sign-in when the code has run out (decision 13: a code lives 10 minutes; the
step between the two pages 15): the code page says so and sends a new code for what this
browser typed, within the SMS limits, instead of the empty first page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from rewards.core import clock
from rewards.core.masking import mask_phone
from rewards.identity.models import OtpChallenge
from rewards.identity.services import otp_state
from rewards.notifications.models import SmsMessage
from rewards.web.worker import session as worker_session

from ._worker import HOST, latest_code, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

#: The moment the first step is sent, to the second: every later moment is counted from it.
START = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def at(monkeypatch):  # type: ignore[no-untyped-def]
    """Moves the real clock (codes, the step, the throttles) to ``START`` + so many seconds."""

    def move(seconds: float) -> None:
        moment = START + dt.timedelta(seconds=seconds)
        monkeypatch.setattr(clock, "now", lambda: moment)

    move(0)
    return move


def first_step(client: Client, member) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name, "next": "/worker/apply"})
    assert response.status_code == 302 and response["Location"] == "/worker/signin/code"


def signed_in(client: Client) -> bool:
    return worker_session.SESSION_KEY in client.session


def test_a_code_is_valid_at_its_last_second_and_expired_one_second_later(client, today, member, at):
    first_step(client, member)
    code = latest_code()
    assert OtpChallenge.objects.get().expires_at == START + dt.timedelta(minutes=10)
    assert otp_state(member.id_number).state == "live"
    at(600)  # one second after the last second
    assert otp_state(member.id_number).state == "expired"
    response = client.post("/worker/signin/code", {"code": code})
    body = text(response)
    assert response.status_code == 400 and not signed_in(client)
    assert "验证码已过期" in body and "重新发送验证码" in body and 'name="code"' not in body
    assert "验证码不正确" not in body
    at(599)  # its last second
    assert otp_state(member.id_number).state == "live"
    response = client.post("/worker/signin/code", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/worker/apply" and signed_in(client)


def test_an_expired_code_page_offers_a_new_code_without_typing_again(client, today, member, at):
    first_step(client, member)
    at(11 * 60)
    page = client.get("/worker/signin/code")
    body = text(page)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "验证码已过期" in body and "无需重新填写身份证号码和姓名" in body and mask_phone(member.phone) in body
    # What the first step typed stays in the session: the page shows neither.
    assert member.id_number not in body and member.name not in body
    assert 'data-resend-wait="0"' in body
    response = client.post("/worker/signin/code", {"action": "resend"}, follow=True)
    assert "新的验证码已发送" in text(response) and 'name="code"' in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 2
    assert client.post("/worker/signin/code", {"code": latest_code()})["Location"] == "/worker/apply"
    assert signed_in(client)


def test_the_step_checks_codes_for_15_minutes_then_offers_a_new_one(client, today, member, at):
    first_step(client, member)
    code = latest_code()
    # A code that would still be valid (sent elsewhere, later): only the step's own life counts here.
    OtpChallenge.objects.update(expires_at=START + dt.timedelta(hours=1))
    at(15 * 60 + 1)
    response = client.post("/worker/signin/code", {"code": code})
    assert response.status_code == 400 and "验证码已过期" in text(response) and not signed_in(client)
    assert OtpChallenge.objects.get().attempts == 0  # not checked at all
    at(15 * 60)  # the step's last moment
    assert 'name="code"' in text(client.get("/worker/signin/code"))
    assert client.post("/worker/signin/code", {"code": code}).status_code == 302 and signed_in(client)


def test_the_expired_step_is_remembered_for_an_hour_then_forgotten(client, today, member, at):
    first_step(client, member)
    later = Client(HTTP_HOST=HOST)
    first_step(later, member)  # a second browser, 0 seconds later (the code sent first still holds)
    at(60 * 60)
    assert "验证码已过期" in text(client.get("/worker/signin/code"))
    at(60 * 60 + 1)
    response = later.get("/worker/signin/code", follow=True)
    assert response.redirect_chain == [("/worker/signin", 302)]
    assert "请先填写身份证号码和姓名" in text(response) and worker_session.PENDING_KEY not in later.session
    assert 'value="' + member.id_number not in text(response)


def test_a_new_code_after_expiry_keeps_the_sms_limit(client, today, member, at, settings):
    # The default limit (5 in 10 minutes) has always passed by the time a code expires unused;
    # a longer window (THROTTLE_OTP) still holds the new code back.
    settings.THROTTLES = {**settings.THROTTLES, "otp": "5/hour"}
    for step in range(5):  # five codes, a minute apart, none typed
        at(step * 61)
        if step:
            assert "新的验证码已发送" in text(client.post("/worker/signin/code", {"action": "resend"}, follow=True))
        else:
            first_step(client, member)
    assert SmsMessage.objects.filter(template="otp").count() == 5
    at(4 * 61 + 600)  # the fifth code has just expired; the first went out 844 seconds ago
    page = text(client.get("/worker/signin/code"))
    assert "验证码已过期" in page
    assert 'data-resend-wait="2756"' in page and "约 46 分钟后可以重新发送" in page
    response = client.post("/worker/signin/code", {"action": "resend"}, follow=True)
    assert "获取验证码过于频繁，请 46 分钟后再试" in text(response) and "验证码已过期" in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 5
    at(3599)  # the first code still counts at its last second
    assert "获取验证码过于频繁" in text(client.post("/worker/signin/code", {"action": "resend"}, follow=True))
    at(3600)  # and no longer one second later: four in the last hour
    assert 'data-resend-wait="0"' in text(client.get("/worker/signin/code"))
    response = client.post("/worker/signin/code", {"action": "resend"}, follow=True)
    assert "新的验证码已发送" in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 6
    assert client.post("/worker/signin/code", {"code": latest_code()}).status_code == 302


def test_the_first_page_offers_to_finish_a_sign_in_begun_in_this_browser(client, today, member, at):
    assert "继续登录" not in text(client.get("/worker/signin"))
    first_step(client, member)
    at(20 * 60)
    page = text(client.get("/worker/signin"))
    assert "本浏览器刚才的登录还没有完成" in page and 'href="/worker/signin/code"' in page
    assert member.id_number not in page and member.name not in page
    assert "继续登录" not in text(Client(HTTP_HOST=HOST).get("/worker/signin"))


def test_a_member_no_longer_verified_is_told_so_on_asking_for_a_new_code(client, today, member, at):
    first_step(client, member)
    at(11 * 60)
    member.verified = False
    member.save(update_fields=["verified"])
    response = client.post("/worker/signin/code", {"action": "resend"})
    assert response.status_code == 403 and "杭工e家" in text(response)
    assert worker_session.PENDING_KEY not in client.session
    assert SmsMessage.objects.filter(template="otp").count() == 1


def test_signing_in_after_a_new_code_needs_the_new_code(client, today, member, at, monkeypatch):
    import secrets

    from rewards.identity import services as identity_services

    drawn, draw = iter([123456, 654321]), secrets.randbelow  # the two codes, told apart for sure
    monkeypatch.setattr(identity_services.secrets, "randbelow", lambda n: next(drawn) if n == 10**6 else draw(n))
    first_step(client, member)
    old = latest_code()
    at(11 * 60)
    client.post("/worker/signin/code", {"action": "resend"})
    new = latest_code()
    assert (old, new) == ("123456", "654321") and SmsMessage.objects.filter(template="otp").count() == 2
    assert client.post("/worker/signin/code", {"code": old}).status_code == 400
    assert client.post("/worker/signin/code", {"code": new}).status_code == 302
    assert signed_in(client)
