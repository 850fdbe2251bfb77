"""Every list htmx redraws in place from a filter form that pushes the address (the review queue,
the audit log) follows the pattern that keeps quick choices consistent: one request at a time for
everything that redraws it (``hx-sync`` on a wrapper outside the redrawn part, never on the form,
which the redraw replaces), each redraw settled at once (``settle:0ms``: htmx wires the new form
when it settles, and a change made before that was never sent), and an id on every control, by
which htmx puts the keyboard's focus back. The browser tests show each in motion."""

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
