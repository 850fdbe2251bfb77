"""SECURITY.md 7: staff sign-in locks after 5 failures for 15 minutes on the pages and the API
alike, counted in the database (every server process sees the same count), with one message for
every failure (unknown user, wrong password, disabled account, no role, locked), the password
hasher run for unknown users too, and every failure and lockout audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import caches

from rewards.core.models import AuditEvent, ThrottleEvent
from rewards.identity.lockout import SIGN_IN_FAILED, sign_in_failed
from rewards.organisations.models import StaffUser

from .staff_helpers import MovableClock, api_token, web_client, web_login

pytestmark = pytest.mark.django_db


def fail_web(username: str, times: int = 1) -> None:
    client = web_client()
    for _ in range(times):
        response = web_login(client, username, "not-the-password")
        assert response.status_code == 200 and sign_in_failed() in response.text


def audits(action: str, **filters) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def test_every_failure_gets_the_same_answer_on_the_page_and_the_api(xihu_reviewer, city):
    StaffUser.objects.create_user(
        username="disabled.user", password="Right-pass-2020x", organisation=city, role="city_reviewer", is_active=False
    )
    StaffUser.objects.create_user(username="no.role", password="Right-pass-2020x", organisation=city)
    attempts = [
        ("nobody.here", "Right-pass-2020x"),  # unknown user
        ("xihu.reviewer", "wrong-password-1"),  # wrong password
        ("disabled.user", "Right-pass-2020x"),  # disabled account, right password
        ("no.role", "Right-pass-2020x"),  # no role, right password
    ]
    pages, answers = set(), set()
    for username, password in attempts:
        page = web_login(web_client(), username, password)
        assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
        pages.add(page.text.split('role="alert">')[1].split("<")[0])
        api = api_token(web_client(), username, password)
        assert api.status_code == 401
        answers.add(str(api.json()))
    assert pages == {SIGN_IN_FAILED}
    assert len(answers) == 1 and SIGN_IN_FAILED in answers.pop()
    reasons = [entry.detail["reason"] for entry in audits("staff.login", result="failed")]
    assert reasons == ["unknown_user", "unknown_user", "wrong_password", "wrong_password", "inactive", "inactive", "no_role", "no_role"]


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how often a password is hashed (encode) or checked (verify)."""

    calls = 0

    def encode(self, password, salt):  # type: ignore[no-untyped-def]
        CountingHasher.calls += 1
        return super().encode(password, salt)


def test_the_hasher_runs_for_unknown_users_too(settings, xihu_reviewer):
    settings.PASSWORD_HASHERS = ["tests.security.test_staff_lockout.CountingHasher"]
    xihu_reviewer.set_password("Known-pass-2020x")
    xihu_reviewer.save()
    for username in ("xihu.reviewer", "nobody.here", ""):
        CountingHasher.calls = 0
        web_login(web_client(), username, "wrong-password-1")
        api_token(web_client(), username, "wrong-password-1")
        # One hash per attempt whether the name exists or not: the answers take as long.
        assert CountingHasher.calls == 2, username


