"""The foundation's pages as a new user sees them: the notice in plain words, the staff
sign-in in Chinese, the API documentation, all without any request leaving the server."""

from __future__ import annotations

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create

from .conftest import STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = STAFF_PASSWORD


@pytest.fixture
def loaded(settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-10-15"
    settings.SHOW_DEMO_BANNER = True
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    staff_create(username="admin", role=Role.ADMIN, organisation=city, password=PASSWORD)
    return campaign


def test_home_page_explains_the_2020_campaign_on_a_phone(loaded, live_server, page_factory):
    page = page_factory(width=360, height=740)
    page.goto(live_server.url + "/")
    assert "2020年度杭州市职工高技能人才奖励" in page.inner_text("h1")
    body = page.inner_text("body")
    assert "2020年12月15日" in body
    assert "还剩 61 天" in body  # 2020-10-15 → 2020-12-15
    assert "业务日期模拟为 2020年10月15日" in body
    rows = page.locator("table").nth(1).locator("tbody tr")
    assert rows.count() == 25  # 24 units of Annex 1 and the total
    assert "工业工会" in rows.nth(0).inner_text()
    assert "8,000" in rows.nth(24).inner_text()
    # Nothing overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "01-home-360px")
    assert page_factory.outside == []


def test_home_page_on_a_desktop(loaded, live_server, page_factory):
    page = page_factory()
    page.goto(live_server.url + "/")
    assert page.locator("text=奖励标准").count() == 1
    assert "800.00 元" in page.inner_text("body")
    screenshot(page, "02-home-desktop")
    assert page_factory.outside == []


def test_staff_sign_in_is_in_chinese(loaded, live_server, page_factory):
    page = page_factory()
    page.goto(live_server.url + "/admin/")
    assert "用户名" in page.inner_text("body")
    # The administration signs in through the staff sign-in (lockout, second factor, audit).
    assert page.inner_text("h1") == "工作人员登录" and page.inner_text("button[type=submit]") == "登录"
    screenshot(page, "03-admin-login")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#content")
    body = page.inner_text("body")
    assert "年度奖励活动" in body and "工会组织" in body
    screenshot(page, "04-admin-home")
    assert page_factory.outside == []


def test_api_docs_load_from_the_server_itself(loaded, live_server, page_factory):
    page = page_factory()
    page.goto(live_server.url + "/api/v1/docs")
    page.get_by_text("/api/v1/eligibility", exact=True).first.wait_for(timeout=15000)
    screenshot(page, "05-api-docs")
    assert page_factory.outside == []


def test_api_docs_speak_chinese(loaded, live_server, page_factory):
    """Swagger UI's own words are said in Chinese by our script and style sheet (its files are
    the sidecar package's, unchanged); our paths, examples and answers are left as they are."""
    page = page_factory()
    page.goto(live_server.url + "/api/v1/docs")
    page.get_by_text("/api/v1/eligibility", exact=True).first.wait_for(timeout=15000)
    assert page.title() == "接口文档（v1） · 杭州市职工高技能人才奖励平台"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator(".btn.authorize").first.inner_text().strip() == "授权"
    assert "资格自测" in page.locator(".opblock-tag", has_text="eligibility").first.inner_text()

    page.locator(".opblock-summary-path", has_text="/api/v1/health").first.click()
    operation = page.locator(".opblock").first
    operation.get_by_text("试一试", exact=True).click()
    operation.get_by_text("执行", exact=True).click()
    operation.get_by_text("服务器响应", exact=True).wait_for(timeout=5000)
    text = operation.inner_text()
    for chinese in ("参数", "名称", "说明", "清除", "请求地址", "响应体", "响应头", "状态码"):
        assert chinese in text, chinese
    for english in ("Try it out", "Execute", "Parameters", "Responses", "Server response", "Request URL"):
        assert english not in text, english
    assert '"status": "ok"' in text  # the answer itself as it came
    assert page_factory.outside == []
