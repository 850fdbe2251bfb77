"""SECURITY.md 5 end to end: one administrator cannot take over two existing finance officers'
accounts to build and approve a payment batch alone. Setting a new password on each (重置密码)
and resetting their authenticators (重置两步验证) changes nothing until another administrator
confirms; the holders keep working meanwhile; and even once a second administrator has confirmed
everything, the one who asked knows only the first part of each new password, and the second
part went to the confirming administrator's screen alone. Production's second-factor roles are on."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.identity.models import StaffTotp
from rewards.organisations.models import CredentialReset, GrantStatus, StaffUser
from tests.conftest import PASSWORD

from .staff_helpers import MovableClock, admin_session, code_for, enrol, next_code, refused_everywhere, web_client, web_login

pytestmark = pytest.mark.django_db

LIST = "/admin/organisations/staffuser/"
#: What the attacking administrator types on each account's password page.
KNOWN = "Known-to-the-admin-2021"


@pytest.fixture
def mfa_roles(settings):  # type: ignore[no-untyped-def]
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]


def holder_session(user: StaffUser, password: str = PASSWORD) -> Client:
    client = web_client()
    assert web_login(client, user.username, password)["Location"] == "/staff/login/otp"
    assert client.post("/staff/login/otp", {"code": next_code(user)}).status_code == 302
    return client


def act(client: Client, action: str, *accounts: StaffUser) -> str:
    response = client.post(LIST, {"action": action, "_selected_action": [a.pk for a in accounts]}, follow=True)
    return response.content.decode()


def test_one_administrator_cannot_take_over_two_finance_officers(
    mfa_roles, monkeypatch, administrator, second_administrator, finance_a, finance_b
):
    clock = MovableClock(monkeypatch)
    for officer in (finance_a, finance_b):
        enrol(officer)
    clock.advance(seconds=30)
    attacker = admin_session(administrator)
    holders = {officer.username: holder_session(officer) for officer in (finance_a, finance_b)}

    # The attacker sets a password they know on both accounts and resets both authenticators.
    for officer in (finance_a, finance_b):
        response = attacker.post(f"{LIST}{officer.pk}/password/", {"password1": KNOWN, "password2": KNOWN}, follow=True)
        assert "确认重置" in response.content.decode()
    act(attacker, "reset_mfa", finance_a, finance_b)
    assert CredentialReset.objects.filter(status=GrantStatus.PENDING).count() == 4

    # Nothing changed: the password they set opens nothing, the holders go on working with their
    # own password and authenticator.
    for officer in (finance_a, finance_b):
        refused_everywhere(officer.username, KNOWN)
        assert StaffTotp.objects.get(user=officer).active
        assert holders[officer.username].get("/staff/payments/").status_code == 200
    clock.advance(seconds=30)
    assert holder_session(finance_b).get("/staff/payments/").status_code == 200

    # Confirming their own resets is refused, and recorded.
    page = act(attacker, "confirm_resets", finance_a, finance_b)
    assert page.count("不能确认自己提出的重置") == 4 and "data-second-part" not in page
    assert AuditEvent.objects.filter(action="staff.reset_confirm", result="denied", actor=administrator).count() == 4
    assert CredentialReset.objects.filter(status=GrantStatus.PENDING).count() == 4

    # A second administrator confirms everything. The second parts go to their screen only.
    confirming = admin_session(second_administrator)
    page = act(confirming, "confirm_resets", finance_a, finance_b)
    second_parts = dict(re.findall(r"<td>(finance\.[ab])</td>.*?data-second-part>([a-z0-9]+)<", page, re.S))
    assert set(second_parts) == {"finance.a", "finance.b"}
    for officer in (finance_a, finance_b):
        assert not StaffTotp.objects.filter(user=officer).exists()
        # Their sessions ended; the attacker's password alone still opens nothing.
        assert holders[officer.username].get("/staff/payments/").status_code == 302
        refused_everywhere(officer.username, KNOWN)
        refused_everywhere(officer.username, PASSWORD)
    for entry in AuditEvent.objects.all():  # the parts are nowhere but on that page
        assert not any(part in str(entry.detail) for part in second_parts.values()) and KNOWN not in str(entry.detail)

    # Only with both parts (the two administrators each telling the holder theirs) does the
    # account open, to bind a new authenticator and then set a password of the holder's own.
    holder = web_client()
    assert web_login(holder, "finance.a", KNOWN + second_parts["finance.a"])["Location"] == "/staff/login/enrol"
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", holder.get("/staff/login/enrol").content.decode())[1].replace(" ", "")  # type: ignore[index]
    assert holder.post("/staff/login/enrol", {"code": code_for(secret)})["Location"] == "/staff/account/password"
    assert holder.get("/staff/payments/")["Location"] == "/staff/account/password"
    own = "Finance-own-Pass-2021"
    holder.post("/staff/account/password", {"old_password": KNOWN + second_parts["finance.a"], "new_password1": own, "new_password2": own})
    assert holder.get("/staff/payments/").status_code == 200
    refused_everywhere("finance.a", KNOWN + second_parts["finance.a"])
