"""Writes to campaigns."""

from __future__ import annotations

from django.db import transaction

from rewards.core.audit import audit
from rewards.organisations.models import OrgKind
from rewards.organisations.services import organisation_ensure

from . import notice_2020
from .models import Campaign, CampaignUnit, LevelAward

KNOWN_NOTICES = {2020: notice_2020}


@transaction.atomic
def campaign_load_notice(*, year: int, acting_user=None) -> tuple[Campaign, bool]:  # type: ignore[no-untyped-def]
    """Writes a published notice exactly as issued; running it again changes nothing.

    Returns ``(campaign, changed)``.
    """
    notice = KNOWN_NOTICES[year]
    city, city_created = organisation_ensure(name=notice.CITY_UNION, kind=OrgKind.CITY, parent=None)
    changed = city_created
    campaign = Campaign.objects.select_for_update().filter(year=year).first()
    if campaign is None:
        campaign = Campaign.objects.create(**notice.CAMPAIGN)
        changed = True
    else:
        for field, value in notice.CAMPAIGN.items():
            if getattr(campaign, field) != value:
                setattr(campaign, field, value)
                changed = True
        if changed:
            campaign.save()
    for level, amount in notice.LEVEL_AMOUNTS.items():
        award, created = LevelAward.objects.get_or_create(campaign=campaign, level=level, defaults={"amount": amount})
        if not created and award.amount != amount:
            award.amount = amount
            award.save(update_fields=["amount"])
            changed = True
        changed |= created
    for position, (name, guidance) in enumerate(notice.ANNEX1_UNITS, start=1):
        unit, created = organisation_ensure(name=name, kind=OrgKind.DISTRICT, parent=city, position=position)
        changed |= created
        row = CampaignUnit.objects.filter(campaign=campaign, organisation=unit).first()
        if row is None:
            CampaignUnit.objects.create(campaign=campaign, organisation=unit, guidance=guidance, position=position)
            changed = True
        elif (row.guidance, row.position) != (guidance, position):
            row.guidance, row.position = guidance, position
            row.save(update_fields=["guidance", "position"])
            changed = True
    if changed:
        audit("campaign.load_notice", actor=acting_user, obj=campaign, detail={"year": year}, actor_label="" if acting_user else "cli")
    return campaign, changed
