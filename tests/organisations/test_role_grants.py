"""角色授权的双人确认 (SECURITY.md 5, decision on dual control): a role given in the administration
(a new account, a new role or organisation, a disabled account enabled again) holds only once
another administrator confirms it; until then the account keeps what it had and signs in (pages
and API) as before. The one who asked cannot confirm, nor can the account's owner; anyone of the
administrators may refuse; every step is audited. ``create_staff`` is not held back."""

from __future__ import annotations

import re

import pytest
from django.core.checks import run_checks
from django.test import Client

from rewards.core.errors import Conflict, Forbidden
from rewards.core.models import AuditEvent
from rewards.identity.lockout import unlock
from rewards.organisations.grants import role_grant_confirm, role_grant_refuse
from rewards.organisations.models import GrantKind, GrantStatus, Organisation, OrgKind, Role, RoleGrant, StaffUser
from rewards.organisations.services import staff_create
from rewards.reports.audit_detail import readable_detail
from rewards.reports.auditlog import ACTION_LABELS
from tests.conftest import PASSWORD
from tests.security.staff_helpers import api_token, web_client, web_login

from .test_admin_accounts import ADD, LIST, change_form, confirm_as, new_account, signed_in_admin

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-Passphrase-2020"


def change_url(user: StaffUser) -> str:
    return f"/admin/organisations/staffuser/{user.pk}/change/"


def run_action(administrator: StaffUser, action: str, *accounts: StaffUser):  # type: ignore[no-untyped-def]
    return signed_in_admin(administrator).post(
        LIST, {"action": action, "_selected_action": [account.pk for account in accounts]}, follow=True
    )


def pending(account: StaffUser) -> RoleGrant | None:
    return RoleGrant.objects.filter(account=account, status=GrantStatus.PENDING).first()


def signs_in(username: str, password: str = PASSWORD) -> tuple[bool, bool]:
    """(the pages, the API) let ``username`` in."""
    page = web_login(web_client(), username, password)
    return page.status_code == 302, api_token(web_client(), username, password).status_code == 200


