"""The staff menu on a 1366 px and a 1280 px screen: the brand and every link on one line, for
the district reviewer (the longest union name) and the auditor (the most links)."""

from __future__ import annotations

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create

from .conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Each visible part of the menu: its text and the top and bottom of its box, and the brand's.
LAYOUT = """() => {
  const brand = document.querySelector('.staff-brand .brand').getBoundingClientRect();
  const parts = [...document.querySelectorAll('nav.staff-nav > *')].filter((part) => part.offsetParent !== null);
  return {
    brand: [brand.top, brand.bottom],
    parts: parts.map((part) => { const box = part.getBoundingClientRect(); return [part.innerText.trim(), box.top, box.bottom]; }),
    overflow: document.documentElement.scrollWidth > window.innerWidth,
  };
}"""


@pytest.fixture
def staff(settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-10-15"
    settings.SHOW_DEMO_BANNER = True
    campaign_load_notice(year=2020)
    staff_create(
        username="binjiang.reviewer",
        role=Role.DISTRICT_REVIEWER,
        organisation=organisation_by_name("高新区（滨江）总工会"),
        password=STAFF_PASSWORD,
        full_name="欧阳晓明",
    )
    staff_create(
        username="auditor", role=Role.AUDITOR, organisation=organisation_by_name("杭州市总工会"), password=STAFF_PASSWORD, full_name="周丽"
    )


@pytest.mark.parametrize(
    ("username", "links"),
    [
        ("binjiang.reviewer", ["审核列表", "单位统一申报", "汇总表（附件4）", "非通用性职业", "培训计划", "工作进度"]),
        ("auditor", ["审核列表", "汇总表（附件4）", "非通用性职业", "培训计划", "工作进度", "奖励核发", "年度活动设置", "审计日志"]),
    ],
)
def test_the_menu_fits_on_the_brands_line(staff, live_server, page_factory, username, links):
    page = page_factory(1366, 800)
    page.goto(live_server.url + "/staff/login")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/staff/" in url and "/login" not in url)

    for width in (1366, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        layout = page.evaluate(LAYOUT)
        texts = [text for text, _top, _bottom in layout["parts"]]
        assert texts[: len(links)] == links, texts  # nothing needed is hidden
        assert texts[-1] == "退出"
        top, bottom = layout["brand"]
        for text, part_top, part_bottom in layout["parts"]:
            assert part_top < bottom and part_bottom > top, (width, text, layout)  # beside the brand, not below it
        assert not layout["overflow"]
    # The union and the name shown; the role read out to a screen reader and shown on hovering.
    role = "区县（产业）工会审核人" if username == "binjiang.reviewer" else "审计人员"
    assert page.inner_text(".staff-who .sr-only").strip() == f"{role} ·"
    assert role in page.get_attribute(".staff-who", "title")
