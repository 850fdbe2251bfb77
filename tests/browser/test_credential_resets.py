"""SECURITY.md 5 and 7 in Chromium: an administrator sets a finance officer's password in the
administration; the password page says it waits, the list shows it, the asker's 确认重置 is
refused, a second administrator's shows the second part, and the holder signs in with both parts
to the password change, all under the Content-Security-Policy."""

from __future__ import annotations

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role, StaffUser
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create

from .conftest import STAFF_PASSWORD
from .test_role_grants import LIST, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "Reset-first-Part-2020x"


def act(page, base: str, username: str, action: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + LIST + "?reset=pending")
    row = page.locator("#result_list tr", has=page.locator(f"a:text-is('{username}')"))
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    page.wait_for_selector("#content")


def test_a_password_set_by_one_administrator_needs_another_and_comes_in_two_parts(live_server, page_factory):
    campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    for username in ("admin", "admin.b"):
        staff_create(username=username, role=Role.ADMIN, organisation=city, password=STAFF_PASSWORD)
    officer = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD)
    base = live_server.url

    first = page_factory()
    sign_in(first, base, "admin")
    first.goto(f"{base}{LIST}{officer.pk}/password/")
    assert first.locator(".dual-control-note").is_visible()
    assert "此处设定的密码不会立即生效" in first.inner_text(".dual-control-note")
    first.fill("#id_password1", FIRST)
    first.fill("#id_password2", FIRST)
    first.click("input[name=set-password]")
    first.wait_for_selector(".messagelist")
    assert "您设定的是新密码的第一段" in first.inner_text(".messagelist")
    first.goto(base + LIST)
    row = first.locator("#result_list tr", has=first.locator("a:text-is('finance.a')"))
    assert "重置密码（admin 提出）" in row.inner_text()
    act(first, base, "finance.a", "confirm_resets")
    assert "不能确认自己提出的重置" in first.inner_text(".messagelist")
    assert StaffUser.objects.get(pk=officer.pk).check_password(STAFF_PASSWORD)

    second = page_factory()
    sign_in(second, base, "admin.b")
    act(second, base, "finance.a", "confirm_resets")
    part = second.inner_text("[data-second-part]")
    assert len(part) == 8 and "第二段只在本页显示这一次" in second.inner_text("#content")

    holder = page_factory()
    holder.goto(base + "/staff/login")
    holder.fill("#id_username", "finance.a")
    holder.fill("#id_password", FIRST + part)
    holder.click("button[type=submit]")
    holder.wait_for_selector("#id_old_password")
    assert holder.url.endswith("/staff/account/password") and "管理员设定的临时密码" in holder.inner_text("main")
    assert page_factory.outside == []
