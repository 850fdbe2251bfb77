"""Pending role grants and credential resets lapse (SECURITY.md 5, 7; rewards/organisations/lapse.py):
one not confirmed within ``STAFF_PENDING_DUAL_CONTROL_DAYS`` (7) of being proposed can no longer
be confirmed (the last moment of the period still confirms, one second after is refused), the
administration shows it as 已过期, proposing it again works, the lapse is audited when noticed or
by the daily ``purge_expired``, and a lapsed password's first part never becomes usable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core.checks import run_checks
from django.core.management import call_command

from rewards.core import clock
from rewards.core.errors import Conflict
from rewards.core.models import AuditEvent
from rewards.identity.models import StaffTotp
from rewards.organisations.grants import role_grant_confirm, role_grant_refuse
from rewards.organisations.models import CredentialReset, GrantKind, GrantStatus, ResetKind, Role, RoleGrant, StaffUser
from rewards.organisations.resets import credential_reset_confirm, credential_reset_refuse
from rewards.reports.audit_detail import readable_detail
from rewards.reports.auditlog import ACTION_LABELS
from tests.conftest import PASSWORD
from tests.security.staff_helpers import MovableClock, enrol, web_client, web_login

from .test_admin_accounts import LIST, change_form, signed_in_admin
from .test_credential_resets import FIRST, pending, second_parts, set_password_as, signs_in
from .test_role_grants import NEW_PASSWORD, change_url, create_in_admin, run_action

pytestmark = pytest.mark.django_db

PERIOD = dt.timedelta(days=7)


@pytest.fixture
def frozen(monkeypatch):  # type: ignore[no-untyped-def]
    return MovableClock(monkeypatch, frozen=True)


def minute(moment: dt.datetime) -> str:
    return f"{moment.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M}"


def refusal(what: str, proposed_at: dt.datetime, days: int = 7) -> str:
    return f"这项{what}于 {minute(proposed_at)} 提出，超过 {days} 天未确认，已过期，不能再确认：如仍需要，请重新提出。"


def new_finance_officer(administrator: StaffUser, city) -> StaffUser:  # type: ignore[no-untyped-def]
    return create_in_admin(signed_in_admin(administrator), username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)


# --- role grants --------------------------------------------------------------------------------


def test_a_grant_confirmed_at_the_last_moment_of_its_period_holds(frozen, administrator, second_administrator, city):
    user = new_finance_officer(administrator, city)
    frozen.advance(days=7)
    assert "有 1 项角色授权待确认" in signed_in_admin(administrator).get(LIST).content.decode()
    page = run_action(second_administrator, "confirm_grants", user).content.decode()
    assert "已确认 1 个账号的授权：finance.x。" in page
    (second,) = second_parts(page)
    user.refresh_from_db()
    assert (user.role, user.is_active) == (Role.FINANCE_OFFICER, True)
    assert web_login(web_client(), "finance.x", NEW_PASSWORD + second)["Location"] == "/staff/account/password"
    assert not AuditEvent.objects.filter(action="staff.grant_lapse").exists()


def test_one_second_after_its_period_a_grant_is_refused_shown_as_lapsed_and_its_first_password_void(
    frozen, administrator, second_administrator, city
):
    user = new_finance_officer(administrator, city)
    grant = RoleGrant.objects.get(account=user)
    frozen.advance(days=7, seconds=1)
    # Before anyone acts: the list already calls it lapsed, not waiting.
    client = signed_in_admin(administrator)
    listing = client.get(LIST).content.decode()
    assert "项角色授权待确认" not in listing and "待确认：市总财务人员" not in listing
    assert f"<strong>已过期</strong>：新建账号：市总财务人员<br>admin 提出于 {minute(grant.granted_at)}，超过 7 天未确认</span>" in listing
    assert "finance.x" not in client.get(LIST + "?grant=pending").content.decode()
    assert "finance.x" in client.get(LIST + "?grant=expired").content.decode()
    assert "已过期" in client.get(LIST).content.decode().split('id="changelist-filter"')[1]  # the filter offers it

    page = run_action(second_administrator, "confirm_grants", user).content.decode()
    assert f"“finance.x”：{refusal('授权', grant.granted_at)}" in page and not second_parts(page)
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by, grant.decided_at) == (GrantStatus.EXPIRED, None, grant.granted_at + PERIOD)
    user.refresh_from_db()
    assert (user.role, user.organisation, user.is_active) == ("", None, False)
    # The creator's password would have become the first part: it is void, with or without a part.
    assert not user.has_usable_password() and user.temporary_password_until is None
    assert signs_in("finance.x", NEW_PASSWORD) == (False, False)
    lapse = AuditEvent.objects.get(action="staff.grant_lapse")
    assert (lapse.actor_id, lapse.object_id) == (second_administrator.pk, str(user.pk))
    assert lapse.detail == {
        "grant": grant.pk,
        "grant_kind": "create",
        "granted_by": administrator.pk,
        "days": 7,
        "noticed": "confirm",
        "password_voided": True,
    }
    assert not AuditEvent.objects.filter(action="staff.grant_confirm").exists()
    # Stored as lapsed: the service refuses it with the same words, the list names it and says what to do.
    with pytest.raises(Conflict) as refused:
        role_grant_confirm(grant=grant, acting_user=second_administrator)
    assert refused.value.message == refusal("授权", grant.granted_at)
    with pytest.raises(Conflict, match="已过期，无需再拒绝。"):
        role_grant_refuse(grant=grant, acting_user=second_administrator)
    assert "没有待确认的授权" in run_action(second_administrator, "confirm_grants", user).content.decode()
    form = client.get(change_url(user)).content.decode()
    assert "<strong>已过期</strong>：新建账号：市总财务人员，杭州市总工会（admin 提出），提出于" in form
    assert "如仍需要，请重新修改角色、所属组织或启用状态并保存" in form and "该账号现在没有可用的密码：重新提出时，请同时重置密码。" in form
    assert "没有可用的密码（不能用密码登录）：须重置密码" in form
    assert AuditEvent.objects.filter(action="staff.grant_lapse").count() == 1


def test_proposing_again_after_a_lapse_works_and_only_the_new_password_opens(frozen, administrator, second_administrator, city):
    user = new_finance_officer(administrator, city)
    old = RoleGrant.objects.get(account=user)
    frozen.advance(days=8)
    # Nobody noticed the lapse yet: the row is still "pending" in the table, yet the form is open again.
    client = signed_in_admin(administrator)
    assert 'name="role"' in client.get(change_url(user)).content.decode()
    response = client.post(
        change_url(user), change_form(user, role=Role.FINANCE_OFFICER, organisation=city.pk, is_active="on"), follow=True
    )
    assert "重新启用账号：市总财务人员，杭州市总工会，确认后启用（admin 提出）" in response.content.decode()
    assert "您设定的密码是新密码的第一段" not in response.content.decode()  # there is none any more
    old.refresh_from_db()
    new = RoleGrant.objects.get(account=user, status=GrantStatus.PENDING)
    assert old.status == GrantStatus.EXPIRED and (new.kind, new.granted_at) == (GrantKind.REACTIVATE, clock.now())
    lapse = AuditEvent.objects.get(action="staff.grant_lapse")
    assert (lapse.actor_id, lapse.detail["noticed"], lapse.detail["password_voided"]) == (administrator.pk, "request", True)
    listing = client.get(LIST).content.decode()
    assert (
        "有 1 项角色授权待确认" in listing
        and "<strong>重新启用账号</strong><br>admin 提出" in listing
        and "<strong>已过期</strong>" not in listing
    )
    # A password with it, under dual control (no role yet); a second administrator confirms both.
    set_password_as(administrator, user)
    run_action(second_administrator, "confirm_grants", user)
    (second,) = second_parts(run_action(second_administrator, "confirm_resets", user).content.decode())
    user.refresh_from_db()
    assert (user.role, user.is_active) == (Role.FINANCE_OFFICER, True)
    assert not check_password(NEW_PASSWORD + second, user.password)
    assert web_login(web_client(), "finance.x", FIRST + second)["Location"] == "/staff/account/password"


def test_a_role_change_that_lapsed_leaves_the_account_as_it_was(frozen, administrator, second_administrator, xihu_reviewer, city, xihu):
    signed_in_admin(administrator).post(
        change_url(xihu_reviewer), change_form(xihu_reviewer, role=Role.CITY_REVIEWER, organisation=city.pk)
    )
    frozen.advance(days=7, seconds=1)
    with pytest.raises(Conflict, match="超过 7 天未确认，已过期，不能再确认"):
        role_grant_confirm(grant=RoleGrant.objects.get(account=xihu_reviewer), acting_user=second_administrator)
    xihu_reviewer.refresh_from_db()
    assert (xihu_reviewer.role, xihu_reviewer.organisation) == (Role.DISTRICT_REVIEWER, xihu)
    assert xihu_reviewer.check_password(PASSWORD)  # the holder's own password is untouched
    assert "password_voided" not in AuditEvent.objects.get(action="staff.grant_lapse").detail
    # Refusing one past its period lapses it too (the asker withdrawing it finds it gone).
    signed_in_admin(administrator).post(
        change_url(xihu_reviewer), change_form(xihu_reviewer, role=Role.CITY_REVIEWER, organisation=city.pk)
    )
    frozen.advance(days=7, seconds=1)
    page = run_action(administrator, "refuse_grants", xihu_reviewer).content.decode()
    assert "已过期，无需再拒绝。" in page
    assert list(RoleGrant.objects.filter(account=xihu_reviewer).values_list("status", flat=True)) == [GrantStatus.EXPIRED] * 2
    assert AuditEvent.objects.filter(action="staff.grant_lapse").latest("id").detail["noticed"] == "refuse"


# --- credential resets --------------------------------------------------------------------------


def test_a_password_reset_confirms_at_the_last_moment_and_is_refused_one_second_later(
    frozen, administrator, second_administrator, xihu_reviewer, city_reviewer
):
    set_password_as(administrator, xihu_reviewer)
    set_password_as(administrator, city_reviewer)
    late = pending(city_reviewer)
    assert late is not None
    frozen.advance(days=7)
    assert len(second_parts(run_action(second_administrator, "confirm_resets", xihu_reviewer).content.decode())) == 1
    frozen.advance(seconds=1)
    listing = signed_in_admin(administrator).get(LIST).content.decode()
    assert "项密码或两步验证重置待确认" not in listing
    assert f"<strong>已过期</strong>：重置密码（admin 提出于 {minute(late.asked_at)}，超过 7 天未确认）" in listing
    assert "city.reviewer" in signed_in_admin(administrator).get(LIST + "?reset=expired").content.decode()
    assert "city.reviewer" not in signed_in_admin(administrator).get(LIST + "?reset=pending").content.decode()

    page = run_action(second_administrator, "confirm_resets", city_reviewer).content.decode()
    assert f"“city.reviewer”：{refusal('重置密码', late.asked_at)}" in page and not second_parts(page)
    late.refresh_from_db()
    # The first part's hash is gone: it can never be completed. The holder keeps their password.
    assert (late.status, late.first_part_hash, late.decided_at) == (GrantStatus.EXPIRED, "", late.asked_at + PERIOD)
    city_reviewer.refresh_from_db()
    assert city_reviewer.check_password(PASSWORD) and city_reviewer.temporary_password_until is None
    assert signs_in("city.reviewer") == (True, True) and signs_in("city.reviewer", FIRST) == (False, False)
    lapse = AuditEvent.objects.get(action="staff.reset_lapse")
    assert lapse.actor_id == second_administrator.pk
    assert lapse.detail == {"reset": late.pk, "reset_kind": "password", "asked_by": administrator.pk, "days": 7, "noticed": "confirm"}
    with pytest.raises(Conflict) as refused:
        credential_reset_confirm(reset=late, acting_user=second_administrator)
    assert refused.value.message == refusal("重置密码", late.asked_at)
    form = signed_in_admin(administrator).get(f"/admin/organisations/staffuser/{city_reviewer.pk}/change/").content.decode()
    assert "<strong>已过期</strong>：重置密码（admin 提出于" in form and "该账号仍使用原来的密码和验证器。如仍需要，请重新提出。" in form

    # Proposing again works, and the lapsed one no longer shows.
    assert "已有一项待确认的重置密码" not in signed_in_admin(administrator).get(f"{LIST}{city_reviewer.pk}/password/").content.decode()
    set_password_as(administrator, city_reviewer, "Again-a-first-Part-2022")
    assert CredentialReset.objects.filter(account=city_reviewer, status=GrantStatus.PENDING).count() == 1
    listing = signed_in_admin(administrator).get(LIST).content.decode()
    assert "有 1 项密码或两步验证重置待确认" in listing and "<strong>已过期</strong>" not in listing


def test_a_second_factor_reset_past_its_period_leaves_the_authenticator_and_a_new_one_may_be_asked(
    settings, frozen, administrator, second_administrator, finance_a
):
    settings.STAFF_MFA_ROLES = ["finance_officer"]
    enrol(finance_a)
    run_action(administrator, "reset_mfa", finance_a)
    first = pending(finance_a, ResetKind.MFA)
    frozen.advance(days=7, seconds=1)
    # Asking again notices the lapse and records a new request.
    page = run_action(administrator, "reset_mfa", finance_a).content.decode()
    assert "两步验证重置须由另一位系统管理员执行“确认重置”后生效" in page
    first.refresh_from_db()  # type: ignore[union-attr]
    assert first.status == GrantStatus.EXPIRED  # type: ignore[union-attr]
    assert AuditEvent.objects.get(action="staff.reset_lapse").detail["noticed"] == "request"
    assert StaffTotp.objects.filter(user=finance_a).exists()
    page = run_action(second_administrator, "confirm_resets", finance_a).content.decode()
    assert "已确认 1 个账号的两步验证重置：finance.a。" in page and not StaffTotp.objects.filter(user=finance_a).exists()
    # Refusing one past its period lapses it as well.
    run_action(administrator, "reset_mfa", finance_a)
    frozen.advance(days=8)
    with pytest.raises(Conflict, match=r"这项重置两步验证于 .* 提出，超过 7 天未确认，已过期，无需再拒绝。"):
        credential_reset_refuse(reset=pending(finance_a, ResetKind.MFA), acting_user=administrator)  # type: ignore[arg-type]
    assert CredentialReset.objects.filter(account=finance_a, status=GrantStatus.EXPIRED).count() == 2


# --- the daily purge, the setting, the audit log -----------------------------------------------


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_the_daily_purge_lapses_what_nobody_confirmed_in_time(frozen, administrator, city, xihu_reviewer, finance_a):
    user = new_finance_officer(administrator, city)
    set_password_as(administrator, xihu_reviewer)
    run_action(administrator, "reset_mfa", finance_a)
    frozen.advance(days=7)
    assert "未确认" not in purge()
    assert RoleGrant.objects.filter(status=GrantStatus.PENDING).count() == 1
    assert AuditEvent.objects.filter(action="data.purge").latest("id").detail["lapsed_requests"] == 0
    frozen.advance(seconds=1)
    assert "将标记 3 项超过 7 天未确认的角色授权或凭据重置为已过期。" in purge("--dry-run")
    assert CredentialReset.objects.filter(status=GrantStatus.PENDING).count() == 2
    assert "已标记 3 项超过 7 天未确认的角色授权或凭据重置为已过期。" in purge()
    assert not RoleGrant.objects.filter(status=GrantStatus.PENDING).exists()
    assert not CredentialReset.objects.filter(status=GrantStatus.PENDING).exists()
    assert set(CredentialReset.objects.values_list("first_part_hash", flat=True)) == {""}
    entries = AuditEvent.objects.filter(action__in=("staff.grant_lapse", "staff.reset_lapse")).order_by("id")
    assert [(e.action, e.actor_id, e.actor_label, e.detail["noticed"]) for e in entries] == [
        ("staff.grant_lapse", None, "cli", "purge"),
        ("staff.reset_lapse", None, "cli", "purge"),
        ("staff.reset_lapse", None, "cli", "purge"),
    ]
    assert AuditEvent.objects.filter(action="data.purge").latest("id").detail["lapsed_requests"] == 3
    user.refresh_from_db()
    assert not user.has_usable_password()
    # Run again: nothing more; and the list still calls them lapsed.
    assert "未确认" not in purge()
    assert signed_in_admin(administrator).get(LIST).content.decode().count("<strong>已过期</strong>") == 3


def test_the_period_follows_the_setting_and_check_refuses_less_than_a_day(settings, frozen, administrator, second_administrator, city):
    settings.STAFF_PENDING_DUAL_CONTROL_DAYS = 2
    user = new_finance_officer(administrator, city)
    grant = RoleGrant.objects.get(account=user)
    frozen.advance(days=2, seconds=1)
    page = run_action(second_administrator, "confirm_grants", user).content.decode()
    assert refusal("授权", grant.granted_at, days=2) in page
    assert AuditEvent.objects.get(action="staff.grant_lapse").detail["days"] == 2
    for wrong in (0, -3):
        settings.STAFF_PENDING_DUAL_CONTROL_DAYS = wrong
        assert [m.id for m in run_checks(tags=["security"]) if m.id == "organisations.E004"] == ["organisations.E004"]
    settings.STAFF_PENDING_DUAL_CONTROL_DAYS = 1
    assert "organisations.E004" not in [m.id for m in run_checks(tags=["security"])]


def test_the_audit_log_names_a_lapse_in_chinese(frozen, administrator, second_administrator, city):
    user = new_finance_officer(administrator, city)
    frozen.advance(days=7, seconds=1)
    run_action(second_administrator, "confirm_grants", user)
    assert {"staff.grant_lapse", "staff.reset_lapse"} <= set(ACTION_LABELS)
    entry = AuditEvent.objects.get(action="staff.grant_lapse")
    text = readable_detail(entry.detail, action=entry.action)
    for words in ("授权类型：新建账号", "确认期限（天）：7", "发现过期于：确认时", "作废管理员设定的初始密码：是"):
        assert words in text, text
