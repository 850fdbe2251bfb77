"""Temporary passwords (ASVS 6.4.1; SECURITY.md 7, 10): a password an administrator set opens
the password change and nothing else, on the pages and in the administration; the API refuses it
with its one answer; it stops working ``STAFF_TEMPORARY_PASSWORD_HOURS`` after it took effect;
the holder's own password replaces it. Under dual control it comes in two parts, one from each
administrator (:mod:`rewards.identity.hashers`); a sign-in needs both, in order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.checks import run_checks

from rewards.core import clock
from rewards.core.models import AuditEvent
from rewards.identity.hashers import SECOND_PART_ALPHABET, SECOND_PART_LENGTH, new_second_part, two_part_password
from rewards.identity.lockout import sign_in_failed
from rewards.organisations.models import StaffUser
from rewards.web.staff.sessions import TEMPORARY_PASSWORD

from .staff_helpers import MovableClock, api_token, web_client, web_login

pytestmark = pytest.mark.django_db

FIRST = "First-part-Pass-2021"
SECOND = "abcd2345"
OWN = "My-own-Passphrase-2021"


def give_temporary(user: StaffUser, hours: int = 24) -> None:
    """What a confirmed reset leaves on the account (rewards.organisations.resets)."""
    user.password = two_part_password(first_hash=make_password(FIRST), second_part=SECOND)
    user.temporary_password_until = clock.now() + dt.timedelta(hours=hours)
    user.save()


def last_failure_reason() -> str:
    return AuditEvent.objects.filter(action="staff.login", result="failed").latest("id").detail["reason"]


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        (FIRST + SECOND, True),
        (FIRST + SECOND.upper(), True),  # the second part is read aloud: its case does not matter
        (FIRST, False),
        (SECOND, False),
        (FIRST + "abcd2346", False),
        ("first-part-Pass-2021" + SECOND, False),
        (SECOND + FIRST, False),
        ("", False),
    ],
)
def test_a_two_part_password_needs_both_parts_in_order(typed, accepted):
    encoded = two_part_password(first_hash=make_password(FIRST), second_part=SECOND)
    assert check_password(typed, encoded) is accepted
    assert FIRST not in encoded and SECOND not in encoded
    drawn = new_second_part()
    assert len(drawn) == SECOND_PART_LENGTH and set(drawn) <= set(SECOND_PART_ALPHABET)


def test_a_temporary_password_opens_the_password_change_only_then_the_holders_own_works(xihu_reviewer):
    give_temporary(xihu_reviewer)
    client = web_client()
    assert web_login(client, "xihu.reviewer", FIRST + SECOND)["Location"] == "/staff/account/password"
    page = client.get("/staff/account/password").content.decode()
    assert "您当前的密码是管理员设定的临时密码" in page and "返回账号安全" not in page and TEMPORARY_PASSWORD in page
    for path in ("/staff/", "/staff/account", "/admin/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"] == "/staff/account/password", path
    # The API first needs a password of the holder's own: the one answer of every failure.
    token = api_token(web_client(), "xihu.reviewer", FIRST + SECOND)
    assert token.status_code == 401 and token.json()["error"]["code"] == "not_authenticated"
    assert last_failure_reason() == "temporary_password"

    done = client.post("/staff/account/password", {"old_password": FIRST + SECOND, "new_password1": OWN, "new_password2": OWN})
    assert done.status_code == 302 and done["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.temporary_password_until is None
    assert api_token(web_client(), "xihu.reviewer", OWN).status_code == 200
    assert web_login(web_client(), "xihu.reviewer", OWN)["Location"] == "/staff/"


def test_an_administrator_with_a_temporary_password_reaches_the_administration_after_changing_it(administrator):
    give_temporary(administrator)
    client = web_client()
    assert web_login(client, "admin", FIRST + SECOND, next="/admin/")["Location"] == "/staff/account/password"
    assert client.get("/admin/organisations/staffuser/")["Location"] == "/staff/account/password"
    client.post("/staff/account/password", {"old_password": FIRST + SECOND, "new_password1": OWN, "new_password2": OWN})
    assert client.get("/admin/organisations/staffuser/").status_code == 200


def test_a_temporary_password_stops_working_when_its_time_is_up(monkeypatch, xihu_reviewer):
    clock_ = MovableClock(monkeypatch)
    give_temporary(xihu_reviewer, hours=2)
    clock_.advance(hours=1, minutes=59)
    assert web_login(web_client(), "xihu.reviewer", FIRST + SECOND).status_code == 302
    clock_.advance(minutes=2)
    page = web_login(web_client(), "xihu.reviewer", FIRST + SECOND)
    assert page.status_code == 200 and sign_in_failed() in page.content.decode()
    assert last_failure_reason() == "temporary_expired"
    assert api_token(web_client(), "xihu.reviewer", FIRST + SECOND).status_code == 401


def test_check_refuses_password_hashers_without_the_two_part_one(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert [m.id for m in run_checks(tags=["security"]) if m.id.startswith("organisations.")] == ["organisations.E003"]