def test_five_failures_lock_the_page_and_the_api_for_fifteen_minutes(xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch)
    fail_web("xihu.reviewer", 4)
    assert not ThrottleEvent.objects.filter(scope="login_lock").exists()
    fail_web("xihu.reviewer", 1)  # the fifth
    lock = audits("staff.lockout")
    assert len(lock) == 1 and lock[0].actor == xihu_reviewer and lock[0].result == "locked"
    assert lock[0].detail == {"channel": "web", "minutes": 15, "failures": 5}

    # Locked: the right password is refused on the page (same message) and on the API (429).
    client = web_client()
    page = web_login(client, "Xihu.Reviewer")
    assert page.status_code == 429 and SIGN_IN_FAILED in page.text
    assert 0 < int(page["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session
    api = api_token(web_client(), "xihu.reviewer")
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "throttled" and api.json()["error"]["message"] == SIGN_IN_FAILED
    assert 0 < int(api["Retry-After"]) <= 900
    assert len(audits("staff.login", result="locked")) == 2

    clock.advance(minutes=14, seconds=50)
    assert api_token(web_client(), "xihu.reviewer").status_code == 429
    clock.advance(seconds=11)  # 15 minutes after the fifth failure
    assert api_token(web_client(), "xihu.reviewer").status_code == 200
    assert web_login(web_client(), "xihu.reviewer").status_code == 302


def test_failures_count_across_channels_and_processes(xihu_reviewer):
    """Nothing is kept in a process: the count is rows in the database, so failures on the page
    and on the API (any server process) add up; the process-local cache plays no part."""
    for _ in range(2):
        fail_web("xihu.reviewer")
        caches["default"].clear()
        assert api_token(web_client(), "xihu.reviewer", "wrong-password-2").status_code == 401
        caches["default"].clear()
    assert ThrottleEvent.objects.filter(scope="login").count() == 4
    fail_web("xihu.reviewer")
    assert ThrottleEvent.objects.filter(scope="login_lock").count() == 1
    assert api_token(web_client(), "xihu.reviewer").status_code == 429
    # Keys are hashed: the username is not stored in clear.
    assert not ThrottleEvent.objects.filter(key_hash__icontains="xihu").exists()


def test_an_unknown_name_locks_like_a_real_one(xihu_reviewer):
    """No enumeration through the lock either: the lock does not depend on the name existing."""
    for username in ("xihu.reviewer", "nobody.here"):
        for _ in range(5):
            api_token(web_client(), username, "wrong-password-1")
        locked = api_token(web_client(), username, "whatever-password")
        assert locked.status_code == 429 and locked.json()["error"]["message"] == SIGN_IN_FAILED
    assert len(audits("staff.lockout")) == 2
    unknown = audits("staff.lockout")[1]
    assert unknown.actor is None and unknown.actor_label == "(未知用户名)"


def test_the_limits_come_from_the_settings(settings, xihu_reviewer, monkeypatch):
    settings.STAFF_LOCKOUT_FAILURES = 3
    settings.STAFF_LOCKOUT_MINUTES = 2
    clock = MovableClock(monkeypatch)
    fail_web("xihu.reviewer", 3)
    response = api_token(web_client(), "xihu.reviewer")
    assert response.status_code == 429 and int(response["Retry-After"]) <= 120
    # Said as set, not as the defaults: 3 failures, 2 minutes.
    assert response.json()["error"]["message"].endswith("连续失败3次，账号将锁定2分钟。")
    clock.advance(minutes=2, seconds=1)
    assert api_token(web_client(), "xihu.reviewer").status_code == 200


def test_a_password_typed_into_the_name_field_is_not_logged(xihu_reviewer):
    web_login(web_client(), "Secret-Password-Typed-Here", "x")
    entry = audits("staff.login", result="failed")[-1]
    assert "Secret-Password" not in entry.actor_label and "Secret-Password" not in str(entry.detail)


def test_a_success_forgets_earlier_failures_but_not_a_running_lock(xihu_reviewer):
    fail_web("xihu.reviewer", 4)
    assert web_login(web_client(), "xihu.reviewer").status_code == 302
    assert ThrottleEvent.objects.filter(scope="login").count() == 0
    fail_web("xihu.reviewer", 4)
    assert not ThrottleEvent.objects.filter(scope="login_lock").exists()  # counting started again


def test_a_name_the_database_cannot_hold_is_one_more_failure(xihu_reviewer):
    """A NUL in the name (PostgreSQL refuses it in text) gets the failure answer, not a 500."""
    api = api_token(web_client(), "xihu\x00reviewer", "x")
    assert api.status_code == 401 and api.json()["error"]["message"] == SIGN_IN_FAILED
    page = web_login(web_client(), "xihu\x00reviewer", "x")
    assert page.status_code == 200 and SIGN_IN_FAILED in page.text
    assert [e.detail["reason"] for e in audits("staff.login", result="failed")] == ["unknown_user", "unknown_user"]


def test_an_administrator_can_lift_a_lock_early(settings, xihu_reviewer, administrator):
    settings.STAFF_MFA_ROLES = []
    fail_web("xihu.reviewer", 5)
    assert api_token(web_client(), "xihu.reviewer").status_code == 429
    admin = web_client()
    admin.force_login(administrator)
    response = admin.post("/admin/organisations/staffuser/", {"action": "unlock_sign_in", "_selected_action": [xihu_reviewer.pk]})
    assert response.status_code == 302
    assert api_token(web_client(), "xihu.reviewer").status_code == 200
    entry = audits("staff.unlock")[0]
    assert entry.actor == administrator and entry.object_id == str(xihu_reviewer.pk)


@pytest.mark.parametrize(("value", "expected"), [("", "5 15 5/15min"), ("2/1min", "2 1 2/1min"), ("3/1hour", "3 60 3/60min")])
def test_throttle_login_sets_the_lock_as_api_md_names_it(value, expected, tmp_path):
    """``THROTTLE_LOGIN`` (API.md's THROTTLE_<SCOPE>) decides the failures and the minutes."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STAFF_LOCKOUT_FAILURES, s.STAFF_LOCKOUT_MINUTES, s.THROTTLES['login'])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATA_DIR": str(tmp_path), "THROTTLE_LOGIN": value}
    env.pop("STAFF_LOCKOUT_FAILURES", None)
    env.pop("STAFF_LOCKOUT_MINUTES", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == expected, done.stderr
    env["THROTTLE_LOGIN"] = "five per hour"
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "THROTTLE_LOGIN 应形如 5/15min" in refused.stderr
    env["THROTTLE_LOGIN"] = "5/0min"
    zero = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert zero.returncode != 0 and "THROTTLE_LOGIN 的时长不能为 0" in zero.stderr
