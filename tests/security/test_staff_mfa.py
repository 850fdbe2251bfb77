"""SECURITY.md 7 (ASVS 6.3.3): a TOTP second factor for every staff user, required for the
roles in ``STAFF_MFA_ROLES``: enrolment with a QR code drawn on the server and the secret as
text, active only after a code; the secret encrypted at rest; a code at every sign-in on the
page (a second step) and the API (``otp``); no code accepted twice; enrol, disable and reset
audited; an administrator can reset a user's authenticator."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.identity import mfa
from rewards.identity.lockout import SIGN_IN_FAILED
from rewards.identity.models import StaffToken, StaffTotp
from rewards.reports.audit_detail import readable_detail
from rewards.web.staff.sessions import MFA_LOGOUT
from tests.conftest import PASSWORD

from .staff_helpers import MovableClock, api_token, bearer, code_for, enrol, next_code, web_client, web_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def mfa_roles(settings):  # type: ignore[no-untyped-def]
    """Production's default: finance officers and administrators must use a second factor."""
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]
    return settings.STAFF_MFA_ROLES


def audits(action: str, **filters) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def signed_in_user(client: Client):  # type: ignore[no-untyped-def]
    return client.session.get("_auth_user_id")


def shown_secret(html: str) -> str:
    return re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html)[1].replace(" ", "")  # type: ignore[index]


# --- enrolment at the first sign-in of a required role --------------------------------------------


def test_a_required_role_enrols_at_first_sign_in_then_gives_a_code_every_time(mfa_roles, finance_a, monkeypatch):
    clock = MovableClock(monkeypatch)
    client = web_client()
    response = web_login(client, "finance.a")
    assert response.status_code == 302 and response["Location"] == "/staff/login/enrol"
    assert signed_in_user(client) is None  # the password alone signs nobody in
    assert client.get("/staff/payments/").status_code == 302

    page = client.get("/staff/login/enrol")
    assert page.status_code == 200
    assert "<svg" in page.text and "qr-path" in page.text  # the QR code, drawn on the server
    assert "cdn" not in page.text.lower() and "<script" not in page.text.split("</head>")[1]
    secret = shown_secret(page.text)
    assert StaffTotp.objects.get(user=finance_a).pending_secret == secret
    assert shown_secret(client.get("/staff/login/enrol").text) == secret  # the same secret on reload

    wrong = client.post("/staff/login/enrol", {"code": "000000"})
    assert wrong.status_code == 200 and "动态验证码不正确" in wrong.text and signed_in_user(client) is None
    done = client.post("/staff/login/enrol", {"code": code_for(secret)})
    assert done.status_code == 302 and done["Location"] == "/staff/payments/"
    assert signed_in_user(client) == str(finance_a.pk)
    assert client.get("/staff/payments/").status_code == 200
    assert [e.result for e in audits("staff.mfa_enrol", actor=finance_a)] == ["failed", "ok"]
    assert audits("staff.login", result="ok")[-1].detail == {"channel": "web", "mfa": True}

    # Every later sign-in: password, then a code.
    clock.advance(seconds=30)
    again = web_client()
    response = web_login(again, "finance.a")
    assert response["Location"] == "/staff/login/otp" and signed_in_user(again) is None
    assert again.post("/staff/login/otp", {"code": "123456"}).status_code == 200
    assert signed_in_user(again) is None
    assert again.post("/staff/login/otp", {"code": code_for(secret)}).status_code == 302
    assert signed_in_user(again) == str(finance_a.pk)


