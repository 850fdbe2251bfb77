"""The campaign tests' business day inside the declaration window."""

from __future__ import annotations

import pytest

BEFORE_DEADLINE = "2020-08-20"


@pytest.fixture
def open_for_declarations(business_day):  # type: ignore[no-untyped-def]
    business_day(BEFORE_DEADLINE)
    return business_day
