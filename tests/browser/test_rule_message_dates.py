"""A date in a rule's message stays whole on a phone: the self-check's results and the status
page's next step and opinions never end a line with “2020年12” or “2020年” and begin the next
with “月15日” or “度” (Chromium breaks Chinese text between any two characters, digits and 年
included), at 360 px and at every width from 320 to 420; the sentences still wrap between
characters, each line filled, and nothing scrolls sideways. Screenshots 14a and 18a."""

from __future__ import annotations

import pytest

from rewards.applications.services import password_digest
from rewards.campaigns.models import Campaign
from rewards.core.vocab import Status
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.review.services import review_decide
from tests import factories

from .conftest import HEIGHT, STAFF_PASSWORD, WIDTH, fill_self_check, fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The dates (and campaign years) of the text inside ``selector`` that the layout split across two
#: lines, and the paragraphs broken where they need not be: a line (but the last) ending short of
#: the paragraph's right edge by more than 2.5 characters (a closing mark never begins a line, so
#: the character before it moves down with it) when the next line does not begin with a whole date
#: moved down (an opening bracket before it goes with it), as ``word-break: keep-all`` does,
#: breaking Chinese text only at its punctuation.
LAYOUT = r"""
(selector) => {
  const split = [], ragged = [];
  const date = /\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?|度)/g;
  const rounded = (rects) => [...rects].filter((r) => r.width > 0);
  for (const el of document.querySelectorAll(selector)) {
    const nodes = [], walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode()); ) nodes.push(node);
    const at = (offset) => {
      for (const node of nodes) { if (offset <= node.length) return [node, offset]; offset -= node.length; }
      return [nodes[nodes.length - 1], nodes[nodes.length - 1].length];
    };
    const text = nodes.map((node) => node.data).join("");
    const dates = [];
    for (const match of text.matchAll(date)) {
      const range = document.createRange();
      range.setStart(...at(match.index));
      range.setEnd(...at(match.index + match[0].length));
      const rects = rounded(range.getClientRects());
      if (new Set(rects.map((r) => Math.round(r.top))).size > 1) split.push(match[0]);
      else if (rects.length) dates.push(rects[0]);
    }
    const whole = document.createRange();
    whole.selectNodeContents(el);
    const lines = new Map();
    for (const r of rounded(whole.getClientRects())) {
      const top = Math.round(r.top), line = lines.get(top) || {left: Infinity, right: 0};
      lines.set(top, {left: Math.min(line.left, r.left), right: Math.max(line.right, r.right)});
    }
    const rows = [...lines.entries()].sort((a, b) => a[0] - b[0]);
    const edge = el.getBoundingClientRect().right, em = parseFloat(getComputedStyle(el).fontSize);
    rows.slice(0, -1).forEach(([, line], i) => {
      if (edge - line.right <= 2.5 * em) return;
      const [top, next] = rows[i + 1];
      const moved = dates.some((r) => Math.abs(Math.round(r.top) - top) <= 2 && r.left - next.left <= 1.1 * em);
      if (!moved) ragged.push(text);
    });
  }
  return {split, ragged};
}
"""


def widths() -> list[int]:
    return list(range(320, 421, 4))


def assert_whole(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    problems = {}
    for width in widths():
        page.set_viewport_size({"width": width, "height": HEIGHT})
        found = page.evaluate(LAYOUT, selector)
        if found["split"] or found["ragged"]:
            problems[width] = found
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
    assert not problems, problems
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def test_the_self_checks_dates_stay_whole_at_every_phone_width(member, live_server, page_factory):
    """A make-up certificate before the 2019 roster is in: the window rule names three dates and
    two years, the deadline rule one date; the messages run over two to four lines."""
    page = page_factory(width=WIDTH, height=HEIGHT)
    page.goto(live_server.url + "/worker/check")
    fill_self_check(page, member, issued="2019-06-30")
    page.click("button:has-text('开始自测')")
    page.wait_for_selector("#check-result")
    messages = page.locator("#check-result .w-checks p").all_inner_texts()
    assert any("2018年12月1日至2019年11月30日" in message for message in messages)
    assert any("2020年12月15日" in message for message in messages)
    assert page.locator("#check-result .w-checks p .nowrap").count() >= 8
    # Long messages still wrap: the window rule's runs over three lines or more at 360 px.
    window = page.locator("#check-result .w-checks li.fail p")
    assert window.evaluate("p => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight)") >= 3
    assert_whole(page, "#check-result .w-checks p")
    fits(page)
    screenshot(page, "14a-worker-check-dates")


def test_the_status_pages_dates_stay_whole_at_every_phone_width(member, live_server, page_factory):
    """A returned application: the next step names the last day to resubmit, the opinion two dates."""
    xihu = organisation_by_name("西湖区总工会")
    reviewer = staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD)
    campaign = Campaign.objects.get(year=2020)
    application = factories.make_application(
        campaign=campaign, member=member, status=Status.PENDING_DISTRICT, union=xihu, query_password_hash=password_digest("ABCDEFGH23")
    )
    opinion = "证书上的发证日期与填写的2020年6月30日不一致，请核对后重新上传证书照片；如证书为2020年11月30日以后补发的，请一并上传原证书。"
    review_decide(user=reviewer, application_no=application.application_no, decision="return", opinion=opinion)

    page = page_factory(width=WIDTH, height=HEIGHT)
    page.goto(live_server.url + "/worker/status")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_query_password", "ABCDEFGH23")
    page.click("button:has-text('查询')")
    page.wait_for_selector(".w-next")
    assert "2020年12月15日前（含当日）重新提交" in page.inner_text(".w-next")
    assert_whole(page, ".w-next p, .w-opinion")
    fits(page)
    screenshot(page, "18a-worker-status-dates")
