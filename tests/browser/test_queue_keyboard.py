"""The review queue from the keyboard's first stop: one Tab from the top of the page reaches
跳到主要内容 (shown while it has the focus, off screen otherwise), Enter puts the focus in <main>
and the next Tab reaches the filters instead of the header's links; a filter change writes the
new count into the live region outside the list htmx redraws; choices made faster than the list is
redrawn (quick arrow keys, a tab or the next page chosen while a filter's answer is on its way)
end with the address, the select, the rows and every count on the last one, the filter kept."""

from __future__ import annotations

import threading
import time

import pytest

from rewards.campaigns.selectors import current_campaign
from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.web.staff import views
from tests import factories

from .conftest import STAFF_PASSWORD
from .test_review_flow import sign_in
from .test_review_second_look import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The requests on their way, counted in the page: every XMLHttpRequest sent (htmx's) until its
#: loadend, which comes after htmx has drawn the answer, or after the abort. The tests wait for
#: none, never for a guessed time. (htmx's own events miss an answer whose form was redrawn away.)
ON_ITS_WAY = """
window.onItsWay = 0;
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function () {
  window.onItsWay += 1;
  this.addEventListener("loadend", function () { window.onItsWay -= 1; });
  return send.apply(this, arguments);
};
"""

#: What the page says at one moment: the address, the filters, the rows' levels and statuses, the
#: count above the table, the count on the active status tab, the live region, the focus.
READING = """() => {
  const select = document.getElementById("filter-level");
  const rows = Array.from(document.querySelectorAll(".queue-table tbody tr")).filter((row) => !row.querySelector(".empty-row"));
  const address = new URLSearchParams(location.search);
  const tab = document.querySelector(".status-tabs .tab.active");
  return {
    address: {level: address.get("level") || "", status: address.get("status")},  // none named: every level
    filters: {level: select.value, status: document.querySelector(".filters input[name=status]").value},
    levels: rows.map((row) => row.cells[6].textContent.trim()),
    count: document.querySelector(".result-count strong").textContent.trim(),
    tab: tab.id, tabCount: tab.querySelector(".count").textContent.trim(),
    announced: document.getElementById("queue-announce").textContent.trim(),
    focus: document.activeElement && document.activeElement.id,
  };
}"""


def quiet(page) -> None:  # type: ignore[no-untyped-def]
    """No answer on its way, none being drawn or settling."""
    page.wait_for_function("window.onItsWay === 0 && !document.querySelector('.htmx-swapping, .htmx-settling')")


def on(page, *, level: str, status: str, levels: list[str], tab: str, focus: str) -> None:  # type: ignore[no-untyped-def]
    """The address, the filters, the rows and every count agree on one choice."""
    quiet(page)
    seen = page.evaluate(READING)
    assert seen["address"] == {"level": level, "status": status}, seen
    assert seen["filters"] == {"level": level, "status": status}, seen
    assert sorted(seen["levels"]) == sorted(levels), seen
    count = str(len(levels))
    assert (seen["count"], seen["tab"], seen["tabCount"]) == (count, tab, count), seen
    assert seen["announced"] == f"列表已更新，共 {count} 份", seen
    assert seen["focus"] == focus, seen


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


def slow_answers(monkeypatch, when) -> threading.Event:  # type: ignore[no-untyped-def]
    """The queue's answers to the requests ``when(request.GET)`` picks (the filter's) take 0.8 s,
    whatever the browser does with them; the event is set once one has been sent."""
    answered = threading.Event()
    plain = views.render

    def render(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = plain(request, *args, **kwargs)
        if when(request.GET):
            time.sleep(0.8)
            answered.set()
        return response

    monkeypatch.setattr(views, "render", render)
    return answered


def reviewer_watched(live_server, page_factory):  # type: ignore[no-untyped-def]
    """西湖区's reviewer at 1366 px, the requests on their way counted (``ON_ITS_WAY``)."""
    page = page_factory(1366, 768)
    page.add_init_script(ON_ITS_WAY)
    sign_in(page, live_server.url, "xihu.reviewer")
    return page


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


def test_quick_choices_end_with_the_address_the_select_the_list_and_the_counts_on_the_last_one(waiting, live_server, page_factory):
    page = page_factory(1366, 768)
    page.add_init_script(ON_ITS_WAY)
    sign_in(page, live_server.url, "xihu.reviewer")
    page.goto(live_server.url + "/staff/?status=pending_district")
    # A busy machine: htmx's settling, when it wires the redrawn form, comes late. A key pressed
    # between the redraw and then went unsent: the select said 高级工, the list and address 高级技师.
    page.evaluate("htmx.config.defaultSettleDelay = 1000")
    page.focus("#filter-level")
    page.keyboard.press("ArrowDown")  # 高级技师: none
    page.wait_for_url("**level=senior_technician**")
    page.keyboard.press("ArrowDown")  # 技师, at once
    page.keyboard.press("ArrowDown")  # 高级工
    on(
        page,
        level="senior_worker",
        status="pending_district",
        levels=["高级工", "高级工"],
        tab="tab-pending_district",
        focus="filter-level",
    )

    # Five presses without a pause (each aborts the answer before it): the last one is drawn.
    for key in ("ArrowUp", "ArrowUp", "ArrowDown", "ArrowDown", "ArrowUp"):  # 技师 高级技师 技师 高级工 技师
        page.keyboard.press(key)
    on(page, level="technician", status="pending_district", levels=["技师"], tab="tab-pending_district", focus="filter-level")


def test_a_tab_chosen_while_a_filters_answer_is_on_its_way_keeps_the_filter(waiting, live_server, page_factory, monkeypatch):
    """One request at a time for the form, the tabs and the pager, and a tab asks with the form's
    values as they stand. Each had its own request: the filter's slow answer landed after the
    tab's and pushed its address (待区县审核, 技师) over a page that showed 全部. Then the tab
    aborted it but asked with the filters its link carried: the select went back to 全部等级, the
    choice of 技师 silently dropped. Now the tab's status and the form's 技师 are drawn together."""
    answered = slow_answers(monkeypatch, lambda get: get.get("level") == "technician" and get.get("status") == "pending_district")
    page = reviewer_watched(live_server, page_factory)
    page.goto(live_server.url + "/staff/?status=pending_district")
    assert page.get_attribute("#tab-all", "href") == "/staff/?status="  # the filters as drawn: none
    page.select_option("#filter-level", "technician")
    page.focus("#tab-all")
    page.keyboard.press("Enter")  # 全部, with the level just chosen
    assert answered.wait(5)  # the slow answer has been sent (or refused by the browser)
    on(page, level="technician", status="", levels=["技师"], tab="tab-all", focus="tab-all")
    # One address, each filter named once, the empty ones left out (as the server's links write it):
    # a bookmark or a reload draws the same page.
    assert page.evaluate("location.search") == "?status=&level=technician"
    assert page.get_attribute("#tab-all", "href") == "/staff/?status=&level=technician"
    page.reload()
    assert page.input_value("#filter-level") == "technician"
    assert page.locator(".queue-table tbody tr").count() == 1 and page.inner_text(".result-count") == "共 1 份"

    # Ctrl+click opens the tab's link in a new browser tab (as a boosted link did), this page stays.
    with page.context.expect_page() as opened:
        page.click("#tab-pending_district", modifiers=["Control"])
    assert opened.value.url.endswith("/staff/?status=pending_district&level=technician")
    opened.value.close()
    assert page.evaluate("location.search") == "?status=&level=technician"

    # A tab chosen with nothing on its way asks for what its link says, and pushes that address.
    page.click("#tab-pending_district")
    quiet(page)
    assert page.evaluate("location.pathname + location.search") == "/staff/?status=pending_district&level=technician"
    assert page.input_value("#filter-level") == "technician" and page.inner_text(".result-count") == "共 1 份"


def test_the_next_page_chosen_while_a_filters_answer_is_on_its_way_keeps_the_filter(waiting, live_server, page_factory, monkeypatch):
    """The pager as the tabs: 下一页 chosen while 高级工's answer is on its way is page 2 of 高级工
    (49 more make 51 高级工 among 52, two pages of 50 either way), not page 2 of every level."""
    xihu = organisation_by_name("西湖区总工会")
    campaign = current_campaign()
    for _ in range(49):
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_district")
    answered = slow_answers(monkeypatch, lambda get: get.get("level") == "senior_worker" and not get.get("page"))
    page = reviewer_watched(live_server, page_factory)
    page.goto(live_server.url + "/staff/?status=pending_district")
    assert page.inner_text(".result-count") == "共 52 份，第 1/2 页"
    page.select_option("#filter-level", "senior_worker")
    page.focus("#pager-next")
    page.keyboard.press("Enter")
    assert answered.wait(5)
    quiet(page)
    assert page.evaluate("location.pathname + location.search") == "/staff/?status=pending_district&level=senior_worker&page=2"
    assert page.input_value("#filter-level") == "senior_worker"
    assert page.inner_text(".result-count") == "共 51 份，第 2/2 页"
    assert [row.inner_text() for row in page.locator(".queue-table tbody td:nth-child(7)").all()] == ["高级工"]
    assert page.inner_text("#tab-pending_district .count") == "51"
    assert page.get_attribute("#pager-prev", "href") == "/staff/?status=pending_district&level=senior_worker&page=1"
