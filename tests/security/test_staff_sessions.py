"""SECURITY.md 10 and 3: a new session key at sign-in; sign-out destroys the session; staff
sessions end after 30 idle minutes and 12 hours after sign-in (the review pages and the
administration alike), and staff API tokens after 30 idle minutes and 8 hours (never more than
the sessions' 12); a password change ends every other session and the API tokens but keeps
the current one, and is audited; a disabled account or a changed role counts from the next
request, on the pages and the API."""

from __future__ import annotations

import datetime as dt
import importlib
import secrets

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rewards.core.models import AuditEvent
from rewards.identity.models import StaffToken
from rewards.organisations.models import Role
from rewards.web.staff.sessions import ABSOLUTE_LOGOUT, IDLE_LOGOUT, SEEN_KEY, STARTED_KEY

from .staff_helpers import HOST, MovableClock, api_token, bearer, web_client, web_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "New-" + secrets.token_urlsafe(12)  # a throwaway password, generated per run


def audits(action: str, **filters) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def signed_in_client(username: str) -> Client:
    client = web_client()
    assert web_login(client, username).status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_gives_a_new_session_key_and_sign_out_destroys_the_session(xihu_reviewer):
    client = web_client()
    client.get("/staff/login")
    client.session.save()
    anonymous_key = client.cookies["sessionid"].value
    web_login(client, "xihu.reviewer")
    signed_key = client.cookies["sessionid"].value
    assert signed_key != anonymous_key  # no session fixation
    assert not SessionStore().exists(anonymous_key)
    assert client.get("/staff/").status_code == 200

    client.post("/staff/logout")
    assert not SessionStore().exists(signed_key)  # gone from the store, not only from the browser
    replay = Client(HTTP_HOST="127.0.0.1")
    replay.cookies["sessionid"] = signed_key  # a copied cookie is worth nothing afterwards
    assert replay.get("/staff/").status_code == 302


def test_thirty_idle_minutes_end_the_session(xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch)
    client = signed_in_client("xihu.reviewer")
    clock.advance(minutes=29)
    assert client.get("/staff/").status_code == 200  # activity moves the idle clock
    clock.advance(minutes=29)
    assert client.get("/staff/").status_code == 200
    key = client.cookies["sessionid"].value
    clock.advance(minutes=30, seconds=1)
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[0][0].startswith("/staff/login")
    assert IDLE_LOGOUT in response.text and not is_signed_in(client)
    assert not SessionStore().exists(key)
    assert audits("staff.logout", actor=xihu_reviewer)[-1].detail == {"reason": "idle"}


def test_a_decision_sent_after_the_session_ended_says_it_was_not_saved_and_comes_back(
    xihu_reviewer, monkeypatch, campaign, member, business_day
):
    from tests import factories

    application = factories.make_application(campaign=campaign, member=member, status="pending_district")
    clock = MovableClock(monkeypatch)
    client = signed_in_client("xihu.reviewer")
    detail = f"/staff/applications/{application.application_no}"
    assert client.get(detail).status_code == 200
    clock.advance(minutes=30, seconds=1)  # the reviewer typed a long opinion meanwhile
    response = client.post(
        f"{detail}/decision",
        {"decision": "return", "opinion": "请补充证书复印件"},
        HTTP_REFERER=f"http://{HOST}{detail}",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/login?next={detail.replace('/', '%2F')}"
    page = client.get(response["Location"]).text
    assert "刚才提交的内容没有保存" in page and IDLE_LOGOUT in page
    application.refresh_from_db()
    assert application.status == "pending_district"
    # A referrer from another site is not followed.
    elsewhere = client.post(f"{detail}/decision", {"decision": "approve"}, HTTP_REFERER="https://evil.example/staff/x")
    assert elsewhere["Location"] == "/staff/login"


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch)
    client = signed_in_client("xihu.reviewer")
    for _ in range(12 * 3):  # a request every 20 minutes, all day
        clock.advance(minutes=20)
        if not is_signed_in(client):
            break
        client.get("/staff/")
    response = client.get("/staff/", follow=True)
    assert ABSOLUTE_LOGOUT in response.text and not is_signed_in(client)
    assert audits("staff.logout", actor=xihu_reviewer)[-1].detail == {"reason": "absolute"}


