"""Every list htmx redraws in place from a filter form that pushes the address (the review queue,
the audit log) follows the pattern that keeps quick choices consistent: one request at a time for
everything that redraws it (``hx-sync`` on a wrapper outside the redrawn part, never on the form,
which the redraw replaces), each redraw settled at once (``settle:0ms``: htmx wires the new form
when it settles, and a change made before that was never sent), and an id on every control, by
which htmx puts the keyboard's focus back. On the queue a status tab or a page asks with the filter
form's values as they stand, not those its link carries from the last drawing (a filter changed
while its answer is on its way is aborted by the tab, and was lost): its hx-get names its own
parameter alone and the form's controls come in by hx-include (status left out for a tab), so
no parameter is sent twice; its href keeps the whole query for a browser without JavaScript.
The audit log's pager does the same with its cursor, and names the filters the cursor was drawn
under (``of``): a cursor is an id in one search's order, and the view starts a search changed
meanwhile at its newest entries. The browser tests show each in motion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "rewards" / "web" / "templates"
REDRAWN = sorted(path for path in TEMPLATES.rglob("*.html") if 'hx-push-url="true"' in path.read_text(encoding="utf-8"))
TAG = re.compile(r"<(form|nav|div|a)\b[^>]*>", re.S)


def test_the_pattern_is_found_where_it_is_used() -> None:
    assert [path.relative_to(TEMPLATES).as_posix() for path in REDRAWN] == ["staff/audit/log.html", "staff/queue.html"]


@pytest.mark.parametrize("path", REDRAWN, ids=lambda path: path.parent.name + "/" + path.name)
def test_a_redrawn_list_syncs_on_a_wrapper_settles_at_once_and_names_its_controls(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    redraws = [match.group(0) for match in TAG.finditer(text) if "hx-target=" in match.group(0)]
    assert len(redraws) >= 2  # the filter form and the pager (and the queue's status tabs)
    target = re.search(r'hx-target="#([\w-]+)"', redraws[0])
    assert target is not None
    wrapper = f'<div class="{target.group(1)}-region" hx-sync="this:replace">\n<div id="{target.group(1)}"'
    assert wrapper in text, "the wrapper holding hx-sync sits right outside the redrawn element"
    assert text.count("hx-sync=") == 1  # the wrapper's alone
    for tag in redraws:
        assert "hx-sync" not in tag and 'hx-swap="outerHTML settle:0ms"' in tag, tag
    form = text[text.index("hx-push-url") : text.index("</form>", text.index("hx-push-url"))]
    controls = re.findall(r"<(?:select|input|button)\b[^>]*>", form)
    assert controls
    for control in controls:
        assert 'type="hidden"' in control or " id=" in control, control


QUEUE = TEMPLATES / "staff" / "queue.html"
NAV = re.compile(r"<nav\b[^>]*hx-target=[^>]*>.*?</nav>", re.S)


def test_the_queues_tabs_and_pager_ask_with_the_forms_values_each_named_once() -> None:
    text = QUEUE.read_text(encoding="utf-8")
    # The queue's address is reversed once for the page (decision 292) and read back as a variable.
    assert text.count("{% url 'staff:queue' as queue_url %}") == 1
    text = text.replace("{{ queue_url }}", "{% url 'staff:queue' %}")
    navs = {re.search(r'class="([\w-]+)"', nav).group(1): nav for nav in NAV.findall(text)}  # type: ignore[union-attr]
    assert sorted(navs) == ["pager", "status-tabs"]
    own = {"status-tabs": "status", "pager": "page"}
    for name, nav in navs.items():
        opening = nav[: nav.index(">") + 1]
        assert "hx-boost" not in opening and 'hx-push-url="true"' in opening, opening  # a boosted link adds the form to its whole href
        include = re.search(r'hx-include="([^"]+)"', opening)
        assert include is not None, opening
        excluded = ":not([name=status])" in include.group(1)
        assert include.group(1).startswith("#queue .filters") and excluded == (name == "status-tabs"), include.group(1)
        links = re.findall(r"<a\b[^>]*>", nav)
        assert links, nav
        for link in links:
            assert "href=\"{% url 'staff:queue' %}?{{" in link, link  # without JavaScript: the filters as drawn
            get = re.search(r'hx-get="([^"]+)"', link)
            assert get is not None, link
            assert re.fullmatch(r"\{% url 'staff:queue' %\}\?" + own[name] + r"=\{\{[^}&]+\}\}", get.group(1)), get.group(1)
    names = set(re.findall(r'<(?:select|input)\b[^>]*\bname="(\w+)"', text[: text.index("</form>")]))
    assert "page" not in names and "status" in names  # a page's own parameter is not in the form; a tab's is, left out


AUDIT_LOG = TEMPLATES / "staff" / "audit" / "log.html"


def test_the_audit_logs_pager_asks_with_the_forms_values_and_names_its_cursors_filters() -> None:
    text = AUDIT_LOG.read_text(encoding="utf-8")
    navs = NAV.findall(text)
    assert len(navs) == 1 and 'class="pager"' in navs[0]
    opening = navs[0][: navs[0].index(">") + 1]
    assert "hx-boost" not in opening and 'hx-push-url="true"' in opening, opening
    assert 'hx-include="#audit .filters"' in opening and 'hx-target="#audit"' in opening, opening
    links = {re.search(r'id="([\w-]+)"', link).group(1): link for link in re.findall(r"<a\b[^>]*>", navs[0])}  # type: ignore[union-attr]
    assert sorted(links) == ["pager-latest", "pager-newer", "pager-older"]
    own = {
        "pager-latest": "",  # the newest entries: no cursor
        "pager-newer": r"\?after=\{\{ page.newer_than \}\}&amp;of=\{\{ cursor_of \}\}",
        "pager-older": r"\?before=\{\{ page.older_than \}\}&amp;of=\{\{ cursor_of \}\}",
    }
    for name, link in links.items():
        assert "href=\"{% url 'staff:audit' %}?{{" in link, link  # without JavaScript: the filters as drawn
        get = re.search(r'hx-get="([^"]+)"', link)
        assert get is not None, link
        assert re.fullmatch(r"\{% url 'staff:audit' %\}" + own[name], get.group(1)), get.group(1)
    form = text[text.index('<form class="filters') : text.index("</form>", text.index('<form class="filters'))]
    names = set(re.findall(r'<(?:select|input)\b[^>]*\bname="(\w+)"', form))
    assert names and not names & {"before", "after", "of"}  # the cursor and its filters are the link's alone


def test_the_chain_checks_steps_settle_at_once_one_at_a_time() -> None:
    """The chain check's progress form, redrawn in place with each step's answer: see
    tests/browser/test_audit_pages.py for a 继续校验 pressed inside the gap."""
    text = (TEMPLATES / "staff" / "audit" / "verify.html").read_text(encoding="utf-8")
    form = re.search(r"<form\b[^>]*hx-post=[^>]*>", text)
    assert form is not None and 'hx-target="#verify-panel"' in form.group(0)
    assert 'hx-swap="outerHTML settle:0ms"' in form.group(0) and text.count("hx-sync=") == 1
    assert re.search(r'<div class="verify-region" hx-sync="this:[a-z]+">\n<section id="verify-panel"', text)
    assert re.search(r'<button type="submit" class="button" id="verify-continue">', text)
    # A check is started once however often its button is pressed (staff-forms.js): started twice,
    # a log checked in one step was recorded twice.
    starts = re.findall(
        r"<form method=\"post\" action=\"\{% url 'staff:audit_verify' %\}\"[^>]*>", text + AUDIT_LOG.read_text(encoding="utf-8")
    )
    assert len(starts) == 4 and all("data-once" in form for form in starts if "hx-post" not in form), starts


def test_the_self_check_is_answered_in_place_settled_at_once_the_last_check_drawn() -> None:
    """The worker's self-check, an hx-post form redrawn with its answer: a check made before the
    answer settled went as a whole-page POST, one made while an answer was on its way was dropped
    (tests/browser/test_worker_check_in_place.py)."""
    area = (TEMPLATES / "worker" / "_check_area.html").read_text(encoding="utf-8")
    page = (TEMPLATES / "worker" / "check.html").read_text(encoding="utf-8")
    form = re.search(r"<form\b[^>]*hx-post=[^>]*>", area)
    assert form is not None and 'hx-target="#check-area"' in form.group(0)
    assert 'hx-swap="outerHTML settle:0ms"' in form.group(0) and "hx-sync" not in area
    assert area.startswith('<div id="check-area">')
    assert '<div class="check-region" hx-sync="this:replace">\n{% include "worker/_check_area.html" %}\n</div>' in page
    assert 'id="check-submit"' in area
