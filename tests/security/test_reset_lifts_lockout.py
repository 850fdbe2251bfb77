"""SECURITY.md 7 with 5 and 10: a reset exists to give its holder access again, so when a password
or second-factor reset takes effect (confirmed by a second administrator, or at once outside dual
control) it lifts the account's sign-in lockout, recorded in the reset's own audit entry
(``lock_lifted``); the holder then signs in with the two parts, or binds a new authenticator. A
reset that waits, or is refused, lifts nothing."""

from __future__ import annotations

import pytest

from rewards.core.models import AuditEvent
from rewards.identity.lockout import locked_for, sign_in_failed
from tests.conftest import PASSWORD
from tests.organisations.test_credential_resets import FIRST, run_action, second_parts, set_password_as

from .staff_helpers import MovableClock, enrol, web_client, web_login

pytestmark = pytest.mark.django_db


def lock_out(username: str) -> None:
    """Five wrong passwords: the username is locked, and even the right password is refused."""
    client = web_client()
    for _ in range(5):
        assert web_login(client, username, "not-the-password").status_code == 200
    assert locked_for(username) is not None
    page = web_login(web_client(), username, PASSWORD)
    assert page.status_code == 429 and sign_in_failed() in page.content.decode()


def test_a_confirmed_password_reset_lifts_the_lock_and_the_two_parts_sign_in(
    monkeypatch, administrator, second_administrator, xihu_reviewer
):
    MovableClock(monkeypatch)
    lock_out("xihu.reviewer")
    set_password_as(administrator, xihu_reviewer)
    assert locked_for("xihu.reviewer") is not None  # asking lifts nothing
    (second,) = second_parts(run_action(second_administrator, "confirm_resets", xihu_reviewer).content.decode())
    assert locked_for("xihu.reviewer") is None
    confirmed = AuditEvent.objects.get(action="staff.reset_confirm", result="ok")
    assert confirmed.detail["lock_lifted"] is True and confirmed.actor_id == second_administrator.pk
    assert web_login(web_client(), "xihu.reviewer", FIRST + second)["Location"] == "/staff/account/password"
    # The failures before it are forgotten too: four new ones do not lock again.
    client = web_client()
    for _ in range(4):
        web_login(client, "xihu.reviewer", "not-the-password")
    assert locked_for("xihu.reviewer") is None


def test_a_confirmed_second_factor_reset_lifts_the_lock_so_the_holder_can_bind_a_new_one(
    settings, monkeypatch, administrator, second_administrator, finance_a
):
    settings.STAFF_MFA_ROLES = ["finance_officer"]
    MovableClock(monkeypatch)
    enrol(finance_a)
    lock_out("finance.a")  # the phone is lost; tries without a code locked the account
    run_action(administrator, "reset_mfa", finance_a)
    assert locked_for("finance.a") is not None
    run_action(second_administrator, "confirm_resets", finance_a)
    assert locked_for("finance.a") is None
    assert AuditEvent.objects.get(action="staff.reset_confirm", result="ok").detail["lock_lifted"] is True
    assert web_login(web_client(), "finance.a")["Location"] == "/staff/login/enrol"


def test_a_refused_or_a_waiting_reset_leaves_the_lock(monkeypatch, administrator, second_administrator, xihu_reviewer):
    MovableClock(monkeypatch)
    lock_out("xihu.reviewer")
    set_password_as(administrator, xihu_reviewer)
    run_action(administrator, "reset_mfa", xihu_reviewer)
    run_action(administrator, "confirm_resets", xihu_reviewer)  # the asker may not: refused, nothing lifted
    assert locked_for("xihu.reviewer") is not None
    run_action(second_administrator, "refuse_resets", xihu_reviewer)
    assert locked_for("xihu.reviewer") is not None
    assert not AuditEvent.objects.filter(action__in=("staff.unlock", "staff.reset_confirm"), result="ok").exists()


def test_a_reset_without_a_lock_says_so(administrator, second_administrator, xihu_reviewer):
    set_password_as(administrator, xihu_reviewer)
    run_action(second_administrator, "confirm_resets", xihu_reviewer)
    assert AuditEvent.objects.get(action="staff.reset_confirm", result="ok").detail["lock_lifted"] is False


def test_outside_dual_control_a_reset_lifts_the_lock_at_once(settings, monkeypatch, administrator, xihu_reviewer):
    settings.STAFF_DUAL_CONTROL_ROLES = ["finance_officer", "admin"]
    MovableClock(monkeypatch)
    lock_out("xihu.reviewer")
    run_action(administrator, "reset_mfa", xihu_reviewer)
    assert locked_for("xihu.reviewer") is None
    assert AuditEvent.objects.get(action="staff.mfa_reset").detail == {"had_device": False, "lock_lifted": True}
    lock_out("xihu.reviewer")
    set_password_as(administrator, xihu_reviewer)
    assert locked_for("xihu.reviewer") is None
    assert AuditEvent.objects.get(action="staff.password_reset").detail["lock_lifted"] is True
    assert web_login(web_client(), "xihu.reviewer", FIRST)["Location"] == "/staff/account/password"
