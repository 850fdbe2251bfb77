"""SECURITY.md 5 and 7 in Chromium: a role grant and a password reset proposed more than
``STAFF_PENDING_DUAL_CONTROL_DAYS`` ago read 已过期 in the list of accounts and on the account's
page, the filters tell them from what still waits, and 确认授权 on the lapsed grant is refused
with the reason, all under the Content-Security-Policy."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.core import clock
from rewards.organisations.grants import GrantAsk, role_grant_request
from rewards.organisations.models import CredentialReset, GrantKind, GrantStatus, ResetKind, Role, RoleGrant, StaffUser
from rewards.organisations.resets import credential_reset_request, temporary_until
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create

from .conftest import STAFF_PASSWORD
from .test_role_grants import LIST, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_what_lapsed_reads_as_lapsed_and_is_not_confirmed(live_server, page_factory):
    campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    first, _ = (staff_create(username=name, role=Role.ADMIN, organisation=city, password=STAFF_PASSWORD) for name in ("admin", "admin.b"))
    officer = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD)
    reviewer = staff_create(username="city.reviewer", role=Role.CITY_REVIEWER, organisation=city, password=STAFF_PASSWORD)
    newcomer = StaffUser.objects.create_user(username="finance.x", password="Finance-Pass-2020x", is_active=False)
    newcomer.temporary_password_until = temporary_until()
    newcomer.save()
    ask = GrantAsk(
        kind=GrantKind.CREATE,
        role=Role.FINANCE_OFFICER,
        organisation=city,
        activate=True,
        before={"role": "", "organisation_id": None, "is_active": False},
    )
    role_grant_request(account=newcomer, ask=ask, acting_user=first)
    credential_reset_request(account=officer, kind=ResetKind.PASSWORD, password="Reset-first-Part-2020x", acting_user=first)
    credential_reset_request(account=reviewer, kind=ResetKind.MFA, acting_user=first)  # this one still waits
    eight_days_ago = clock.now() - dt.timedelta(days=8)
    RoleGrant.objects.update(granted_at=eight_days_ago)
    CredentialReset.objects.filter(account=officer).update(asked_at=eight_days_ago)
    base = live_server.url

    page = page_factory(1400, 900)
    sign_in(page, base, "admin.b")
    page.goto(base + LIST)
    notices = page.inner_text(".messagelist")
    assert "有 1 项密码或两步验证重置待确认" in notices and "角色授权待确认" not in notices
    lapsed_grant = page.locator("#result_list tr", has=page.locator("a:text-is('finance.x')"))
    assert "已过期：新建账号：市总财务人员" in lapsed_grant.inner_text() and "超过 7 天未确认" in lapsed_grant.inner_text()
    lapsed_reset = page.locator("#result_list tr", has=page.locator("a:text-is('finance.a')"))
    assert "已过期：重置密码" in lapsed_reset.inner_text()
    waiting = page.locator("#result_list tr", has=page.locator("a:text-is('city.reviewer')"))
    assert "重置两步验证（admin 提出）" in waiting.inner_text() and "已过期" not in waiting.inner_text()

    page.goto(base + LIST + "?grant=expired")
    assert page.locator("#result_list a:text-is('finance.x')").count() == 1
    row = page.locator("#result_list tr", has=page.locator("a:text-is('finance.x')"))
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "confirm_grants")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    assert "超过 7 天未确认，已过期，不能再确认：如仍需要，请重新提出。" in page.inner_text(".messagelist")
    assert RoleGrant.objects.get(account=newcomer).status == GrantStatus.EXPIRED
    assert not StaffUser.objects.get(pk=newcomer.pk).has_usable_password()

    page.goto(f"{base}{LIST}{newcomer.pk}/change/")
    form = page.inner_text("#staffuser_form")
    assert "已过期：新建账号：市总财务人员，杭州市总工会（admin 提出）" in form and "没有可用的密码" in form
    assert page.locator("#id_role").is_visible()  # proposing again is open
    assert page_factory.outside == []