def test_the_secret_is_encrypted_at_rest(finance_a):
    secret = enrol(finance_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, pending_secret FROM identity_stafftotp")
        stored = cursor.fetchall()
    assert stored and secret not in str(stored)
    assert StaffTotp.objects.get(user=finance_a).secret == secret


def test_the_pending_step_expires_and_is_bound_to_the_password(mfa_roles, finance_a, monkeypatch):
    clock = MovableClock(monkeypatch)
    secret = enrol(finance_a)
    client = web_client()
    web_login(client, "finance.a")
    clock.advance(minutes=5, seconds=1)
    expired = client.post("/staff/login/otp", {"code": code_for(secret)})
    assert expired.status_code == 302 and expired["Location"] == "/staff/login"
    assert signed_in_user(client) is None
    # A password changed between the two steps voids the first one.
    web_login(client, "finance.a")
    finance_a.set_password("Another-pass-2020x")
    finance_a.save()
    assert client.post("/staff/login/otp", {"code": code_for(secret)})["Location"] == "/staff/login"
    assert signed_in_user(client) is None


def test_wrong_codes_count_towards_the_lockout(mfa_roles, finance_a):
    enrol(finance_a)
    client = web_client()
    web_login(client, "finance.a")
    for _ in range(4):
        assert "动态验证码不正确" in client.post("/staff/login/otp", {"code": "000000"}).text
    locked = client.post("/staff/login/otp", {"code": "000000"})
    assert locked.status_code == 200  # the fifth failure locks the account …
    again = client.post("/staff/login/otp", {"code": next_code(finance_a)})
    assert again.status_code == 429 and SIGN_IN_FAILED in again.text  # … even the right code now …
    assert client.get("/staff/login/otp")["Location"] == "/staff/login"  # … and the half sign-in is gone
    assert signed_in_user(client) is None
    assert web_login(web_client(), "finance.a").status_code == 429
    assert [e.detail["reason"] for e in audits("staff.login", result="failed")] == ["otp"] * 5
    assert len(audits("staff.lockout")) == 1


# --- codes: never twice --------------------------------------------------------------------------


def test_a_code_is_accepted_once_and_never_an_older_one(finance_a, monkeypatch):
    clock = MovableClock(monkeypatch)
    secret = enrol(finance_a)  # used the current step's code
    assert not mfa.mfa_verify(user=finance_a, code=code_for(secret))  # replay within its window
    newer = code_for(secret, steps_ahead=1)
    assert mfa.mfa_verify(user=finance_a, code=newer)
    assert not mfa.mfa_verify(user=finance_a, code=newer)
    clock.advance(seconds=30)
    assert not mfa.mfa_verify(user=finance_a, code=code_for(secret, steps_ahead=-1))  # older than the last one
    assert mfa.mfa_verify(user=finance_a, code=code_for(secret, steps_ahead=1))
    assert not mfa.mfa_verify(user=finance_a, code=code_for(secret, steps_ahead=5))  # far ahead: not now
    assert not mfa.mfa_verify(user=finance_a, code="12345x")


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_asks_for_otp_and_refuses_a_replayed_code(mfa_roles, finance_a, api):
    secret = enrol(finance_a)
    bad_password = api_token(api, "finance.a", "wrong-password-1").json()
    assert bad_password == {"error": {"code": "not_authenticated", "message": SIGN_IN_FAILED}}
    # A right password without the code, or with a wrong one: the very same answer (API.md).
    missing = api_token(api, "finance.a")
    assert missing.status_code == 401 and missing.json() == bad_password
    wrong = api_token(api, "finance.a", otp="000000")
    assert wrong.status_code == 401 and wrong.json() == bad_password
    code = code_for(secret, steps_ahead=1)
    ok = api_token(api, "finance.a", otp=code)
    assert ok.status_code == 200
    assert StaffToken.objects.get(user=finance_a).mfa is True
    assert api.get("/api/v1/review/applications", **bearer(ok.json()["token"])).status_code == 200
    replay = api_token(api, "finance.a", otp=code)
    assert replay.status_code == 401 and replay.json() == bad_password
    # A wrong password with a right code is still the one failure answer.
    assert api_token(api, "finance.a", "wrong-password-1", otp=code).json() == bad_password
    reasons = [e.detail["reason"] for e in audits("staff.login", result="failed")]
    assert reasons == ["wrong_password", "otp_missing", "otp", "otp", "wrong_password"]


def test_a_required_role_without_an_authenticator_gets_no_token(mfa_roles, finance_a, xihu_reviewer, api):
    response = api_token(api, "finance.a")
    assert response.status_code == 401 and response.json() == {"error": {"code": "not_authenticated", "message": SIGN_IN_FAILED}}
    assert audits("staff.login", result="failed")[0].detail["reason"] == "mfa_not_enrolled"
    assert not StaffToken.objects.exists()
    assert api_token(api, "xihu.reviewer").status_code == 200  # roles outside STAFF_MFA_ROLES: password only


def test_any_staff_user_may_enrol_and_then_needs_codes_too(xihu_reviewer, api, monkeypatch):
    clock = MovableClock(monkeypatch)
    client = web_client()
    client.force_login(xihu_reviewer)
    account = client.get("/staff/account/")
    assert account.status_code == 200 and "未启用" in account.text
    page = client.get("/staff/account/mfa")
    assert "<svg" in page.text
    secret = shown_secret(page.text)
    assert client.post("/staff/account/mfa", {"code": code_for(secret)})["Location"] == "/staff/account/"
    assert "已启用" in client.get("/staff/account/").text
    assert audits("staff.mfa_enrol", actor=xihu_reviewer)[0].result == "ok"
    clock.advance(seconds=30)
    assert api_token(api, "xihu.reviewer").json()["error"] == {"code": "not_authenticated", "message": SIGN_IN_FAILED}
    assert web_login(web_client(), "xihu.reviewer")["Location"] == "/staff/login/otp"
    assert api_token(api, "xihu.reviewer", otp=code_for(secret)).status_code == 200


def test_disabling_needs_a_code_is_audited_and_refused_for_required_roles(mfa_roles, xihu_reviewer, finance_a, monkeypatch):
    MovableClock(monkeypatch)
    enrol(xihu_reviewer)
    client = web_client()
    client.force_login(xihu_reviewer)
    empty = client.post("/staff/account/mfa/disable", {"code": " "}, follow=True)
    assert "请输入验证器上当前的 6 位动态验证码。" in empty.content.decode()  # not tried, not audited
    client.post("/staff/account/mfa/disable", {"code": "000000"})
    assert StaffTotp.objects.filter(user=xihu_reviewer).exists()
    client.post("/staff/account/mfa/disable", {"code": next_code(xihu_reviewer)})
    assert not StaffTotp.objects.filter(user=xihu_reviewer).exists()
    assert [e.result for e in audits("staff.mfa_disable")] == ["failed", "ok"]

    enrol(finance_a)
    with pytest.raises(mfa.MfaRefused):
        mfa.mfa_disable(user=finance_a, code=next_code(finance_a))
    assert StaffTotp.objects.get(user=finance_a).active


def test_replacing_an_authenticator_needs_the_password_and_a_wrong_one_counts_towards_the_lock(settings, xihu_reviewer, monkeypatch):
    """ASVS 7.5.1 (decision 288): a session alone (a hijacked one) cannot swap the second factor."""
    settings.STAFF_LOCKOUT_FAILURES = 3
    clock = MovableClock(monkeypatch)
    old_secret = enrol(xihu_reviewer)
    client = web_client()
    client.force_login(xihu_reviewer)
    page = client.get("/staff/account/mfa?new=1")
    assert "更换验证器须输入您的登录密码" in page.text and 'autocomplete="current-password"' in page.text
    new_secret = shown_secret(page.text)

    for password in ("", "wrong-password-1"):
        refused = client.post("/staff/account/mfa", {"code": code_for(new_secret), "password": password})
        assert refused.status_code == 200
        assert (mfa.REAUTH_MISSING if not password else mfa.REAUTH_WRONG) in refused.text
        assert shown_secret(refused.text) == new_secret  # the same new secret, to try again
        device = StaffTotp.objects.get(user=xihu_reviewer)
        assert device.secret == old_secret and device.pending_secret == new_secret  # nothing changed
    entries = audits("staff.mfa_enrol", actor=xihu_reviewer, result="failed")
    assert [e.detail for e in entries] == [{"channel": "account_mfa", "reason": "wrong_password"}]  # the empty one is not a try
    # As a set of lines: PostgreSQL's jsonb keeps a detail's keys shortest first, SQLite as written.
    said = readable_detail(entries[0].detail, action=entries[0].action)
    assert sorted(said.splitlines()) == sorted(["方式：账号安全（更换验证器）", "原因：密码不正确"])

    # Counted with the sign-in's failures: one wrong here and two at sign-in lock the account.
    web_login(web_client(), "xihu.reviewer", "wrong-password-2")
    web_login(web_client(), "xihu.reviewer", "wrong-password-3")
    assert audits("staff.lockout")
    locked = client.post("/staff/account/mfa", {"code": code_for(new_secret), "password": PASSWORD})
    assert "账号已暂时锁定" in locked.text and StaffTotp.objects.get(user=xihu_reviewer).secret == old_secret

    clock.advance(minutes=settings.STAFF_LOCKOUT_MINUTES + 1)
    page = client.get("/staff/account/mfa?new=1")
    new_secret = shown_secret(page.text)
    done = client.post("/staff/account/mfa", {"code": code_for(new_secret), "password": PASSWORD})
    assert done["Location"] == "/staff/account/"
    assert StaffTotp.objects.get(user=xihu_reviewer).secret == new_secret
    assert audits("staff.mfa_enrol", actor=xihu_reviewer, result="ok")[-1].detail == {"replaced": True}


def test_the_password_given_to_replace_is_not_rehashed_so_the_session_stays(settings, xihu_reviewer, monkeypatch):
    """``check_password`` on the user would store an upgraded hash, and the session kept with
    the old one would end at the next request."""
    MovableClock(monkeypatch)
    enrol(xihu_reviewer)
    client = web_client()
    client.force_login(xihu_reviewer)
    stored = type(xihu_reviewer).objects.get(pk=xihu_reviewer.pk).password
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    secret = shown_secret(client.get("/staff/account/mfa?new=1").text)
    assert client.post("/staff/account/mfa", {"code": code_for(secret), "password": PASSWORD})["Location"] == "/staff/account/"
    assert type(xihu_reviewer).objects.get(pk=xihu_reviewer.pk).password == stored
    assert client.get("/staff/account/").status_code == 200


def test_the_service_refuses_a_replacement_without_the_password(xihu_reviewer, monkeypatch):
    MovableClock(monkeypatch)
    old_secret = enrol(xihu_reviewer)
    pending = mfa.mfa_enrol_start(user=xihu_reviewer).pending_secret
    with pytest.raises(mfa.ReauthenticationFailed):
        mfa.mfa_enrol_confirm(user=xihu_reviewer, code=code_for(pending))
    assert StaffTotp.objects.get(user=xihu_reviewer).secret == old_secret
    assert mfa.mfa_enrol_confirm(user=xihu_reviewer, code=code_for(pending), password=PASSWORD)


# --- reset by an administrator, and roles that change -----------------------------------------------


def test_an_administrator_resets_a_users_authenticator(settings, administrator, second_administrator, finance_a, monkeypatch):
    """Under dual control (every role by default) it holds once a second administrator confirms it
    (tests/organisations/test_credential_resets.py); until then the authenticator works."""
    settings.STAFF_MFA_ROLES = ["finance_officer"]
    clock = MovableClock(monkeypatch)
    enrol(finance_a)
    clock.advance(seconds=30)
    token = api_token(web_client(), "finance.a", otp=next_code(finance_a)).json()["token"]
    clock.advance(seconds=30)
    finance_page = web_client()
    web_login(finance_page, "finance.a")
    finance_page.post("/staff/login/otp", {"code": next_code(finance_a)})
    assert finance_page.get("/staff/payments/").status_code == 200

    admin = web_client()
    admin.force_login(administrator)
    response = admin.post("/admin/organisations/staffuser/", {"action": "reset_mfa", "_selected_action": [finance_a.pk]})
    assert response.status_code == 302
    assert StaffTotp.objects.get(user=finance_a).active and finance_page.get("/staff/payments/").status_code == 200
    confirming = web_client()
    confirming.force_login(second_administrator)
    confirming.post("/admin/organisations/staffuser/", {"action": "confirm_resets", "_selected_action": [finance_a.pk]})
    assert not StaffTotp.objects.filter(user=finance_a).exists()
    entry = audits("staff.reset_confirm")[0]
    assert entry.actor == second_administrator and entry.object_id == str(finance_a.pk)
    assert entry.detail["reset_kind"] == "mfa" and entry.detail["asked_by"] == administrator.pk and entry.detail["had_device"]
    # The user's API token and signed-in page end at once; the next sign-in enrols again.
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 401
    ended = finance_page.get("/staff/payments/", follow=True)
    assert MFA_LOGOUT in ended.text and signed_in_user(finance_page) is None
    assert web_login(web_client(), "finance.a")["Location"] == "/staff/login/enrol"


def test_a_role_that_now_requires_a_second_factor_ends_sessions_and_tokens_without_one(settings, xihu_reviewer):
    client = web_client()
    web_login(client, "xihu.reviewer")
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    assert client.get("/staff/").status_code == 200
    settings.STAFF_MFA_ROLES = ["district_reviewer"]
    response = client.get("/staff/", follow=True)
    assert MFA_LOGOUT in response.text and signed_in_user(client) is None
    assert audits("staff.logout")[-1].detail == {"reason": "mfa"}
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 401


def test_a_code_posted_before_any_binding_started_is_an_error_message_not_a_crash(mfa_roles, finance_a, xihu_reviewer):
    client = web_client()
    web_login(client, "finance.a")
    response = client.post("/staff/login/enrol", {"code": "123456"})
    assert response.status_code == 200 and "请先用验证器扫描下方二维码" in response.text and "<svg" in response.text
    account = web_client()
    account.force_login(xihu_reviewer)
    response = account.post("/staff/account/mfa", {"code": "123456"})
    assert response.status_code == 200 and "请先用验证器扫描下方二维码" in response.text


def test_the_authenticator_names_the_site_as_its_pages_do(finance_a, rf):
    """The code page says to look for this name in the app: it must be the name on every page."""
    from urllib.parse import parse_qs, unquote, urlsplit

    from rewards.web.context_processors import site

    uri = urlsplit(mfa.provisioning_uri(finance_a, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"))
    site_name = site(rf.get("/"))["site_name"]
    assert parse_qs(uri.query)["issuer"] == [site_name] == ["杭州市职工高技能人才奖励平台"]
    assert unquote(uri.path) == f"/{site_name}:{finance_a.username}"
