"""What the administration does with a lapsed grant or reset once it is old news
(rewards/organisations/lapse.py): it is listed as 已过期 (column, filter, a notice above the list)
for ``STAFF_PENDING_DUAL_CONTROL_DAYS`` after it lapsed, long enough for its proposer to see it and
propose again; from one second later it leaves the list and stays in the account's history
(授权与重置记录 on its page, with what was confirmed and refused) and in the audit log."""

from __future__ import annotations

import pytest

from rewards.organisations.models import CredentialReset, Role, RoleGrant, StaffUser

from .test_admin_accounts import LIST, signed_in_admin
from .test_credential_resets import set_password_as
from .test_pending_lapse import frozen, minute  # noqa: F401 - the fixture
from .test_role_grants import change_url, create_in_admin, run_action

pytestmark = pytest.mark.django_db


def get(administrator: StaffUser, url: str) -> str:
    """The page as ``administrator`` sees it, signed in afresh (the clock moved past the session)."""
    return signed_in_admin(administrator).get(url).content.decode()


def lapsed_cell(listing: str, username: str) -> bool:
    """Whether the row of ``username`` says 已过期."""
    row = listing.split(f">{username}</a>")[1].split("</tr>")[0]
    return "<strong>已过期</strong>" in row


def history(page: str) -> str:
    return page.split("授权与重置记录")[1].split("</fieldset>")[0]


def test_a_lapsed_grant_is_listed_for_a_period_after_lapsing_then_only_in_the_accounts_history(
    frozen,  # noqa: F811
    administrator,
    second_administrator,
    city,
):
    client = signed_in_admin(administrator)
    user = create_in_admin(client, username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)
    grant = RoleGrant.objects.get(account=user)
    frozen.advance(days=14)  # lapsed 7 days ago: the last moment it is still listed
    listing = get(administrator, LIST)
    assert lapsed_cell(listing, "finance.x")
    assert "有 1 项角色授权或重置近 7 天内过期未确认" in listing
    assert "finance.x" in get(administrator, LIST + "?grant=expired")
    assert "已过期</strong>：新建账号" in get(administrator, change_url(user))

    frozen.advance(seconds=1)
    listing = get(administrator, LIST)
    assert not lapsed_cell(listing, "finance.x") and "近 7 天内过期未确认" not in listing
    assert "finance.x" not in get(administrator, LIST + "?grant=expired")
    page = get(administrator, change_url(user))
    assert "不能再确认。如仍需要" not in page  # no longer news on its page either
    assert f"{minute(grant.granted_at)} 新建账号：市总财务人员，杭州市总工会（admin 提出）：已过期（超过 7 天未确认）" in history(page)


def test_a_lapsed_reset_leaves_the_list_the_same_way_and_the_history_names_every_decision(
    frozen,  # noqa: F811
    administrator,
    second_administrator,
    xihu_reviewer,
):
    set_password_as(administrator, xihu_reviewer)
    first = CredentialReset.objects.get(account=xihu_reviewer)
    run_action(administrator, "reset_mfa", xihu_reviewer)
    run_action(second_administrator, "refuse_resets", xihu_reviewer)  # refuses both
    set_password_as(administrator, xihu_reviewer)
    lapsing = CredentialReset.objects.filter(account=xihu_reviewer).latest("id")
    frozen.advance(days=14)
    assert lapsed_cell(get(administrator, LIST), "xihu.reviewer")
    assert "xihu.reviewer" in get(administrator, LIST + "?reset=expired")
    frozen.advance(seconds=1)
    listing = get(administrator, LIST)
    assert not lapsed_cell(listing, "xihu.reviewer")
    assert "xihu.reviewer" not in get(administrator, LIST + "?reset=expired")
    shown = history(get(administrator, change_url(xihu_reviewer)))
    refused_at = minute(first.asked_at)
    assert f"{minute(lapsing.asked_at)} 重置密码（admin 提出）：已过期（超过 7 天未确认）" in shown
    assert f"{refused_at} 重置密码（admin 提出）：已拒绝（admin.b，{refused_at}）" in shown
    assert f"{refused_at} 重置两步验证（admin 提出）：已拒绝（admin.b，{refused_at}）" in shown
    # Newest first.
    assert shown.index("已过期") < shown.index("已拒绝")


def test_the_history_shows_a_confirmed_grant_and_what_still_waits(frozen, administrator, second_administrator, city):  # noqa: F811
    client = signed_in_admin(administrator)
    user = create_in_admin(client, username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)
    created = RoleGrant.objects.get(account=user)
    run_action(second_administrator, "confirm_grants", user)
    frozen.advance(hours=1)
    set_password_as(administrator, StaffUser.objects.get(pk=user.pk))
    shown = history(get(administrator, change_url(user)))
    at = minute(created.granted_at)
    assert f"{at} 新建账号：市总财务人员，杭州市总工会（admin 提出）：已确认（admin.b，{at}）" in shown
    assert "重置密码（admin 提出）：待确认" in shown


def test_an_account_without_any_shows_a_dash(administrator, xihu_reviewer):
    shown = history(get(administrator, change_url(xihu_reviewer)))
    assert shown.split('<div class="readonly">')[1].startswith("—</div>")


def test_the_period_after_lapsing_follows_the_setting(settings, frozen, administrator, city):  # noqa: F811
    settings.STAFF_PENDING_DUAL_CONTROL_DAYS = 2
    client = signed_in_admin(administrator)
    create_in_admin(client, username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)
    frozen.advance(days=4)
    assert lapsed_cell(get(administrator, LIST), "finance.x")
    frozen.advance(seconds=1)
    assert not lapsed_cell(get(administrator, LIST), "finance.x")


def test_the_history_links_to_the_accounts_entries_in_the_audit_log(administrator, city):
    user = create_in_admin(signed_in_admin(administrator), username="finance.x", role=Role.FINANCE_OFFICER, organisation=city.pk)
    link = f'<a href="/staff/audit?object_type=organisations.staffuser&amp;object_id={user.pk}">在审计日志中查看该账号的全部记录</a>'
    assert link in history(get(administrator, change_url(user)))
    listed = signed_in_admin(administrator).get(f"/staff/audit?object_type=organisations.staffuser&object_id={user.pk}").content.decode()
    assert "提出角色授权" in listed


def test_a_new_accounts_password_is_said_void_once_its_grant_lapsed_before_the_purge_stores_it(
    frozen,  # noqa: F811
    administrator,
    city,
    settings,
):
    """With a temporary password longer-lived than the dual-control period, the account's page
    kept saying 临时密码，本人尚未修改 after the grant lapsed, though the password goes with it
    (lapse.lapse_grant voids it when the lapse is stored, by the nightly purge at latest)."""
    settings.STAFF_TEMPORARY_PASSWORD_HOURS = 24 * 10
    client = signed_in_admin(administrator)
    user = create_in_admin(client, username="finance.y", role=Role.FINANCE_OFFICER, organisation=city.pk)
    frozen.advance(days=7)  # the last moment the grant may be confirmed
    page = get(administrator, change_url(user))
    assert "临时密码，本人尚未修改" in page and "随未确认的授权一并作废" not in page
    frozen.advance(seconds=1)
    page = get(administrator, change_url(user))
    assert "临时密码随未确认的授权一并作废（授权已过期）：须重新提出授权并重置密码" in page
    assert "临时密码，本人尚未修改" not in page
    assert RoleGrant.objects.get(account=user).status == "pending"  # not stored yet: said all the same
