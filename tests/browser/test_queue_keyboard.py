"""The review queue from the keyboard's first stop: one Tab from the top of the page reaches
跳到主要内容 (shown while it has the focus, off screen otherwise), Enter puts the focus in <main>
and the next Tab reaches the filters instead of the header's links; a filter change writes the
new count into the live region outside the list htmx redraws."""

from __future__ import annotations

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from tests import factories

from .conftest import STAFF_PASSWORD
from .test_review_flow import sign_in
from .test_review_second_look import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Where an element is on the screen: above the viewport, or inside it.
BOX = "(element) => { const r = element.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, width: r.width}; }"


@pytest.fixture
def waiting(settings):  # type: ignore[no-untyped-def]
    """Three 西湖区 applications waiting for 预审: two 高级工, one 技师."""
    settings.APP_TODAY = "2020-10-15"
    campaign, _ = campaign_load_notice(year=2020)
    xihu = organisation_by_name("西湖区总工会")
    staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD)
    for name, level in (("张晓明", "senior_worker"), ("李建国", "senior_worker"), ("王芳", "technician")):
        member = factories.make_member(union=xihu, name=name)
        factories.make_application(campaign=campaign, member=member, status="pending_district", new_level=level)


def test_one_tab_reaches_the_skip_link_and_enter_moves_into_main(waiting, live_server, page_factory):
    page = page_factory(1366, 768)
    sign_in(page, live_server.url, "xihu.reviewer")
    page.goto(live_server.url + "/staff/?status=pending_district")
    skip = page.locator("a.skip-link")
    assert skip.evaluate(BOX)["bottom"] <= 0  # out of sight until focused

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    shown = skip.evaluate(BOX)
    assert shown["top"] >= 0 and shown["width"] > 0 and skip.is_visible()

    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    assert skip.evaluate(BOX)["bottom"] <= 0  # hidden again
    page.keyboard.press("Tab")  # the first control of the page, past the header's nine stops
    assert page.evaluate("document.activeElement.id") == "filter-level"
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # A filter changed from the keyboard: the list is redrawn and the new count put where a
    # screen reader reads it out (the region outlives the swap; the focus stays on the filter).
    assert page.inner_text("#queue-announce") == ""
    page.keyboard.press("ArrowDown")  # 高级技师: none
    page.wait_for_url("**level=senior_technician**")
    page.wait_for_function("document.getElementById('queue-announce').textContent === '列表已更新，共 0 份'")
    settled(page)
    page.keyboard.press("ArrowDown")  # 技师: one
    page.wait_for_url("**level=technician**")
    page.wait_for_function("document.getElementById('queue-announce').textContent === '列表已更新，共 1 份'")
    settled(page)
    assert page.evaluate("document.activeElement.id") == "filter-level"
    assert page.locator("#queue-announce").count() == 1 and "共 1 份" in page.inner_text(".result-count")
    assert page.evaluate("document.getElementById('queue-announce').getAttribute('aria-live')") == "polite"
