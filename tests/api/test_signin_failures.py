"""A worker's SMS sign-in asked with an ID number and a name that find no verified member
(SECURITY.md 9; decision 286): such failures are throttled per ID number and per client, as the
status query's are, so that the 403 ``not_verified_member`` cannot be asked name after name to
learn whose ID number it is; a right pair is never counted."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.notifications.models import SmsMessage
from tests import factories

pytestmark = pytest.mark.django_db

OTP = "/api/v1/applicant/otp"
GUESSES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨勇", "赵磊", "黄敏", "周杰", "吴霞")


def ask(client: Client, id_number: str, name: str):  # type: ignore[no-untyped-def]
    return client.post(OTP, {"id_number": id_number, "name": name}, content_type="application/json")


def from_address(address: str) -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)


def test_names_guessed_for_one_id_number_are_stopped_before_the_right_one_is_told(member, business_day):
    guesser = from_address("198.51.100.7")
    assert [ask(guesser, member.id_number, name).status_code for name in GUESSES] == [403] * 10
    right = ask(guesser, member.id_number, member.name)
    assert right.status_code == 429 and right.json()["error"]["code"] == "throttled"
    assert right.json()["error"]["message"] == "登录信息核对失败次数过多，请 15 分钟后再试。"
    assert int(right["Retry-After"]) > 0
    # The same from another address: the ID number itself is held, and no code was sent.
    assert ask(from_address("203.0.113.9"), member.id_number, member.name).status_code == 429
    assert not SmsMessage.objects.filter(template="otp").exists()


def test_one_client_trying_many_id_numbers_is_held_and_others_are_not(member, xihu, business_day):
    guesser = from_address("198.51.100.7")
    for _ in range(20):
        assert ask(guesser, factories.new_id_number(), "张伟").status_code == 403
    assert ask(guesser, member.id_number, member.name).status_code == 429
    assert ask(from_address("203.0.113.9"), member.id_number, member.name).status_code == 202


def test_a_right_pair_and_a_malformed_one_are_not_counted(member, business_day):
    worker = from_address("198.51.100.7")
    for name in GUESSES[:9]:
        assert ask(worker, member.id_number, name).status_code == 403
    assert ask(worker, "123", member.name).status_code == 400  # nothing looked up: not a failure
    assert ask(worker, member.id_number, member.name).status_code == 202
    assert ask(worker, member.id_number, member.name).status_code == 429  # the code's own 60 s, as before
    assert SmsMessage.objects.filter(template="otp").count() == 1


def test_the_sign_in_page_says_so_too(member, business_day):
    page = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.7")
    for name in GUESSES:
        assert page.post("/worker/signin", {"id_number": member.id_number, "name": name}).status_code == 403
    held = page.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    assert "登录信息核对失败次数过多，请 15 分钟后再试。" in held.content.decode()
    assert not SmsMessage.objects.filter(template="otp").exists()
