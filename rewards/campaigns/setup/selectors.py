"""What the set-up pages and the lock rule read: how far a campaign is in use, the
district-level unions a campaign may list, the roster a make-up refers to, and the deadlines a
copy left in the past."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign, CampaignUnit, DeclarationStatus, OccupationDeclaration
from rewards.core.clock import SHANGHAI
from rewards.core.models import AuditEvent
from rewards.organisations.models import Organisation, OrgKind
from rewards.organisations.selectors import city_union
from rewards.registries.models import ImportRun
from rewards.registries.selectors import roster_import

from .dates import NOT_PAST, PastDate

#: Declarations that hold one of a union's places (a rejected one frees its place).
HOLDING_PLACE = (DeclarationStatus.PENDING, DeclarationStatus.APPROVED)


@dataclass(frozen=True)
class CampaignUsage:
    """How far a campaign is in use: what the lock rule (``services``) asks."""

    applications: int = 0
    applications_by_union: dict[int, int] = field(default_factory=dict)
    declarations: int = 0
    declarations_by_union: dict[int, int] = field(default_factory=dict)
    #: The most declarations one union holds (pending and approved).
    most_declared: int = 0

    @property
    def locked(self) -> bool:
        """Any application, in any status, fixes what decided it."""
        return self.applications > 0


def campaign_usage(campaign: Campaign) -> CampaignUsage:
    by_union = dict(
        Application.objects.filter(campaign=campaign).order_by().values("union_id").annotate(n=Count("pk")).values_list("union_id", "n")
    )
    declarations = Counter(
        dict(
            OccupationDeclaration.objects.filter(campaign=campaign)
            .order_by()
            .values("union_id")
            .annotate(n=Count("pk"))
            .values_list("union_id", "n")
        )
    )
    holding = (
        OccupationDeclaration.objects.filter(campaign=campaign, status__in=HOLDING_PLACE)
        .order_by()
        .values("union_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    return CampaignUsage(
        applications=sum(by_union.values()),
        applications_by_union=by_union,
        declarations=sum(declarations.values()),
        declarations_by_union=dict(declarations),
        most_declared=max(holding, default=0),
    )


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    units: int
    guidance_total: int
    applications: int


def campaign_summaries() -> list[CampaignSummary]:
    """Every campaign, newest first, with its units, guidance total and applications (3 queries)."""
    campaigns = list(Campaign.objects.order_by("-year"))
    units: dict[int, tuple[int, int]] = {
        row["campaign_id"]: (row["n"], row["total"] or 0)
        for row in CampaignUnit.objects.order_by().values("campaign_id").annotate(n=Count("pk"), total=Sum("guidance"))
    }
    applications = dict(Application.objects.order_by().values("campaign_id").annotate(n=Count("pk")).values_list("campaign_id", "n"))
    return [
        CampaignSummary(
            campaign=campaign,
            units=units.get(campaign.pk, (0, 0))[0],
            guidance_total=units.get(campaign.pk, (0, 0))[1],
            applications=applications.get(campaign.pk, 0),
        )
        for campaign in campaigns
    ]


def district_unions() -> list[Organisation]:
    """The district/industry unions directly under the city union: what a campaign may list."""
    city = city_union()
    if city is None:
        return []
    return list(Organisation.objects.filter(kind=OrgKind.DISTRICT, parent=city).order_by("position", "name"))


@dataclass(frozen=True)
class MakeupRoster:
    """What the make-up rule reads of the year it refers to (decision 3): that year's campaign in
    the system, else an imported roster; without either every make-up application is refused
    as “名单尚未导入” (a deployment that starts in a later year has neither until it imports)."""

    year: int
    in_system: bool
    imported: ImportRun | None

    @property
    def missing(self) -> bool:
        return not self.in_system and self.imported is None


def makeup_roster(campaign: Campaign) -> MakeupRoster | None:
    if not campaign.previous_year or not campaign.has_makeup_window:
        return None
    year = campaign.previous_year
    in_system = Campaign.objects.filter(year=year).exists()
    return MakeupRoster(year=year, in_system=in_system, imported=None if in_system else roster_import(year))


def copied_past_dates(campaign: Campaign, today: dt.date) -> list[PastDate]:
    """The deadlines a copy into a later year put before the day it was made and that still
    hold that day (read from the copy's audit entry): the administrator has to move them. A
    deadline that passes later, in the campaign's ordinary course, is not named, nor one moved
    since (even to another past day: that was chosen)."""
    entry = (
        AuditEvent.objects.filter(action="campaign.copy", object_type=Campaign._meta.label_lower, object_id=str(campaign.pk))
        .order_by("-id")
        .only("at", "detail")
        .first()
    )
    if entry is None:
        return []
    detail = entry.detail or {}
    copied: dict[str, str] | None = detail.get("past")
    if copied is None:  # a copy made before the entry named them: its dates and its day
        made_on = entry.at.astimezone(SHANGHAI).date().isoformat()
        shifted = detail.get("dates") or {}
        copied = {
            name: shifted[name]["new"] for name in NOT_PAST if (shifted.get(name) or {}).get("new") and shifted[name]["new"] < made_on
        }
    found = []
    for name, label in NOT_PAST.items():
        day = getattr(campaign, name)
        if name in copied and day is not None and day.isoformat() == copied[name] and day < today:
            found.append(PastDate(name=name, label=label, day=day))
    return found
