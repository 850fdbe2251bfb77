"""The colour pairs of the status badges, signals and tags in site.css, read from the file and
held to WCAG AA for normal text (4.5:1): every one of them is small text on its own background."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = re.sub(
    r"/\*.*?\*/",
    "",
    (Path(__file__).resolve().parents[2] / "rewards" / "web" / "static" / "web" / "site.css").read_text(encoding="utf-8"),
    flags=re.S,
)
#: The rules whose text sits on their own background, as the pages show them.
BADGES = [
    ".status-pending_grassroots",
    ".status-approved",
    ".status-payment_failed",
    ".status-returned",
    ".status-withdrawn",
    ".signal",
    ".signal.hard",
    ".signal.resolved",
    ".tag",
    ".tag.warn",
    ".tag.ok",
    ".badge",
    ".badge.muted",
    ".status-tabs .tab.active .count",
]


def variables() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def declaration(selector: str, prop: str) -> str | None:
    """The last value of ``prop`` in a rule whose selector list names ``selector`` exactly."""
    found = None
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", CSS):
        if selector in [part.strip() for part in selectors.split(",")]:
            match = re.search(rf"(?:^|;|\s){prop}\s*:\s*([^;]+)", body)
            if match:
                found = match.group(1).strip()
    return found


def colour(value: str) -> tuple[int, int, int]:
    named = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if named:
        value = variables()[named.group(1)]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):  # #eee is #eeeeee
        value = "#" + "".join(c * 2 for c in value[1:])
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), value
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def contrast(one: tuple[int, int, int], two: tuple[int, int, int]) -> float:
    def luminance(rgb: tuple[int, int, int]) -> float:
        parts = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ratio_is_computed_as_wcag_defines_it():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 2) == 21.0
    assert round(contrast((0x61, 0x6E, 0x7C), (0xEE, 0xEE, 0xEE)), 2) == 4.49  # --muted on #eee: just outside
    assert round(contrast((0x76, 0x76, 0x76), (255, 255, 255)), 2) == 4.54  # the lightest grey on white inside


@pytest.mark.parametrize("selector", BADGES)
def test_badge_text_meets_aa_on_its_background(selector):
    base = "." + selector.split(".")[1]  # .signal.hard falls back on .signal for what it does not set
    fore = declaration(selector, "color") or declaration(base, "color")
    back = declaration(selector, "background") or declaration(base, "background")
    assert fore and back, selector
    assert contrast(colour(fore), colour(back)) >= 4.5, (selector, fore, back, round(contrast(colour(fore), colour(back)), 2))
