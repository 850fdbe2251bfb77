"""年度活动设置 as the city union's administrator does it in October 2020: 周海燕 copies the 2020
campaign into 2021 (every date a year later), extends the 2021 deadline, then edits Annex 1 for
the new district map — 江干 merged into 上城 and 下城 into 拱墅, 钱塘新区 replaced by the new
钱塘区, 临平区 added after 余杭区, 萧山区's guidance raised — watching the total change as she
types; 2020 keeps its 24 units. Once 2021 has an application, its windows and amounts are
locked and a deadline before today is refused. Screenshots 70–74 in docs/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.campaigns.models import Campaign
from rewards.campaigns.notice_2020 import ANNEX1_UNITS
from rewards.campaigns.selectors import campaign_units
from rewards.campaigns.services import campaign_load_notice
from rewards.core.models import AuditEvent
from rewards.organisations.models import OrgKind, Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from tests import factories

from .conftest import STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_user(settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-10-15"
    settings.SHOW_DEMO_BANNER = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    return staff_create(username="admin.zhou", role=Role.ADMIN, organisation=city, password=STAFF_PASSWORD, full_name="周海燕")


def row(page, name: str):  # type: ignore[no-untyped-def]
    """The table row of one union (by its name cell: every row's merge list names the others)."""
    return page.locator(f"xpath=//tr[@data-unit][.//*[@data-name][normalize-space()='{name}']]")


def total(page) -> str:  # type: ignore[no-untyped-def]
    return page.inner_text("#guidance-total")


def test_the_administrator_sets_up_2021(admin_user, live_server, page_factory, settings):  # type: ignore[no-untyped-def]
    base = live_server.url
    page = page_factory(1440, 900)
    page.on("dialog", lambda dialog: dialog.accept())

    # Sign in, straight to the campaigns.
    page.goto(base + "/staff/campaigns/")
    page.fill("#id_username", "admin.zhou")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/campaigns/")
    assert "年度活动设置" in page.inner_text("nav.staff-nav")
    assert "将2020年度复制为" in page.inner_text("form.cmp-copy-form") and page.input_value("#id_to_year") == "2021"
    screenshot(page, "70-campaigns-list")

    # Copy 2020 into 2021.
    page.click("form.cmp-copy-form button[type=submit]")
    page.wait_for_url("**/staff/campaigns/2021/")
    assert "已将2020年度复制为2021年度" in page.inner_text(".flash-list")
    assert page.input_value("#id_main_window_start") == "2020-12-01"
    assert page.input_value("#id_main_window_end") == "2021-11-30"
    assert page.input_value("#id_makeup_window_start") == "2019-12-01"
    assert page.input_value("#id_application_deadline") == "2021-12-15"
    assert page.input_value("#id_title") == "关于做好2021年度杭州市职工高技能人才培训和奖励工作的通知"
    screenshot(page, "71-campaign-2021-copied")

    # Extend the deadline.
    page.fill("#id_application_deadline", "2021-12-31")
    page.click(".cmp-actions button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "申报截止日" in page.inner_text(".flash-list")
    assert Campaign.objects.get(year=2021).application_deadline == dt.date(2021, 12, 31)

    # Annex 1 for the new map: the total follows every edit.
    page.click("nav.pay-tabs >> text=任务分解（附件1）")
    page.wait_for_selector("#units-table")
    assert total(page) == "8,000"
    row(page, "萧山区总工会").locator("[data-guidance]").fill("950")
    assert total(page) == "8,050"
    row(page, "江干区总工会").locator("[data-action]").select_option(label="并入 上城区总工会")
    row(page, "下城区总工会").locator("[data-action]").select_option(label="并入 拱墅区总工会")
    assert total(page) == "8,050"  # merged numbers move, the total stays
    assert "保存后指导数为 600" in row(page, "上城区总工会").inner_text()
    row(page, "钱塘新区区总工会").locator("[data-action]").select_option(label="移出本年度")
    assert total(page) == "7,050"
    page.fill("#id_add_name", "钱塘区总工会")
    page.fill("#id_add_guidance", "1000")
    page.click("[data-add]")
    page.fill("#id_add_name", "临平区总工会")
    page.fill("#id_add_guidance", "600")
    page.click("[data-add]")
    assert total(page) == "8,650"
    for _ in range(7):  # 临平区 up to just after 余杭区
        row(page, "临平区总工会").locator("[data-move=up]").click()
    names = page.locator("tr[data-unit] [data-name]").all_inner_texts()
    assert names[names.index("余杭区总工会") + 1] == "临平区总工会"
    row(page, "江干区总工会").scroll_into_view_if_needed()
    screenshot(page, "72-campaign-units-editing")

    page.click(".cmp-actions button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "23个工会，指导数合计 8,650（原 8,000）" in page.inner_text(".flash-list")
    units = campaign_units(Campaign.objects.get(year=2021))
    saved = [unit.organisation.name for unit in units]
    assert {"江干区总工会", "下城区总工会", "钱塘新区区总工会"}.isdisjoint(saved)
    assert saved[saved.index("余杭区总工会") + 1] == "临平区总工会" and saved[-1] == "钱塘区总工会"
    numbers = {unit.organisation.name: unit.guidance for unit in units}
    assert (numbers["上城区总工会"], numbers["拱墅区总工会"], numbers["萧山区总工会"]) == (600, 600, 950)
    assert organisation_by_name("临平区总工会").kind == OrgKind.DISTRICT
    assert total(page) == "8,650"
    screenshot(page, "73-campaign-units-saved")
    # 2020 keeps the units it had.
    assert [(u.organisation.name, u.guidance) for u in campaign_units(Campaign.objects.get(year=2020))] == ANNEX1_UNITS
    assert AuditEvent.objects.filter(action="campaign.units_update").count() == 1

    # December 2021: 2021 has an application; the windows and amounts are locked, and a
    # deadline before today is refused with the reason.
    settings.APP_TODAY = "2021-12-05"
    factories.make_application(
        campaign=Campaign.objects.get(year=2021),
        member=factories.make_member(union=organisation_by_name("西湖区总工会")),
        status="pending_district",
    )
    page.click("nav.pay-tabs >> text=基本设置")
    page.wait_for_selector("#lock-note")
    assert page.is_disabled("#id_main_window_start") and page.is_disabled("#id_amount_senior_worker")
    assert page.is_enabled("#id_application_deadline")
    page.fill("#id_application_deadline", "2021-12-01")
    page.click(".cmp-actions button[type=submit]")
    page.wait_for_selector("#settings-errors")
    assert "不能早于今天（2021-12-05）" in page.inner_text(".cmp-form")
    assert Campaign.objects.get(year=2021).application_deadline == dt.date(2021, 12, 31)
    screenshot(page, "74-campaign-locked-deadline-refused")
    assert not page_factory.outside


def test_enter_in_the_add_row_adds_the_union_and_saves_nothing(admin_user, live_server, page_factory, settings):  # type: ignore[no-untyped-def]
    """Typing a new union's name and pressing Enter (what a keyboard user does) puts it in the
    table as 加入表中 does: it neither saves the whole table nor creates the organisation."""
    from rewards.campaigns.setup.year_copy import campaign_copy

    campaign_copy(from_year=2020, to_year=2021, acting_user=admin_user)
    base = live_server.url
    page = page_factory(1366, 800)
    page.goto(base + "/staff/campaigns/2021/units")
    page.fill("#id_username", "admin.zhou")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-add]:not([hidden])")

    page.fill("#id_add_guidance", "600")
    page.fill("#id_add_name", "临平区总工会")
    page.press("#id_add_name", "Enter")

    new_row = row(page, "临平区总工会")
    new_row.wait_for()
    assert new_row.locator("[data-guidance]").input_value() == "600"
    assert total(page) == "8,600"
    assert page.input_value("#id_add_name") == ""
    assert page.url.endswith("/staff/campaigns/2021/units") and not page.locator(".flash-success").count()
    assert organisation_by_name("临平区总工会") is None
    assert not AuditEvent.objects.filter(action="campaign.units_update").exists()

    # The same from the guidance box, and from the list of existing unions.
    page.fill("#id_add_name", "钱塘区总工会")
    page.fill("#id_add_guidance", "1000")
    page.press("#id_add_guidance", "Enter")
    row(page, "钱塘区总工会").wait_for()
    assert total(page) == "9,600" and organisation_by_name("钱塘区总工会") is None

    # An empty add row: Enter there still saves nothing and leaves the focus on the name box.
    page.press("#id_add_name", "Enter")
    assert page.evaluate("document.activeElement.id") == "id_add_name"
    assert not AuditEvent.objects.filter(action="campaign.units_update").exists()

    # Enter elsewhere (a guidance box in the table) still saves the table, as a form does.
    row(page, "萧山区总工会").locator("[data-guidance]").press("Enter")
    page.wait_for_selector(".flash-success")
    assert "26个工会" in page.inner_text(".flash-list")
