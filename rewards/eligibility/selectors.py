"""Builds the rules' inputs from campaign data and the registries (reads only).

The campaign side (terms, amounts, approved occupations, whether the previous roster is
available) is read once per few seconds per process (:mod:`rewards.core.memo`); the
person side is two plain SQL queries on blind indexes, because this path is the
self-check's and every submission's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db import connection

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign, DeclarationStatus, OccupationDeclaration
from rewards.campaigns.selectors import level_amounts
from rewards.core import crypto
from rewards.core.memo import ttl_memo
from rewards.core.vocab import Status
from rewards.organisations.models import Organisation, OrgKind
from rewards.registries.models import ImportKind, ImportRun, Member, PastAward

from .facts import CampaignTerms, IssuerTerms, MemberFacts, PriorApplication, RegistryFacts


@dataclass(frozen=True)
class CampaignSnapshot:
    campaign_id: int
    previous_campaign_id: int | None
    previous_year: int | None
    previous_roster_available: bool
    terms: CampaignTerms  # with no union's approved occupations filled in
    approved: dict[int, frozenset[str]]  # union id → approved occupation keys, this campaign
    previous_approved: dict[int, frozenset[str]]


def _approved_by_union(campaign_id: int) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    rows = OccupationDeclaration.objects.filter(campaign_id=campaign_id, status=DeclarationStatus.APPROVED).values_list(
        "union_id", "occupation_key"
    )
    for union_id, key in rows:
        found[union_id].add(key)
    return {union_id: frozenset(keys) for union_id, keys in found.items()}


def _issuer_terms(campaign: Campaign) -> IssuerTerms:
    return IssuerTerms(
        year=campaign.year,
        counted_issuers=frozenset(campaign.counted_issuers or ()),
        occupation_issuers=frozenset(campaign.occupation_issuers or ()),
        approved_occupations=frozenset(),
    )


@ttl_memo(ttl=5.0)
def campaign_snapshot(campaign_id: int) -> CampaignSnapshot:
    campaign = Campaign.objects.get(pk=campaign_id)
    previous = Campaign.objects.filter(year=campaign.previous_year).first() if campaign.previous_year else None
    roster = previous is not None
    if campaign.previous_year and not roster:
        roster = ImportRun.objects.filter(kind=ImportKind.AWARDS, year=campaign.previous_year, finished_at__isnull=False).exists()
    makeup = (campaign.makeup_window_start, campaign.makeup_window_end) if campaign.has_makeup_window else None
    terms = CampaignTerms(
        year=campaign.year,
        opens_on=campaign.opens_on,
        application_deadline=campaign.application_deadline,
        resubmission_grace_days=campaign.resubmission_grace_days,
        main_window=(campaign.main_window_start, campaign.main_window_end),
        makeup_window=makeup,  # type: ignore[arg-type]
        previous_year=campaign.previous_year,
        amounts=level_amounts(campaign),
        issuers=_issuer_terms(campaign),
        previous_issuers=_issuer_terms(previous) if previous else None,
    )
    return CampaignSnapshot(
        campaign_id=campaign.pk,
        previous_campaign_id=previous.pk if previous else None,
        previous_year=campaign.previous_year,
        previous_roster_available=roster,
        terms=terms,
        approved=_approved_by_union(campaign.pk),
        previous_approved=_approved_by_union(previous.pk) if previous else {},
    )


def campaign_terms(campaign: Campaign, *, union_id: int | None) -> CampaignTerms:
    """The campaign's terms with the non-generic occupations approved for ``union_id``."""
    snapshot = campaign_snapshot(campaign.pk)
    terms = snapshot.terms
    empty: frozenset[str] = frozenset()
    issuers = replace(terms.issuers, approved_occupations=snapshot.approved.get(union_id or 0, empty))
    previous = terms.previous_issuers
    if previous is not None:
        previous = replace(previous, approved_occupations=snapshot.previous_approved.get(union_id or 0, empty))
    return replace(terms, issuers=issuers, previous_issuers=previous)


