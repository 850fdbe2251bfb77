"""The self-check on a 360 px phone is answered in place, however quickly the worker checks
again: a second 开始自测 right after an answer is drawn (before htmx settled it, late on a busy
phone) went as a whole-page POST, the page reloaded at its top and the answer not brought into
view; a second one while the first's answer is on its way was dropped, and the first's answer
put its own values back into the form. Now the answer settles at once and the last check wins."""

from __future__ import annotations

import threading
import time

import pytest

from rewards.web.worker import views

from .conftest import HEIGHT, WIDTH, fill_self_check, fits, screenshot
from .test_queue_keyboard import ON_ITS_WAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def quiet(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("window.onItsWay === 0 && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def check_page(live_server, page_factory):  # type: ignore[no-untyped-def]
    """The self-check on a phone, the requests on their way counted (``ON_ITS_WAY``)."""
    page = page_factory(width=WIDTH, height=HEIGHT)
    page.add_init_script(ON_ITS_WAY)
    page.goto(live_server.url + "/worker/check")
    return page


def test_a_check_made_again_at_once_is_answered_in_place(member, live_server, page_factory):
    page = check_page(live_server, page_factory)
    # A busy phone: htmx's settling, when it wires the redrawn form, comes late.
    page.evaluate("htmx.config.defaultSettleDelay = 5000; window.samePage = true")
    fill_self_check(page, member, issued="2020-06-30")
    page.click("#check-submit")
    page.wait_for_selector("#check-result.ok")
    page.fill("#id_certificate_issue_date", "2018-06-30")  # before the window: not eligible
    page.click("#check-submit")
    page.wait_for_selector("#check-result.bad")
    quiet(page)
    assert page.evaluate("window.samePage === true"), "the second check reloaded the page"
    assert page.url.endswith("/worker/check")
    assert page.input_value("#id_certificate_issue_date") == "2018-06-30"
    assert page.locator("#check-result .w-checks li.fail").count() >= 1
    assert page.evaluate("document.activeElement.id") == "check-result"  # read out, brought into view
    # Scrolled (smoothly) up to the answer's top (a fraction of a pixel above it).
    page.wait_for_function(
        f"(() => {{ const top = document.getElementById('check-result').getBoundingClientRect().top; return top > -1 && top < {HEIGHT}; }})()"
    )
    fits(page)
    screenshot(page, "14b-worker-check-again")


def test_a_check_made_while_the_first_answer_is_on_its_way_is_the_one_drawn(member, live_server, page_factory, monkeypatch):
    answered = threading.Event()
    plain = views.page

    def slow(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = plain(request, *args, **kwargs)
        if request.POST.get("certificate_issue_date") == "2020-06-30":
            time.sleep(0.8)
            answered.set()
        return response

    monkeypatch.setattr(views, "page", slow)
    page = check_page(live_server, page_factory)
    page.evaluate("window.samePage = true")
    fill_self_check(page, member, issued="2020-06-30")
    page.click("#check-submit")
    page.wait_for_function("window.onItsWay === 1")
    page.fill("#id_certificate_issue_date", "2018-06-30")
    page.click("#check-submit")
    assert answered.wait(5)
    quiet(page)
    assert page.evaluate("window.samePage === true")
    assert page.input_value("#id_certificate_issue_date") == "2018-06-30"
    assert page.locator("#check-result.bad").count() == 1 and page.locator("#check-result.ok").count() == 0
