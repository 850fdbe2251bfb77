"""SECURITY.md 5 end to end: one administrator cannot make themself a payer or a reviewer through
accounts they create in the administration. Two finance officers made by one administrator (who
knows their passwords) sign in nowhere (pages, the enrolment of the second factor, the API) until
another administrator confirms them, and the one who made them cannot confirm them, nor make a
second administrator to confirm them with. Once confirmed, the password the creator set is only
the first part of the account's password: the second is shown to the confirming administrator. Production's second-factor roles are on."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.organisations.models import GrantStatus, Role, RoleGrant, StaffUser

from .staff_helpers import admin_session, api_token, refused_everywhere, web_client, web_login

pytestmark = pytest.mark.django_db

LIST = "/admin/organisations/staffuser/"
#: The passwords the administrator gives the accounts: they can sign in with them.
KNOWN = "Known-to-the-admin-2020"


@pytest.fixture
def mfa_roles(settings):  # type: ignore[no-untyped-def]
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]


def create(client: Client, username: str, role: str, organisation: int) -> StaffUser:
    response = client.post(
        "/admin/organisations/staffuser/add/",
        {"username": username, "full_name": "", "role": role, "organisation": organisation, "password1": KNOWN, "password2": KNOWN},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return StaffUser.objects.get(username=username)


def confirm(client: Client, *accounts: StaffUser) -> str:
    response = client.post(LIST, {"action": "confirm_grants", "_selected_action": [a.pk for a in accounts]}, follow=True)
    return response.content.decode()


def test_one_administrator_cannot_make_two_finance_officers_and_pay_alone(mfa_roles, administrator, second_administrator, city):
    attacker = admin_session(administrator)
    payer = create(attacker, "finance.x", Role.FINANCE_OFFICER, city.pk)
    approver = create(attacker, "finance.y", Role.FINANCE_OFFICER, city.pk)
    for account in (payer, approver):
        refused_everywhere(account.username, KNOWN)

    # Confirming their own grants is refused, and recorded.
    page = confirm(attacker, payer, approver)
    assert page.count("不能确认自己提出的授权") == 2
    assert RoleGrant.objects.filter(status=GrantStatus.PENDING).count() == 2
    assert AuditEvent.objects.filter(action="staff.grant_confirm", result="denied", actor=administrator).count() == 2
    # A second administrator of their own making waits too, so it cannot confirm them either.
    accomplice = create(attacker, "admin.c", Role.ADMIN, city.pk)
    refused_everywhere("admin.c", KNOWN)
    assert (accomplice.is_staff, accomplice.is_superuser) == (False, False)

    # Another person confirms: the account is a finance officer's now, but the password its creator
    # set is only the first part of its password; the second went to the confirming
    # administrator's screen alone. So the creator still signs in nowhere.
    page = confirm(admin_session(second_administrator), payer)
    (second_part,) = re.findall(r"data-second-part>([a-z0-9]+)<", page)
    refused_everywhere("finance.x", KNOWN)
    # Its holder, told both parts, signs in to bind the second factor (then sets a password of their own).
    assert web_login(web_client(), "finance.x", KNOWN + second_part)["Location"] == "/staff/login/enrol"
    assert api_token(web_client(), "finance.x", KNOWN + second_part).status_code == 401  # the one answer; the log says why
    reasons = [entry.detail["reason"] for entry in AuditEvent.objects.filter(action="staff.login", actor=payer).order_by("id")]
    assert reasons == ["inactive", "inactive", "wrong_password", "wrong_password", "temporary_password"]
    refused_everywhere("finance.y", KNOWN)  # the other one still waits: no second payer


@pytest.mark.parametrize("role", [Role.CITY_REVIEWER, Role.AUDITOR, Role.ECONOMIC_OFFICER])
def test_nor_give_themself_a_city_role_through_a_second_account(administrator, city, role):
    client = web_client()
    client.force_login(administrator)
    create(client, "second.me", role, city.pk)
    refused_everywhere("second.me", KNOWN)
    assert "不能确认自己提出的授权" in confirm(client, StaffUser.objects.get(username="second.me"))
    refused_everywhere("second.me", KNOWN)
