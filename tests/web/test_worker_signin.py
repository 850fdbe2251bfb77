"""The worker pages (职工端): SMS sign-in (登录) and its session — the code, its throttling and
attempts, the 30-minute idle end, sign-out and the CSRF token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.test import Client

from rewards.core import clock
from rewards.core.masking import mask_phone
from rewards.identity.models import OtpChallenge
from rewards.notifications.models import SmsMessage
from rewards.web.worker import session as worker_session
from tests import factories

from ._worker import HOST, latest_code, sign_in, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# 登录 -------------------------------------------------------------------------------------------


def test_sign_in_sends_a_code_to_the_mobile_on_file_and_shows_it_masked(client, today, member):
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = text(page)
    assert mask_phone(member.phone) in body
    assert member.phone not in body and member.id_number not in body
    assert SmsMessage.objects.filter(template="otp", phone_hash=member.phone_hash).count() == 1
    assert "no-store" in page["Cache-Control"]


def test_sign_in_with_the_code_cycles_the_session_and_goes_back(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name, "next": "/worker/apply"})
    before = client.session.session_key
    response = client.post("/worker/signin/code", {"code": latest_code()})
    assert response.status_code == 302 and response["Location"] == "/worker/apply"
    assert client.session.session_key != before
    assert client.session[worker_session.SESSION_KEY] == member.id_hash
    assert worker_session.PENDING_KEY not in client.session
    assert client.session.get_expiry_age() <= 30 * 60


def test_a_wrong_code_is_refused_in_chinese(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    code = latest_code()
    response = client.post("/worker/signin/code", {"code": "000000" if code != "000000" else "111111"})
    assert response.status_code == 400
    body = text(response)
    # The code sent is still good: retype it (not "expired, ask for another", which costs a
    # minute's wait and a new SMS), with the tries left.
    assert "验证码不正确，请对照短信重新输入（还可以输入 4 次）" in body
    assert "已过期" not in body and "请重新获取" not in body
    assert worker_session.SESSION_KEY not in client.session


def test_the_tries_left_count_down_to_the_last_one(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    code = latest_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client.post("/worker/signin/code", {"code": wrong})
    response = client.post("/worker/signin/code", {"code": wrong})  # the fourth: one try left
    assert "还可以输入 1 次" in text(response)
    assert client.post("/worker/signin/code", {"code": code}).status_code == 302  # and it still works


def test_five_wrong_codes_use_the_code_up(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    code = latest_code()
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(5):
        response = client.post("/worker/signin/code", {"code": wrong})
        assert response.status_code == 400
        # The first four say the code is wrong; the fifth, that it is used up, with a new one offered.
        assert ("输错次数过多" in text(response)) == (attempt == 4)
    response = client.post("/worker/signin/code", {"code": code})
    body = text(response)
    assert response.status_code == 400 and "验证码输错次数过多，已失效" in body and "重新发送验证码" in body
    assert 'name="code"' not in body  # nothing more to type until a new code is sent
    assert worker_session.SESSION_KEY not in client.session


def test_not_a_verified_member_is_told_how_to_become_one(client, today, xihu):
    unverified = factories.make_member(union=xihu, verified=False)
    for person in (
        {"id_number": unverified.id_number, "name": unverified.name},
        {"id_number": factories.new_id_number(), "name": "王小红"},
    ):
        response = client.post("/worker/signin", person)
        body = text(response)
        assert response.status_code == 403
        assert "杭工e家" in body and "实名认证" in body and "所在单位工会" in body and "单位统一申报" in body
    assert not SmsMessage.objects.exists()


def test_a_name_typed_with_a_homophone_is_asked_to_be_checked_before_anything_else(client, today, member):
    """A verified member who typed 陶燕 for 陶艳 (a pinyin keyboard's slip) was told, in the
    page's title, to become a verified member first. The page now asks to check what was typed
    first, and says no more than before about whether the ID number is a member's."""
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name[:-1] + "燕"})
    body = text(response)
    assert response.status_code == 403
    assert "没有找到相符的实名认证会员" in body and "需要先成为实名认证会员" not in body
    assert "请先核对" in body and "同音字" in body
    other = factories.new_id_number()
    stranger = text(client.post("/worker/signin", {"id_number": other, "name": "王小红"}))

    def same(page: str, *typed: str) -> str:  # the page without what was typed and the CSRF token
        for value in typed:
            page = page.replace(value, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)

    assert same(stranger, other, "王小红") == same(body, member.id_number, member.name[:-1] + "燕")  # the same page


def test_the_not_member_page_keeps_what_was_typed_to_correct_the_name(client, today, member):
    """Correcting one character of the name must not cost typing the 18-digit ID number again."""
    typo = member.name[:-1] + "燕"
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": typo, "next": "/worker/apply"})
    page = response.content.decode()
    assert response.status_code == 403
    assert 'action="/worker/signin"' in page
    assert f'value="{member.id_number}"' in page and f'value="{typo}"' in page and 'value="/worker/apply"' in page
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name, "next": "/worker/apply"})
    assert response.status_code == 302 and SmsMessage.objects.filter(template="otp").count() == 1


