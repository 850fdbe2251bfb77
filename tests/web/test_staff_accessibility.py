"""The review queue with a keyboard and a screen reader: a 跳到主要内容 link is the first stop of
every layout with a header nav, the row boxes name the application and the person, the status
tabs read as "全部，共 38 份" (not "全部38"), and after an htmx redraw the new count is put into a
polite live region outside the part swapped, so it is read out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

SKIP_LINK = '<a class="skip-link" href="#main">跳到主要内容</a>'
#: The live region, its content captured (htmx swaps that content in out of band).
ANNOUNCE = re.compile(
    r'<p id="queue-announce" class="sr-only" role="status" aria-live="polite" aria-atomic="true" hx-swap-oob="innerHTML">(.*?)</p>'
)


@pytest.fixture
def reviewer(xihu_reviewer) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(xihu_reviewer)
    return client


@pytest.fixture
def waiting(campaign, business_day, xihu, member):  # type: ignore[no-untyped-def]
    """Three applications waiting for 西湖区总工会's 预审 (张晓明's first) and one already approved."""
    pending = [factories.make_application(campaign=campaign, member=member, status="pending_district")]
    pending += [
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu, name=name), status="pending_district")
        for name in ("李建国", "王芳")
    ]
    factories.make_application(campaign=campaign, member=factories.make_member(union=xihu, name="赵敏"), status="approved")
    return pending


def first_focusable(html: str) -> str:
    """The first element of <body> a Tab reaches (a link, a control), as written."""
    body = html.split("<body", 1)[1]
    return re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body).group(0)  # type: ignore[union-attr]


# --- the skip link -------------------------------------------------------------------------------


def test_the_staff_layout_starts_with_the_skip_link_to_a_focusable_main(reviewer, waiting):
    page = reviewer.get("/staff/").text
    assert first_focusable(page) == '<a class="skip-link" href="#main">'
    assert page.count(SKIP_LINK) == 1
    assert page.index(SKIP_LINK) < page.index('<header class="site-header staff-header">')
    assert '<main id="main" class="staff-main" tabindex="-1">' in page


def test_the_sign_in_page_has_it_too(client):
    page = Client(HTTP_HOST="127.0.0.1").get("/staff/login").text
    assert first_focusable(page) == '<a class="skip-link" href="#main">' and 'id="main"' in page


def test_the_worker_layout_and_the_error_pages_have_it(campaign, business_day):
    worker = Client(HTTP_HOST="127.0.0.1")
    for path in ("/worker/", "/"):
        page = worker.get(path).text
        assert first_focusable(page) == '<a class="skip-link" href="#main">', path
        assert '<main id="main" tabindex="-1">' in page, path
    missing = worker.get("/worker/no-such-page")
    assert missing.status_code == 404
    assert first_focusable(missing.text) == '<a class="skip-link" href="#main">' and '<main id="main" tabindex="-1">' in missing.text


def test_the_skip_link_shows_on_focus_only_and_inline_styles_stay_out():
    """Off screen until focused, by the stylesheet: the CSP refuses style attributes."""
    css = Path(finders.find("web/site.css")).read_text(encoding="utf-8")  # type: ignore[arg-type]
    assert ".skip-link { position:absolute;" in css and "transform:translateY(-200%)" in css
    assert ".skip-link:focus { transform:none;" in css


# --- the queue's boxes, tabs and count ----------------------------------------------------------


def test_each_box_names_the_application_and_the_person(reviewer, waiting):
    page = reviewer.get("/staff/?status=pending_district").text
    for application in waiting:
        assert f'aria-label="选择 {application.application_no} {application.name}"' in page
    assert 'aria-label="选择 2020' in page and page.count('aria-label="选择 ') == 3
    assert '<input type="checkbox" data-select-all autocomplete="off" aria-label="全选本页可通过的申请">' in page


def test_a_name_is_escaped_in_the_label(reviewer, campaign, business_day, xihu):
    odd = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu, name='张"<b>'), status="pending_district")
    page = reviewer.get("/staff/?status=pending_district").text
    assert f'aria-label="选择 {odd.application_no} 张&quot;&lt;b&gt;"' in page and '张"<b>' not in page


def test_rows_the_reviewer_cannot_approve_have_no_box(reviewer, waiting):
    page = reviewer.get("/staff/?status=approved").text
    assert 'aria-label="选择 ' not in page and "data-select-all" not in page


def test_the_status_tabs_say_how_many(reviewer, waiting):
    page = reviewer.get("/staff/").text
    assert '全部<span class="sr-only">，共 </span><span class="count">4</span><span class="sr-only"> 份</span></a>' in page
    assert '待区县（产业）审核<span class="sr-only">，共 </span><span class="count">3</span><span class="sr-only"> 份</span>' in page
    assert '全部<span class="count">' not in page


def test_the_first_page_leaves_the_live_region_empty(reviewer, waiting):
    page = reviewer.get("/staff/?status=pending_district").text
    assert ANNOUNCE.findall(page) == [""]
    # Outside the part htmx swaps: after the closing tag of #queue's content.
    assert page.index('id="queue-announce"') > page.index('<nav class="status-tabs"')
    assert page.index('id="queue-announce"') > page.rindex("</form>")


def test_a_filter_change_announces_the_new_count(reviewer, waiting):
    swapped = reviewer.get("/staff/?status=pending_district", HTTP_HX_REQUEST="true").text
    assert ANNOUNCE.findall(swapped) == ["列表已更新，共 3 份"]
    assert 'id="queue"' in swapped  # the list htmx takes (hx-select) is still there
    narrowed = reviewer.get("/staff/?status=pending_district&q=张晓", HTTP_HX_REQUEST="true").text
    assert ANNOUNCE.findall(narrowed) == ["列表已更新，共 1 份"]
    none = reviewer.get("/staff/?status=pending_district&q=不存在", HTTP_HX_REQUEST="true").text
    assert ANNOUNCE.findall(none) == ["列表已更新，共 0 份"]


def test_the_page_is_announced_only_when_there_are_several(reviewer, campaign, business_day, xihu):
    for _ in range(51):
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_district")
    second = reviewer.get("/staff/?status=pending_district&page=2", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true").text
    assert ANNOUNCE.findall(second) == ["列表已更新，共 51 份，第 2/2 页"]
    every = reviewer.get("/staff/?status=pending_district&per=100", HTTP_HX_REQUEST="true").text
    assert ANNOUNCE.findall(every) == ["列表已更新，共 51 份"]