def create_in_admin(client: Client, **fields) -> StaffUser:  # type: ignore[no-untyped-def]
    response = client.post(ADD, new_account(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return StaffUser.objects.get(username=fields.get("username", "new.clerk"))


ORG_OF_ROLE = {OrgKind.CITY: "city", OrgKind.DISTRICT: "xihu", OrgKind.GRASSROOTS: "xihu_grassroots"}


@pytest.mark.parametrize("role", list(Role))
def test_by_default_every_role_given_to_a_new_account_waits_for_a_second_administrator(
    request, role, administrator, second_administrator, xihu_grassroots
):
    from rewards.organisations.models import ROLE_ORG_KIND

    organisation: Organisation = request.getfixturevalue(ORG_OF_ROLE[ROLE_ORG_KIND[role]])
    user = create_in_admin(signed_in_admin(administrator), username="new.person", role=role, organisation=organisation.pk)
    assert (user.role, user.organisation, user.is_active, user.is_staff) == ("", None, False, False)
    grant = pending(user)
    assert grant is not None
    assert (grant.kind, grant.role, grant.organisation, grant.activate, grant.granted_by) == (
        GrantKind.CREATE,
        role,
        organisation,
        True,
        administrator,
    )
    assert signs_in("new.person", NEW_PASSWORD) == (False, False)
    confirm_as(second_administrator, user)
    user.refresh_from_db()
    assert (user.role, user.organisation, user.is_active, user.is_staff) == (role, organisation, True, role == Role.ADMIN)


def test_the_list_shows_what_waits_in_chinese_and_the_form_holds_it(administrator, city):
    client = signed_in_admin(administrator)
    response = client.post(ADD, new_account(username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk), follow=True)
    page = response.content.decode()
    assert "新建账号：市总财务人员，杭州市总工会（admin 提出）" in page  # the message after saving
    assert "须由另一位系统管理员" in page and "该账号确认前不能登录" in page and "您设定的密码是新密码的第一段" in page
    listing = client.get(LIST).content.decode()
    assert "有 1 项角色授权待确认" in listing
    # The role and organisation that wait under the ones held (none yet), the kind and who asked.
    assert "—<br><strong>待确认：市总财务人员</strong>" in listing and "—<br><strong>待确认：杭州市总工会</strong>" in listing
    assert "<strong>新建账号</strong><br>admin 提出" in listing
    assert "确认授权（须由提出人以外的管理员；新账号密码的第二段只显示给您）" in listing and "拒绝授权（账号保持原状）" in listing
    assert "finance.x" in client.get(LIST + "?grant=pending").content.decode()
    assert "finance.x" not in client.get(LIST + "?grant=pending&q=admin").content.decode()
    # While it waits, its role, organisation and state cannot be edited: confirm or refuse first.
    user = StaffUser.objects.get(username="finance.x")
    form = client.get(change_url(user)).content.decode()
    assert 'name="role"' not in form and 'name="organisation"' not in form and 'name="is_active"' not in form
    assert "<strong>待另一位管理员确认</strong>：新建账号：市总财务人员，杭州市总工会（admin 提出）" in form
    response = client.post(change_url(user), change_form(user, role=Role.AUDITOR, organisation=city.pk, is_active="on"))
    assert response.status_code == 302
    assert RoleGrant.objects.filter(account=user).count() == 1 and pending(user).role == Role.FINANCE_OFFICER  # type: ignore[union-attr]
    user.refresh_from_db()
    assert (user.role, user.is_active) == ("", False)


def test_the_one_who_asked_cannot_confirm_and_the_attempt_is_audited(administrator, second_administrator, city):
    user = create_in_admin(signed_in_admin(administrator), username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)
    page = run_action(administrator, "confirm_grants", user).content.decode()
    assert "不能确认自己提出的授权：须由另一位系统管理员确认。" in page
    assert pending(user) is not None
    user.refresh_from_db()
    assert (user.role, user.is_active) == ("", False)
    denied = AuditEvent.objects.get(action="staff.grant_confirm", result="denied")
    assert (denied.actor_id, denied.object_id) == (administrator.pk, str(user.pk))
    # Nor through the service.
    with pytest.raises(Forbidden):
        role_grant_confirm(grant=pending(user), acting_user=administrator)  # type: ignore[arg-type]
    # Another administrator can.
    page = run_action(second_administrator, "confirm_grants", user).content.decode()
    assert "已确认 1 个账号的授权：finance.x。" in page
    (second_part,) = re.findall(r"data-second-part>([a-z0-9]+)<", page)
    grant = RoleGrant.objects.get(account=user)
    assert (grant.status, grant.decided_by, grant.decided_at is not None) == (GrantStatus.CONFIRMED, second_administrator, True)
    confirmed = AuditEvent.objects.get(action="staff.grant_confirm", result="ok")
    assert confirmed.actor_id == second_administrator.pk
    assert confirmed.detail == {
        "grant": grant.pk,
        "grant_kind": "create",
        "granted_by": administrator.pk,
        "changes": {"role": ["", Role.FINANCE_OFFICER], "organisation_id": [None, city.pk], "is_active": [False, True]},
        "temporary_until": confirmed.detail["temporary_until"],
    }
    # The password the creator set is the first part only: the confirming administrator got the
    # second (tests/organisations/test_credential_resets.py has the rest of that story).
    assert signs_in("finance.x", NEW_PASSWORD) == (False, False)
    unlock("finance.x")
    assert web_login(web_client(), "finance.x", NEW_PASSWORD + second_part)["Location"] == "/staff/account/password"
    # A decided grant is decided: confirming or refusing it again changes nothing.
    with pytest.raises(Conflict):
        role_grant_refuse(grant=grant, acting_user=second_administrator)


def test_the_accounts_owner_cannot_confirm_a_grant_to_themself(administrator, second_administrator, city):
    third = staff_create(username="admin.c", role=Role.ADMIN, organisation=city, password=PASSWORD)
    signed_in_admin(administrator).post(change_url(second_administrator), change_form(second_administrator, role=Role.AUDITOR))
    assert StaffUser.objects.get(pk=second_administrator.pk).role == Role.ADMIN
    page = run_action(second_administrator, "confirm_grants", second_administrator).content.decode()
    assert "不能确认给自己账号的授权" in page
    run_action(third, "confirm_grants", second_administrator)
    second_administrator.refresh_from_db()
    assert (second_administrator.role, second_administrator.is_staff) == (Role.AUDITOR, False)


def test_a_role_change_keeps_the_old_role_until_confirmed(administrator, second_administrator, xihu_reviewer, shangcheng, xihu):
    signed_in_admin(administrator).post(change_url(xihu_reviewer), change_form(xihu_reviewer, organisation=shangcheng.pk))
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.organisation == xihu  # still 西湖区's reviewer, and signs in as one
    assert signs_in("xihu.reviewer") == (True, True)
    grant = pending(xihu_reviewer)
    assert grant is not None and (grant.kind, grant.organisation, grant.activate) == (GrantKind.CHANGE, shangcheng, False)
    asked = AuditEvent.objects.get(action="staff.grant_request")
    assert asked.detail == {"grant": grant.pk, "grant_kind": "change", "changes": {"organisation_id": [xihu.pk, shangcheng.pk]}}
    confirm_as(second_administrator, xihu_reviewer)
    xihu_reviewer.refresh_from_db()
    assert (xihu_reviewer.role, xihu_reviewer.organisation, xihu_reviewer.is_active) == (Role.DISTRICT_REVIEWER, shangcheng, True)


def test_re_enabling_waits_and_disabling_does_not(administrator, second_administrator, xihu_reviewer):
    client = signed_in_admin(administrator)
    client.post(change_url(xihu_reviewer), change_form(xihu_reviewer, is_active=""))
    xihu_reviewer.refresh_from_db()
    assert not xihu_reviewer.is_active and pending(xihu_reviewer) is None  # taking away holds at once
    assert signs_in("xihu.reviewer") == (False, False)
    client.post(change_url(xihu_reviewer), change_form(xihu_reviewer, is_active="on"))
    xihu_reviewer.refresh_from_db()
    assert not xihu_reviewer.is_active
    assert signs_in("xihu.reviewer") == (False, False)
    grant = pending(xihu_reviewer)
    assert grant is not None and (grant.kind, grant.activate) == (GrantKind.REACTIVATE, True)
    assert AuditEvent.objects.get(action="staff.grant_request").detail["changes"] == {"is_active": [False, True]}
    confirm_as(second_administrator, xihu_reviewer)
    assert signs_in("xihu.reviewer") == (True, True)


def test_a_refused_grant_leaves_the_account_as_it_was_and_is_audited(administrator, second_administrator, xihu_reviewer, city, xihu):
    signed_in_admin(administrator).post(
        change_url(xihu_reviewer), change_form(xihu_reviewer, role=Role.CITY_REVIEWER, organisation=city.pk)
    )
    page = run_action(second_administrator, "refuse_grants", xihu_reviewer).content.decode()
    assert "已拒绝 1 个账号的授权：xihu.reviewer。" in page
    xihu_reviewer.refresh_from_db()
    assert (xihu_reviewer.role, xihu_reviewer.organisation) == (Role.DISTRICT_REVIEWER, xihu)
    grant = RoleGrant.objects.get(account=xihu_reviewer)
    assert (grant.status, grant.decided_by) == (GrantStatus.REFUSED, second_administrator)
    refused = AuditEvent.objects.get(action="staff.grant_refuse")
    assert refused.actor_id == second_administrator.pk and refused.detail["granted_by"] == administrator.pk
    assert refused.detail["changes"] == {"role": [Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER], "organisation_id": [xihu.pk, city.pk]}
    # A refused grant cannot be confirmed afterwards; the account can be edited again.
    page = run_action(administrator, "confirm_grants", xihu_reviewer).content.decode()
    assert "没有待确认的授权" in page
    assert 'name="role"' in signed_in_admin(administrator).get(change_url(xihu_reviewer)).content.decode()


def test_the_one_who_asked_may_withdraw_it(administrator, city):
    user = create_in_admin(signed_in_admin(administrator), username="auditor.x", role=Role.AUDITOR, organisation=city.pk)
    run_action(administrator, "refuse_grants", user)
    assert RoleGrant.objects.get(account=user).status == GrantStatus.REFUSED
    user.refresh_from_db()
    assert (user.role, user.is_active) == ("", False)


def test_a_grant_that_no_longer_fits_its_organisation_is_not_confirmed(administrator, second_administrator, xihu_grassroots):
    user = create_in_admin(signed_in_admin(administrator), organisation=xihu_grassroots.pk)
    Organisation.objects.filter(pk=xihu_grassroots.pk).update(kind=OrgKind.DISTRICT)
    page = run_action(second_administrator, "confirm_grants", user).content.decode()
    assert "请拒绝这项授权后重新提出" in page
    assert pending(user) is not None and StaffUser.objects.get(pk=user.pk).role == ""


def test_a_deployment_may_narrow_the_roles_and_taking_a_role_away_holds_at_once(settings, administrator, xihu_reviewer, xihu_grassroots):
    settings.STAFF_DUAL_CONTROL_ROLES = ["finance_officer", "city_reviewer", "admin"]
    client = signed_in_admin(administrator)
    user = create_in_admin(client, organisation=xihu_grassroots.pk)
    assert (user.role, user.is_active, pending(user)) == (Role.GRASSROOTS_CLERK, True, None)
    assert AuditEvent.objects.get(action="staff.create", object_id=str(user.pk)).detail == {
        "role": Role.GRASSROOTS_CLERK,
        "organisation_id": xihu_grassroots.pk,
    }
    settings.STAFF_DUAL_CONTROL_ROLES = ["grassroots_clerk", "district_reviewer", "admin"]
    client.post(change_url(xihu_reviewer), change_form(xihu_reviewer, role=""))
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.role == "" and pending(xihu_reviewer) is None
    assert not RoleGrant.objects.exists()


def test_create_staff_on_the_server_is_not_held_back(city, monkeypatch):
    """The operator's bootstrap, and the second person where there is one administrator."""
    from django.core.management import call_command

    monkeypatch.setenv("STAFF_PASSWORD", NEW_PASSWORD)
    call_command("create_staff", "finance.c", "--role", "finance_officer", "--org", "杭州市总工会")
    user = StaffUser.objects.get(username="finance.c")
    assert (user.role, user.is_active) == (Role.FINANCE_OFFICER, True) and not RoleGrant.objects.exists()


def test_the_audit_log_names_the_grant_steps_in_chinese(administrator, second_administrator, city):
    user = create_in_admin(signed_in_admin(administrator), username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)
    confirm_as(second_administrator, user)
    for action in ("staff.grant_request", "staff.grant_confirm", "staff.grant_refuse"):
        assert action in ACTION_LABELS
    entry = AuditEvent.objects.get(action="staff.grant_confirm")
    text = readable_detail(entry.detail, action=entry.action)
    assert "授权类型：新建账号" in text and "角色： → 市总财务人员" not in text
    assert "角色：— → 市总财务人员" in text and "组织：— → 杭州市总工会" in text and "启用：否 → 是" in text
    assert f"提出人（编号）：{administrator.pk}" in text


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (None, []),
        (["finance_officer", "admin"], []),
        (["finance_officer", "payer"], ["organisations.E001"]),
        (["finance_officer", "city_reviewer"], ["organisations.E002"]),
        ([], ["organisations.W001"]),
    ],
)
def test_check_refuses_a_list_of_roles_that_would_not_hold(settings, roles, expected):
    if roles is not None:
        settings.STAFF_DUAL_CONTROL_ROLES = roles
    found = [message.id for message in run_checks(tags=["security"]) if message.id.startswith("organisations.")]
    assert found == expected


def test_the_list_reads_the_grants_in_a_fixed_number_of_queries(administrator, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_admin(administrator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    create_in_admin(client, username="auditor.x", role=Role.AUDITOR, organisation=city.pk)
    few = queries()
    for name in ("auditor.y", "auditor.z", "economic.x"):
        create_in_admin(client, username=name, role=Role.AUDITOR, organisation=city.pk)
    assert queries() == few
