"""The campaign tests' business day inside the declaration window."""

from __future__ import annotations

import pytest

from rewards.campaigns.models import Campaign
from rewards.campaigns.setup.year_copy import campaign_copy
from tests import factories

BEFORE_DEADLINE = "2020-08-20"


@pytest.fixture
def open_for_declarations(business_day):  # type: ignore[no-untyped-def]
    business_day(BEFORE_DEADLINE)
    return business_day


@pytest.fixture
def copied(campaign, administrator) -> Campaign:  # type: ignore[no-untyped-def]
    """2020 copied into 2021 by the city's administrator."""
    return campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)


@pytest.fixture
def one_application(copied, xihu):  # type: ignore[no-untyped-def]
    """One application in 2021, waiting for 西湖区's 预审: it locks what decided it."""
    return factories.make_application(campaign=copied, member=factories.make_member(union=xihu), status="pending_district")