def test_the_limits_come_from_the_settings_and_hold_in_the_administration(settings, administrator, monkeypatch):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    settings.STAFF_SESSION_MAX_HOURS = 1
    clock = MovableClock(monkeypatch)
    client = signed_in_client("admin")
    assert client.get("/admin/").status_code == 200
    assert isinstance(client.session[STARTED_KEY], float) and isinstance(client.session[SEEN_KEY], float)
    clock.advance(minutes=5, seconds=1)
    response = client.get("/admin/")
    assert response.status_code == 302 and not is_signed_in(client)
    # The administration's sign-in is the staff one (lockout, second factor, audit).
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/staff/login?next=%2Fadmin%2F"


def test_a_password_change_keeps_this_session_ends_the_others_and_the_tokens(xihu_reviewer):
    here = signed_in_client("xihu.reviewer")
    elsewhere = signed_in_client("xihu.reviewer")
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    before = here.cookies["sessionid"].value

    page = here.get("/staff/account/password")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    refused = here.post(
        "/staff/account/password", {"old_password": "not-it-at-all", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert refused.status_code == 200 and audits("staff.password_change")[-1].result == "failed"
    weak = here.post(
        "/staff/account/password", {"old_password": "correct-horse-battery-2020", "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200 and "密码只包含数字" in weak.text  # Django's validators, in Chinese
    done = here.post(
        "/staff/account/password",
        {"old_password": "correct-horse-battery-2020", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    entry = audits("staff.password_change", result="ok")[0]
    assert entry.actor == xihu_reviewer and entry.detail == {"tokens_revoked": 1}

    assert here.get("/staff/").status_code == 200 and here.cookies["sessionid"].value != before
    assert elsewhere.get("/staff/").status_code == 302 and not is_signed_in(elsewhere)
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 401
    assert not StaffToken.objects.exists()
    assert web_login(web_client(), "xihu.reviewer", NEW_PASSWORD).status_code == 302


def test_disabling_an_account_counts_from_the_next_request(xihu_reviewer):
    client = signed_in_client("xihu.reviewer")
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    assert client.get("/staff/").status_code == 200
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 200
    xihu_reviewer.is_active = False
    xihu_reviewer.save()
    assert client.get("/staff/").status_code == 302
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 401


def test_a_changed_role_counts_from_the_next_request(xihu_reviewer, city):
    client = signed_in_client("xihu.reviewer")
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    assert client.get("/staff/batch/").status_code == 200  # district reviewers enter batches
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 200
    xihu_reviewer.role = Role.ADMIN  # administrators neither review nor read the queue
    xihu_reviewer.organisation = city
    xihu_reviewer.save()
    assert client.get("/staff/batch/").status_code == 403
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 403
    xihu_reviewer.role = ""
    xihu_reviewer.save()
    assert client.get("/staff/").status_code == 302
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 401


def test_a_role_given_in_the_administration_counts_from_the_request_after_its_confirmation(
    xihu_reviewer, city, administrator, second_administrator
):
    """The role waits for a second administrator (SECURITY.md 5); once confirmed it counts from
    the next request, as a role set directly does."""
    client = signed_in_client("xihu.reviewer")
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    first, second = web_client(), web_client()
    first.force_login(administrator)
    second.force_login(second_administrator)
    first.post(
        f"/admin/organisations/staffuser/{xihu_reviewer.pk}/change/",
        {"username": "xihu.reviewer", "organisation": city.pk, "role": Role.ADMIN, "is_active": "on"},
    )
    assert client.get("/staff/batch/").status_code == 200  # asked, not confirmed: still a district reviewer
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 200
    second.post("/admin/organisations/staffuser/", {"action": "confirm_grants", "_selected_action": [xihu_reviewer.pk]})
    assert client.get("/staff/batch/").status_code == 403
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 403


# --- API tokens: the same idle limit, an absolute limit within the sessions' -----------------

QUEUE = "/api/v1/review/applications"


def token_for(username: str) -> str:
    return api_token(web_client(), username).json()["token"]


def queue_status(token: str) -> int:
    return web_client().get(QUEUE, **bearer(token)).status_code


def test_an_api_token_ends_after_thirty_idle_minutes_and_is_answered_as_any_invalid_token(xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch, frozen=True)
    token = token_for("xihu.reviewer")
    clock.advance(minutes=29, seconds=59)
    assert queue_status(token) == 200  # 29:59 unused: still valid, and the use moves the idle clock
    clock.advance(minutes=29, seconds=59)
    assert queue_status(token) == 200
    clock.advance(minutes=30, seconds=1)

    expired = web_client().get(QUEUE, **bearer(token))
    unknown = web_client().get(QUEUE, **bearer("not-a-token"))
    assert expired.status_code == unknown.status_code == 401
    assert expired.json() == unknown.json() == {"error": {"code": "not_authenticated", "message": "请先登录。"}}
    assert expired["WWW-Authenticate"] == unknown["WWW-Authenticate"] == "Bearer"
    # A refused use does not move the idle clock: the token stays ended.
    clock.advance(seconds=2)
    assert queue_status(token) == 401
    # Signing out an idle token is refused as for an expired one, and touches nothing.
    signed_out = web_client().delete("/api/v1/auth/token", **bearer(token))
    assert signed_out.status_code == 401 and signed_out.json()["error"]["message"] == "令牌无效或已过期。"
    assert StaffToken.objects.count() == 1 and not audits("staff.logout")


def test_the_last_use_of_a_token_is_written_at_most_once_a_minute(xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch, frozen=True)
    token = token_for("xihu.reviewer")
    issued = StaffToken.objects.get().last_used_at
    table = StaffToken._meta.db_table

    def token_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert queue_status(token) == 200
        return sum(1 for query in queries if query["sql"].startswith("UPDATE") and table in query["sql"])

    clock.advance(seconds=59)
    assert token_writes() == 0  # a read stays a read
    assert StaffToken.objects.get().last_used_at == issued
    clock.advance(seconds=2)
    assert token_writes() == 1
    moved = StaffToken.objects.get().last_used_at
    assert moved - issued == dt.timedelta(seconds=61)
    clock.advance(seconds=30)
    assert token_writes() == 0
    assert StaffToken.objects.get().last_used_at == moved


def test_an_api_token_ends_eight_hours_after_sign_in_however_busy(xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch, frozen=True)
    response = api_token(web_client(), "xihu.reviewer")
    token = response.json()["token"]
    stored = StaffToken.objects.get()
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=8)
    assert dt.datetime.fromisoformat(response.json()["expires_at"]) == stored.expires_at
    for _ in range(23):  # a request every 20 minutes: 7 h 40 min
        clock.advance(minutes=20)
        assert queue_status(token) == 200
    clock.advance(minutes=19, seconds=59)
    assert queue_status(token) == 200  # 7:59:59 after sign-in
    clock.advance(seconds=1)
    assert queue_status(token) == 401  # 8:00:00: the time given as expires_at


def test_the_token_limits_follow_the_session_settings(settings, xihu_reviewer, monkeypatch):
    clock = MovableClock(monkeypatch, frozen=True)
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    token = token_for("xihu.reviewer")
    clock.advance(minutes=5)
    assert queue_status(token) == 200  # exactly the limit passes, as for a page session
    clock.advance(minutes=5, seconds=1)
    assert queue_status(token) == 401

    # A token never outlives a page session: STAFF_TOKEN_MAX_HOURS is cut to STAFF_SESSION_MAX_HOURS.
    settings.STAFF_TOKEN_MAX_HOURS = 24
    token = token_for("xihu.reviewer")
    stored = StaffToken.objects.latest("pk")
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=12)
    # A limit lowered later counts at once for the tokens already issued.
    clock.advance(minutes=4)
    assert queue_status(token) == 200
    settings.STAFF_SESSION_MAX_HOURS = 0
    assert queue_status(token) == 401


def test_tokens_issued_before_the_idle_limit_count_it_from_their_issue_time(xihu_reviewer):
    """Migration identity 0003 gives the tokens already issued their issue time as last use."""
    old, recent = token_for("xihu.reviewer"), token_for("xihu.reviewer")
    StaffToken.objects.update(last_used_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    issued = StaffToken.objects.order_by("pk").first()
    StaffToken.objects.filter(pk=issued.pk).update(created_at=issued.created_at - dt.timedelta(minutes=31))  # type: ignore[union-attr]

    importlib.import_module("rewards.identity.migrations.0003_stafftoken_last_used_at").from_issue_time(apps, None)

    assert queue_status(old) == 401  # issued 31 minutes ago and never used since
    assert queue_status(recent) == 200
