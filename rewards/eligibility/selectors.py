"""Builds the rules' inputs from campaign data and the registries (reads only)."""

from __future__ import annotations

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import approved_occupation_keys, level_amounts
from rewards.core import crypto
from rewards.core.vocab import Status
from rewards.organisations.models import OrgKind
from rewards.registries.models import ImportKind, ImportRun, Member, PastAward

from .facts import CampaignTerms, IssuerTerms, MemberFacts, PriorApplication, RegistryFacts


def _issuer_terms(campaign: Campaign, union_id: int | None) -> IssuerTerms:
    return IssuerTerms(
        year=campaign.year,
        counted_issuers=frozenset(campaign.counted_issuers or ()),
        occupation_issuers=frozenset(campaign.occupation_issuers or ()),
        approved_occupations=approved_occupation_keys(campaign, union_id),
    )


def campaign_terms(campaign: Campaign, *, union_id: int | None) -> CampaignTerms:
    makeup = None
    if campaign.has_makeup_window:
        makeup = (campaign.makeup_window_start, campaign.makeup_window_end)
    previous = Campaign.objects.filter(year=campaign.previous_year).first() if campaign.previous_year else None
    return CampaignTerms(
        year=campaign.year,
        opens_on=campaign.opens_on,
        application_deadline=campaign.application_deadline,
        resubmission_grace_days=campaign.resubmission_grace_days,
        main_window=(campaign.main_window_start, campaign.main_window_end),
        makeup_window=makeup,  # type: ignore[arg-type]
        previous_year=campaign.previous_year,
        amounts=level_amounts(campaign),
        issuers=_issuer_terms(campaign, union_id),
        previous_issuers=_issuer_terms(previous, union_id) if previous else None,
    )


def member_facts(id_hash: str) -> MemberFacts | None:
    member = (
        Member.objects.filter(id_hash=id_hash)
        .select_related("union", "union__parent")
        .only("name", "verified", "union__name", "union__kind", "union__parent__kind")
        .first()
    )
    if member is None:
        return None
    union = member.union
    under_city = union.kind == OrgKind.DISTRICT and union.parent is not None and union.parent.kind == OrgKind.CITY
    return MemberFacts(name=member.name, verified=member.verified, union_id=union.pk, union_name=union.name, union_under_city=under_city)


def registry_facts(
    campaign: Campaign,
    *,
    id_hash: str,
    member: MemberFacts | None,
    exclude_application_id: int | None = None,
    mode: str = "new",
    returned_on=None,  # type: ignore[no-untyped-def]
) -> RegistryFacts:
    previous_year = campaign.previous_year
    roster_available = participation = False
    if previous_year:
        previous_campaign = Campaign.objects.filter(year=previous_year).first()
        roster_available = (
            previous_campaign is not None
            or ImportRun.objects.filter(kind=ImportKind.AWARDS, year=previous_year, finished_at__isnull=False).exists()
        )
        participation = PastAward.objects.filter(year=previous_year, id_hash=id_hash).exists()
        if not participation and previous_campaign is not None:
            participation = (
                Application.objects.filter(campaign=previous_campaign, id_hash=id_hash).exclude(status=Status.WITHDRAWN).exists()
            )
    same = Application.objects.filter(campaign=campaign, id_hash=id_hash).exclude(status=Status.WITHDRAWN)
    if exclude_application_id:
        same = same.exclude(pk=exclude_application_id)
    prior = tuple(PriorApplication(application_no=no, status=status) for no, status in same.values_list("application_no", "status"))
    return RegistryFacts(
        member=member,
        previous_roster_available=roster_available,
        previous_participation=participation,
        same_campaign=prior,
        mode=mode,
        returned_on=returned_on,
    )


def id_hash_of(id_number: str) -> str:
    return crypto.blind_index("id", id_number)
