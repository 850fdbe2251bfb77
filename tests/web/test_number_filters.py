"""``yuan`` and ``thousands``: amounts and counts on the pages, grouped in thousands (12,345)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rewards.web.templatetags.money import thousands, yuan


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (999, "999"), (1000, "1,000"), (12345, "12,345"), (1_000_000, "1,000,000"), (-1200, "-1,200"), (None, ""), ("", "")],
)
def test_counts_are_grouped_from_a_thousand(value, shown):
    assert thousands(value) == shown


@pytest.mark.parametrize("value", ["—", "12345", True, Decimal("1234.5")])
def test_what_is_not_a_count_is_shown_as_it_is(value):
    assert thousands(value) == str(value)


def test_amounts_keep_two_decimals():
    assert yuan(Decimal("12345")) == "12,345.00" and yuan(None) == ""
