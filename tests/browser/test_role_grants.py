"""SECURITY.md 5 in Chromium: an administrator creates a finance officer in the administration;
the list shows it waiting, the same administrator's 确认授权 is refused, and a second
administrator's takes effect, all under the Content-Security-Policy."""

from __future__ import annotations

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role, StaffUser
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create

from .conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/admin/organisations/staffuser/"


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#content")


def confirm(page, base: str, username: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(base + LIST + "?grant=pending")
    row = page.locator("#result_list tr", has=page.locator(f"a:text-is('{username}')"))
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "confirm_grants")
    page.click("button[name=index]")
    page.wait_for_selector("#content")
    return page.inner_text(".messagelist")


def test_a_finance_officer_made_by_one_administrator_waits_for_another(live_server, page_factory):
    campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    for username in ("admin", "admin.b"):
        staff_create(username=username, role=Role.ADMIN, organisation=city, password=STAFF_PASSWORD)
    base = live_server.url

    first = page_factory()
    sign_in(first, base, "admin")
    first.goto(base + LIST + "add/")
    first.fill("#id_username", "finance.x")
    first.fill("#id_full_name", "王新")
    first.select_option("#id_role", Role.FINANCE_OFFICER)
    first.click("#id_organisation + .select2 .select2-selection")  # the organisation's autocomplete
    first.fill(".select2-search__field", "杭州市")
    first.click(".select2-results__option:has-text('杭州市总工会')")
    first.fill("#id_password1", "Finance-Pass-2020x")
    first.fill("#id_password2", "Finance-Pass-2020x")
    first.click("input[name=_save]")
    first.wait_for_selector(".messagelist")
    assert "须由另一位系统管理员" in first.inner_text(".messagelist")
    first.goto(base + LIST)
    assert "有 1 项角色授权待确认" in first.inner_text(".messagelist")
    row = first.locator("#result_list tr", has=first.locator("a:text-is('finance.x')"))
    assert "待确认：市总财务人员" in row.inner_text() and "新建账号" in row.inner_text()
    assert "不能确认自己提出的授权" in confirm(first, base, "finance.x")
    assert StaffUser.objects.get(username="finance.x").role == ""

    second = page_factory()
    sign_in(second, base, "admin.b")
    assert "已确认 1 个账号的授权：finance.x" in confirm(second, base, "finance.x")
    user = StaffUser.objects.get(username="finance.x")
    assert (user.role, user.organisation, user.is_active) == (Role.FINANCE_OFFICER, city, True)
    assert page_factory.outside == []
