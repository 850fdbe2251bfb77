"""Reads of campaigns, and the campaign snapshot that the eligibility rules read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from rewards.core import clock
from rewards.core.errors import InvalidInput, NotFound
from rewards.core.memo import ttl_memo

from .models import Campaign, CampaignUnit, DeclarationStatus, OccupationDeclaration


def current_campaign(*, today: dt.date | None = None) -> Campaign | None:
    """The campaign whose opening date ≤ today ≤ its deadline (plus the grace), else the latest by year."""
    return _current_campaign(today or clock.today())


@ttl_memo(ttl=5.0)
def _current_campaign(today: dt.date) -> Campaign | None:
    for campaign in Campaign.objects.filter(opens_on__lte=today).order_by("-year"):
        if today <= campaign.application_deadline + dt.timedelta(days=campaign.resubmission_grace_days):
            return campaign
    return Campaign.objects.order_by("-year").first()


def require_current_campaign() -> Campaign:
    campaign = current_campaign()
    if campaign is None:
        raise NotFound("目前没有奖励活动。")
    return campaign


def campaign_by_year(year: int) -> Campaign | None:
    return Campaign.objects.filter(year=year).first()


def level_amounts(campaign: Campaign) -> dict[str, Decimal]:
    return {row.level: row.amount for row in campaign.level_awards.all()}


def campaign_units(campaign: Campaign) -> list[CampaignUnit]:
    return list(CampaignUnit.objects.filter(campaign=campaign).select_related("organisation").order_by("position"))


def approved_occupation_keys(campaign: Campaign, union_id: int | None) -> frozenset[str]:
    """Non-generic occupations the city approved for one union in one campaign."""
    if union_id is None:
        return frozenset()
    rows = OccupationDeclaration.objects.filter(
        Q(campaign=campaign) & Q(union_id=union_id) & Q(status=DeclarationStatus.APPROVED)
    ).values_list("occupation_key", flat=True)
    return frozenset(rows)


YEAR_MESSAGE = "年度应为四位数字，例如 2020。"


def parse_year(year: object, *, field: str = "year") -> int | None:
    """A ``year`` parameter as a number (None when empty); 400 when it is not four digits.

    The one check every page, export and API parameter that names a campaign's year goes
    through: ``2020x`` or ``20201`` is refused, never cut to its first four characters."""
    text = str(year).strip() if year is not None else ""
    if not text:
        return None
    if not (text.isdecimal() and len(text) == 4):  # "²⁰²⁰" is digits, not a number
        raise InvalidInput(fields={field: [YEAR_MESSAGE]})
    return int(text)


def campaign_for_year(year: object, *, field: str = "year") -> Campaign:
    """The campaign a ``year`` parameter names (the current one when empty): 400 when malformed, 404 when absent."""
    number = parse_year(year, field=field)
    if number is None:
        return require_current_campaign()
    campaign = campaign_by_year(number)
    if campaign is None:
        raise NotFound(f"没有{number}年度的奖励活动。")
    return campaign