def member_facts(id_hash: str) -> MemberFacts | None:
    member_table = Member._meta.db_table
    org_table = Organisation._meta.db_table
    sql = (
        f"SELECT m.name, m.verified, u.id, u.name, u.kind, p.kind, m.grassroots_union_id, m.employer FROM {member_table} m "  # noqa: S608 - table names from models  # nosec B608
        f"JOIN {org_table} u ON u.id = m.union_id LEFT JOIN {org_table} p ON p.id = u.parent_id "
        "WHERE m.id_hash = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [id_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    name, verified, union_id, union_name, union_kind, parent_kind, grassroots_union_id, employer = row
    return MemberFacts(
        name=name,
        verified=bool(verified),
        union_id=union_id,
        union_name=union_name,
        union_under_city=union_kind == OrgKind.DISTRICT and parent_kind == OrgKind.CITY,
        grassroots_union_id=grassroots_union_id,
        employer=employer or "",
    )


def _history(id_hash: str, *, campaign_id: int, previous_campaign_id: int | None, previous_year: int | None) -> list[tuple[str, str, str]]:
    """One round trip: the person's previous-year roster line, previous-campaign and this-campaign applications."""
    apps = Application._meta.db_table
    past = PastAward._meta.db_table
    parts: list[str] = []
    params: list[str | int] = []
    parts.append(f"SELECT 'same', application_no, status FROM {apps} WHERE campaign_id = %s AND id_hash = %s AND status <> %s")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
    params += [campaign_id, id_hash, Status.WITHDRAWN.value]
    if previous_year is not None:
        parts.append(f"SELECT 'roster', '', status FROM {past} WHERE year = %s AND id_hash = %s")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
        params += [previous_year, id_hash]
    if previous_campaign_id is not None:
        parts.append(f"SELECT 'previous', application_no, status FROM {apps} WHERE campaign_id = %s AND id_hash = %s AND status <> %s")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
        params += [previous_campaign_id, id_hash, Status.WITHDRAWN.value]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return list(cursor.fetchall())


def registry_facts(
    campaign: Campaign,
    *,
    id_hash: str,
    member: MemberFacts | None,
    exclude_application_id: int | None = None,
    mode: str = "new",
    returned_on: dt.date | None = None,
) -> RegistryFacts:
    snapshot = campaign_snapshot(campaign.pk)
    rows = _history(
        id_hash, campaign_id=campaign.pk, previous_campaign_id=snapshot.previous_campaign_id, previous_year=snapshot.previous_year
    )
    excluded_no = None
    if exclude_application_id:
        excluded_no = Application.objects.filter(pk=exclude_application_id).values_list("application_no", flat=True).first()
    same = tuple(PriorApplication(application_no=no, status=status) for kind, no, status in rows if kind == "same" and no != excluded_no)
    participation = any(kind in ("roster", "previous") for kind, _, _ in rows)
    return RegistryFacts(
        member=member,
        previous_roster_available=snapshot.previous_roster_available,
        previous_participation=participation,
        same_campaign=same,
        mode=mode,
        returned_on=returned_on,
    )


def id_hash_of(id_number: str) -> str:
    return crypto.blind_index("id", id_number)


def member_facts_many(id_hashes: list[str]) -> dict[str, MemberFacts]:
    """:func:`member_facts` for many people in one query (batch imports)."""
    found: dict[str, MemberFacts] = {}
    if not id_hashes:
        return found
    rows = (
        Member.objects.filter(id_hash__in=id_hashes)
        .select_related("union", "union__parent")
        .values_list(
            "id_hash",
            "name",
            "verified",
            "union_id",
            "union__name",
            "union__kind",
            "union__parent__kind",
            "grassroots_union_id",
            "employer",
        )
    )
    for id_hash, name, verified, union_id, union_name, union_kind, parent_kind, grassroots_union_id, employer in rows:
        found[id_hash] = MemberFacts(
            name=name,
            verified=bool(verified),
            union_id=union_id,
            union_name=union_name,
            union_under_city=union_kind == OrgKind.DISTRICT and parent_kind == OrgKind.CITY,
            grassroots_union_id=grassroots_union_id,
            employer=employer,
        )
    return found


def registry_facts_many(campaign: Campaign, *, id_hashes: list[str], members: dict[str, MemberFacts]) -> dict[str, RegistryFacts]:
    """:func:`registry_facts` (mode "new") for many people in three queries."""
    snapshot = campaign_snapshot(campaign.pk)
    same: dict[str, list[PriorApplication]] = {}
    for id_hash, number, status in (
        Application.objects.filter(campaign_id=campaign.pk, id_hash__in=id_hashes)
        .exclude(status=Status.WITHDRAWN)
        .values_list("id_hash", "application_no", "status")
    ):
        same.setdefault(id_hash, []).append(PriorApplication(application_no=number, status=status))
    participated: set[str] = set()
    if snapshot.previous_year is not None:
        participated.update(PastAward.objects.filter(year=snapshot.previous_year, id_hash__in=id_hashes).values_list("id_hash", flat=True))
    if snapshot.previous_campaign_id is not None:
        participated.update(
            Application.objects.filter(campaign_id=snapshot.previous_campaign_id, id_hash__in=id_hashes)
            .exclude(status=Status.WITHDRAWN)
            .values_list("id_hash", flat=True)
        )
    return {
        id_hash: RegistryFacts(
            member=members.get(id_hash),
            previous_roster_available=snapshot.previous_roster_available,
            previous_participation=id_hash in participated,
            same_campaign=tuple(same.get(id_hash, ())),
        )
        for id_hash in id_hashes
    }
