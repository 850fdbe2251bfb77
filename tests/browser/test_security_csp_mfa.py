"""SECURITY.md 7 and 11 in Chromium: pages work under the Content-Security-Policy, a violation
fails the test (tests/browser/conftest.py listens to the console), and a finance officer binds an
authenticator at the first sign-in and gives a code at the next (screenshots 90–92)."""

from __future__ import annotations

import pyotp
import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.core import clock
from rewards.identity import mfa
from rewards.identity.models import StaffTotp
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create

from .conftest import STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(settings):  # type: ignore[no-untyped-def]
    settings.STAFF_MFA_ROLES = ["finance_officer"]
    campaign_load_notice(year=2020)
    return organisation_by_name("杭州市总工会")


def sign_in(page, base: str, username: str, next_url: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")


def current_code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now().timestamp()) + steps_ahead)


def test_a_violation_is_caught(city, live_server, page_factory):
    page = page_factory()
    page.goto(live_server.url + "/staff/login")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
        const style = document.createElement("style");
        style.textContent = "body { background: red }";
        document.head.appendChild(style);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.injected === undefined")  # the inline script never ran
    caught = list(page_factory.csp_violations)
    assert any("script-src" in text for text in caught) and any("style-src" in text for text in caught), caught
    page_factory.csp_violations.clear()  # expected here; anywhere else it fails the test


def test_a_finance_officer_binds_an_authenticator_then_signs_in_with_a_code(city, live_server, page_factory):
    user = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD, full_name="钱会计")
    page = page_factory()
    sign_in(page, live_server.url, "finance.a")
    page.wait_for_url("**/staff/login/enrol")
    assert page.locator(".qr-box svg").is_visible()
    secret = page.inner_text("[data-totp-secret]").replace(" ", "")
    assert StaffTotp.objects.get(user=user).pending_secret == secret
    screenshot(page, "90-staff-mfa-enrol")
    page.fill("#id_code", current_code(secret))
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/payments/")
    assert "两步验证已启用" in page.inner_text("body")

    page.goto(live_server.url + "/staff/account/")
    assert "已启用" in page.inner_text(".mfa-state")
    screenshot(page, "92-staff-account-security")
    page.click("button.link-button")  # 退出
    page.wait_for_url("**/staff/login")

    sign_in(page, live_server.url, "finance.a")
    page.wait_for_url("**/staff/login/otp")
    screenshot(page, "91-staff-mfa-code")
    page.fill("#id_code", current_code(secret, steps_ahead=1))
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/payments/")
    assert page_factory.outside == []


def test_replacing_the_authenticator_asks_for_the_password(city, live_server, page_factory):
    """ASVS 7.5.1 (decision 288): the new authenticator's code alone replaces nothing."""
    user = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD, full_name="钱会计")
    old_secret = mfa.mfa_enrol_start(user=user).pending_secret
    assert mfa.mfa_enrol_confirm(user=user, code=current_code(old_secret))
    page = page_factory()
    sign_in(page, live_server.url, "finance.a")
    page.wait_for_url("**/staff/login/otp")
    page.fill("#id_code", current_code(old_secret, steps_ahead=1))
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/payments/")

    page.goto(live_server.url + "/staff/account/")
    page.click("text=更换验证器")
    page.wait_for_url("**/staff/account/mfa?new=1")
    assert "更换验证器须输入您的登录密码" in page.inner_text(".enrol-card")
    new_secret = page.inner_text("[data-totp-secret]").replace(" ", "")
    page.fill("#id_password", "wrong-" + STAFF_PASSWORD)
    page.fill("#id_code", current_code(new_secret))
    page.click(".enrol-card button[type=submit]")
    assert "登录密码不正确，验证器未更换" in page.inner_text(".form-error")
    assert StaffTotp.objects.get(user=user).secret == old_secret

    page.fill("#id_password", STAFF_PASSWORD)
    page.fill("#id_code", current_code(new_secret))
    page.click(".enrol-card button[type=submit]")
    page.wait_for_url("**/staff/account/")
    assert "两步验证已启用" in page.inner_text("body")
    assert StaffTotp.objects.get(user=user).secret == new_secret
    assert page_factory.outside == []


def test_the_administration_works_under_the_policy(city, live_server, page_factory):
    staff_create(username="admin", role=Role.ADMIN, organisation=city, password=STAFF_PASSWORD)
    staff_create(
        username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=organisation_by_name("西湖区总工会"), password=STAFF_PASSWORD
    )
    page = page_factory()
    page.goto(live_server.url + "/admin/")
    page.wait_for_url("**/staff/login?next=%2Fadmin%2F")
    page.fill("#id_username", "admin")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#content")
    for path in ("/admin/organisations/staffuser/", "/admin/organisations/staffuser/add/", "/admin/organisations/organisation/"):
        page.goto(live_server.url + path)
        page.wait_for_selector("#content")
    page.goto(live_server.url + "/admin/organisations/staffuser/")
    page.click("text=xihu.reviewer")
    page.wait_for_selector("#staffuser_form")
    assert page_factory.outside == []
