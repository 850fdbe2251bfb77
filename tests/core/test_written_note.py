"""``written_note``: the reasons, opinions and notes people write. A required one cannot be
given as characters nobody can see; what can be read is kept as written."""

from __future__ import annotations

import pytest

from rewards.core.text import written_note


@pytest.mark.parametrize(
    "unreadable",
    [
        "\u200b",  # zero-width space
        "\u200c\u200d",  # zero-width (non-)joiner
        "\ufeff",  # byte-order mark
        "\u2060",  # word joiner
        "\u200e\u200f\u202e",  # direction marks and override
        "\x00\x07\x1b",  # control characters
        " \u3000\t\r\n",  # white space of every width
        None,
    ],
)
def test_what_nobody_can_read_is_nothing(unreadable):
    assert written_note(unreadable) == ""


def test_what_can_be_read_is_kept_with_its_lines():
    assert written_note("  证书照片\u200b模糊，\r\n请重新上传。\r第二行\t完  ") == "证书照片模糊，\n请重新上传。\n第二行\t完"
    assert written_note("（全角括号）ＡＢＣ 😀") == "（全角括号）ＡＢＣ 😀"  # no width folding: written as written