def test_sign_in_field_errors(client, today):
    response = client.post("/worker/signin", {"id_number": "330106800101001", "name": ""})
    body = text(response)
    assert response.status_code == 400
    assert "请填写18位身份证号码" in body and "请填写姓名。" in body


def test_both_empty_boxes_are_asked_for_at_once(client, today, member):
    body = text(client.post("/worker/signin", {"id_number": "", "name": ""}))
    assert "请填写身份证号码" in body and "请填写姓名。" in body
    answered = text(client.post("/worker/signin", {"id_number": member.id_number, "name": " "}))
    assert "请填写姓名。" in answered and "请填写身份证号码" not in answered and "请填写18位身份证号码" not in answered


def test_asking_again_too_soon_is_throttled_in_chinese(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name}, follow=True)
    assert "秒后再重新获取" in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 1
    response = client.post("/worker/signin/code", {"action": "resend"}, follow=True)
    assert "秒后再重新获取" in text(response)


def test_signing_in_again_at_once_after_signing_out_sends_a_new_code(client, today, member):
    sign_in(client, member)  # the code is used up
    client.post("/worker/signout")
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name}, follow=True)
    assert "秒后再重新获取" not in text(response) and "仍然有效" not in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 2
    response = client.post("/worker/signin/code", {"code": latest_code()})
    assert response.status_code == 302 and client.session[worker_session.SESSION_KEY] == member.id_hash


def test_a_code_used_up_by_five_wrong_tries_does_not_hold_back_the_next(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    wrong = "000000" if latest_code() != "000000" else "111111"
    for _ in range(5):
        client.post("/worker/signin/code", {"code": wrong})
    response = client.post("/worker/signin/code", {"action": "resend"}, follow=True)
    assert "新的验证码已发送" in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 2


def test_past_the_limit_without_a_live_code_the_worker_stays_on_the_first_step(client, today, member):
    for _ in range(5):  # five codes, each used: the limit (5 in 10 minutes) is reached, none is waiting
        sign_in(client, member)
        client.post("/worker/signout")
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    assert response.status_code == 400
    assert "获取验证码过于频繁" in text(response) and "仍然有效" not in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 5


def test_past_the_limit_with_a_live_code_the_worker_is_sent_to_type_it(client, today, member):
    for _ in range(4):
        sign_in(client, member)
        client.post("/worker/signout")
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})  # the fifth, not typed yet
    # More than 60 seconds later: the gap between two codes is over, the limit of five is not.
    OtpChallenge.objects.update(created_at=F("created_at") - dt.timedelta(seconds=90))
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name}, follow=True)
    assert response.redirect_chain[-1][0] == "/worker/signin/code"
    assert "获取验证码过于频繁" in text(response) and "刚才发送的验证码仍然有效" in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 5
    assert client.post("/worker/signin/code", {"code": latest_code()}).status_code == 302


def test_code_step_without_the_first_step_goes_back(client, today):
    response = client.get("/worker/signin/code")
    assert response.status_code == 302 and response["Location"] == "/worker/signin"


def test_idle_session_ends_after_30_minutes(client, today, member):
    sign_in(client, member)
    assert client.get("/worker/mine").status_code == 200
    session = client.session
    session[worker_session.SEEN_KEY] = clock.now().timestamp() - 31 * 60
    session.save()
    response = client.get("/worker/mine", follow=True)
    assert response.redirect_chain[0][0].startswith("/worker/signin?next=")
    assert "超过30分钟未操作" in text(response)
    assert worker_session.SESSION_KEY not in client.session


def test_sign_out(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/signout", follow=True)
    assert "您已安全退出" in text(response)
    assert worker_session.SESSION_KEY not in client.session
    assert client.get("/worker/mine").status_code == 302


def test_forms_need_the_csrf_token(today, member):
    strict = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    assert strict.post("/worker/signin", {"id_number": member.id_number, "name": member.name}).status_code == 403
    page = text(strict.get("/worker/signin"))
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_code_that_is_not_six_digits_is_said_so_and_uses_no_try(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    for slip in ("12a", "12345", "1234567", ""):
        response = client.post("/worker/signin/code", {"code": slip})
        assert response.status_code == 400 and "请输入短信中的6位数字验证码" in text(response)
    wrong = "000000" if latest_code() != "000000" else "111111"
    for _ in range(4):  # four real wrong tries: the fifth try, the right code, still works
        response = client.post("/worker/signin/code", {"code": wrong})
        assert "验证码不正确，请对照短信重新输入" in text(response)
    assert client.post("/worker/signin/code", {"code": latest_code()}).status_code == 302


def test_the_code_page_counts_down_to_the_next_code_only_while_the_last_one_is_live(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    page = client.get("/worker/signin/code").content.decode()
    wait = int(re.search(r'data-resend-wait="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert 55 <= wait <= 60 and f"约 {wait} 秒后可以重新获取" in page
    OtpChallenge.objects.update(created_at=F("created_at") - dt.timedelta(seconds=61))
    later = client.get("/worker/signin/code").content.decode()
    assert 'data-resend-wait="0"' in later and "秒后可以重新获取" not in later
