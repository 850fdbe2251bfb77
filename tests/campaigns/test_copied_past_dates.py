"""A copy into a later year may leave a deadline behind the day it is made (2020 copied into
2026 in November: the occupation declarations closed on 2026-08-30). Those deadlines are named
until the administrator moves them; the opening day may be past, a deadline passing later in the
campaign's ordinary course is not a copy's doing."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.campaigns.models import Campaign
from rewards.campaigns.setup.dates import past
from rewards.campaigns.setup.selectors import copied_past_dates
from rewards.campaigns.setup.services import campaign_update
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.models import AuditEvent
from rewards.reports.audit_detail import readable_detail

D = dt.date

pytestmark = pytest.mark.django_db


def named(campaign: Campaign, today: str) -> dict[str, dt.date]:
    return {date.name: date.day for date in copied_past_dates(campaign, D.fromisoformat(today))}


# --- which dates, and when a deadline is past ---------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(D(2026, 8, 30), {}, id="申报截止日当天：未过"),
        pytest.param(D(2026, 8, 31), {"declaration_deadline": D(2026, 8, 30)}, id="截止次日：已过"),
        pytest.param(D(2026, 12, 15), {"declaration_deadline": D(2026, 8, 30)}, id="奖励申报截止日当天：未过"),
        pytest.param(D(2026, 12, 16), {"application_deadline": D(2026, 12, 15), "declaration_deadline": D(2026, 8, 30)}, id="两个都过"),
    ],
)
def test_a_deadline_is_past_from_the_day_after_it(today, expected):  # type: ignore[no-untyped-def]
    values = {
        "opens_on": D(2026, 3, 26),
        "application_deadline": D(2026, 12, 15),
        "main_window_end": D(2026, 11, 30),
        "declaration_deadline": D(2026, 8, 30),
    }
    assert {date.name: date.day for date in past(values, today)} == expected


def test_the_opening_day_and_the_windows_are_never_named_nor_a_missing_declaration_deadline():  # type: ignore[no-untyped-def]
    values = {"opens_on": D(2020, 3, 26), "main_window_end": D(2020, 11, 30), "application_deadline": D(2027, 1, 1)}
    assert past({**values, "declaration_deadline": None}, D(2026, 11, 27)) == []


def test_the_dates_come_in_the_order_of_the_page():  # type: ignore[no-untyped-def]
    dates = past({"declaration_deadline": D(2026, 8, 30), "application_deadline": D(2026, 10, 31)}, D(2026, 11, 27))
    assert [(date.label, date.day) for date in dates] == [("奖励申报截止日", D(2026, 10, 31)), ("非通用性职业申报截止日", D(2026, 8, 30))]


# --- what a copy leaves behind -------------------------------------------------------------------


def test_2020_copied_into_2026_in_november_names_the_declaration_deadline(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-11-27")
    copied = campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)

    entry = AuditEvent.objects.get(action="campaign.copy")
    assert entry.detail["past"] == {"declaration_deadline": "2026-08-30"}
    assert entry.detail["dates"]["declaration_deadline"] == {"old": "2020-08-30", "new": "2026-08-30"}
    assert named(copied, "2026-11-27") == {"declaration_deadline": D(2026, 8, 30)}
    # The opening day (2026-03-26) is past too: applications are open, nothing to move.
    assert copied.opens_on < clock.today()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2026-08-30", set(), id="复制当天是申报截止日"),
        pytest.param("2026-08-31", {"declaration_deadline"}, id="截止次日复制"),
        pytest.param("2026-12-15", {"declaration_deadline"}, id="复制当天是奖励申报截止日"),
        pytest.param("2026-12-16", {"declaration_deadline", "application_deadline"}, id="奖励申报截止次日复制"),
    ],
)
def test_the_boundaries_on_the_day_of_the_copy(campaign, administrator, business_day, day, expected):  # type: ignore[no-untyped-def]
    business_day(day)
    copied = campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)

    assert set(named(copied, day)) == expected
    assert set(AuditEvent.objects.get(action="campaign.copy").detail["past"]) == expected


def test_a_moved_deadline_is_no_longer_named_even_to_another_past_day(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-12-20")
    copied = campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)
    assert set(named(copied, "2026-12-20")) == {"application_deadline", "declaration_deadline"}

    campaign_update(year=2026, values={"application_deadline": D(2026, 12, 31)}, acting_user=administrator)
    copied.refresh_from_db()
    assert set(named(copied, "2026-12-20")) == {"declaration_deadline"}
    # Moved to another day already past: chosen by the administrator, not left by the copy.
    campaign_update(year=2026, values={"declaration_deadline": D(2026, 9, 30)}, acting_user=administrator)
    copied.refresh_from_db()
    assert named(copied, "2026-12-20") == {}


def test_a_deadline_that_passes_after_the_copy_is_not_named(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-11-27")
    campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)
    business_day("2026-12-01")
    copied = campaign_copy(from_year=2026, to_year=2027, acting_user=administrator)
    assert AuditEvent.objects.filter(action="campaign.copy").first().detail["past"] == {}

    # September 2027: the 2027 declarations closed on 30 August as copied, in the ordinary course.
    business_day("2027-09-01")
    assert named(copied, "2027-09-01") == {}


def test_a_campaign_never_copied_names_nothing(campaign):  # type: ignore[no-untyped-def]
    assert named(campaign, "2026-11-27") == {}


def test_a_copy_audited_before_the_entry_named_them_is_read_from_its_dates_and_day(campaign):  # type: ignore[no-untyped-def]
    """An entry written before ``past`` was recorded: its dates against the day it was written."""
    today = clock.now().astimezone(clock.SHANGHAI).date()
    copied = Campaign.objects.create(
        year=2026,
        title="复制的",
        opens_on=today - dt.timedelta(days=200),
        application_deadline=today - dt.timedelta(days=1),
        main_window_start=today - dt.timedelta(days=365),
        main_window_end=today - dt.timedelta(days=2),
        declaration_deadline=today - dt.timedelta(days=90),
    )
    dates = {
        "opens_on": {"old": "2020-03-26", "new": copied.opens_on.isoformat()},
        "application_deadline": {"old": "2020-12-15", "new": copied.application_deadline.isoformat()},
    }
    audit("campaign.copy", obj=copied, actor_label="cli", detail={"from_year": 2020, "to_year": 2026, "dates": dates})

    # Its dates did not include the declaration deadline: only the application deadline is known.
    assert named(copied, today.isoformat()) == {"application_deadline": copied.application_deadline}


def test_the_auditor_reads_which_deadlines_the_copy_left_behind(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-11-27")
    campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)
    business_day("2026-12-01")
    campaign_copy(from_year=2026, to_year=2027, acting_user=administrator)

    into_2026, into_2027 = (AuditEvent.objects.get(action="campaign.copy", detail__to_year=year) for year in (2026, 2027))
    said = readable_detail(into_2026.detail, action="campaign.copy").splitlines()
    assert "复制时已过的截止日：非通用性职业申报截止日（含当日）：2026-08-30" in said
    assert "复制时已过的截止日：无" in readable_detail(into_2027.detail, action="campaign.copy").splitlines()
