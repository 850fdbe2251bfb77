"""The self-check (资格自测) and the judgement every submission stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rewards.campaigns.models import Campaign
from rewards.core import clock
from rewards.core.errors import InvalidInput
from rewards.core.text import org_key

from . import selectors
from .engine import Decision, decide
from .facts import ApplicantInput, CampaignTerms, MemberFacts
from .fields import RULE_FIELDS, clean_annex3


@dataclass(frozen=True)
class Judgement:
    applicant: ApplicantInput
    decision: Decision
    union_id: int | None
    member: MemberFacts | None = None


def judge(
    campaign: Campaign,
    data: dict[str, Any],
    *,
    required: tuple[str, ...] = RULE_FIELDS,
    exclude_application_id: int | None = None,
    mode: str = "new",
    returned_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Judgement:
    """Field checks, then every rule. Raises :class:`InvalidInput` on field errors."""
    today = today or clock.today()
    applicant, errors = clean_annex3(data, today=today, required=required)
    if applicant is None:
        raise InvalidInput(fields=errors)
    id_hash = selectors.id_hash_of(applicant.id_number)
    member = selectors.member_facts(id_hash)
    if applicant.union and member is not None and org_key(applicant.union) != org_key(member.union_name):
        raise InvalidInput(fields={"union": [f"所属工会与会员库登记的“{member.union_name}”不一致。"]})
    terms = selectors.campaign_terms(campaign, union_id=member.union_id if member else None)
    facts = selectors.registry_facts(
        campaign, id_hash=id_hash, member=member, exclude_application_id=exclude_application_id, mode=mode, returned_on=returned_on
    )
    return Judgement(
        applicant=applicant,
        decision=decide(applicant, terms, facts, today=today),
        union_id=member.union_id if member else None,
        member=member,
    )


def judge_many(
    campaign: Campaign, rows: list[dict[str, Any]], *, required: tuple[str, ...] = RULE_FIELDS, today: dt.date | None = None
) -> list[Judgement | InvalidInput]:
    """:func:`judge` for many forms (a batch sheet): the registries are read once per call,
    not once per form. Each element is the judgement, or the field errors of that form."""
    today = today or clock.today()
    cleaned: list[tuple[ApplicantInput | None, dict[str, list[str]]]] = [
        clean_annex3(data, today=today, required=required) for data in rows
    ]
    id_hashes = [selectors.id_hash_of(applicant.id_number) if applicant is not None else "" for applicant, _ in cleaned]
    hashes = sorted({id_hash for id_hash in id_hashes if id_hash})
    members = selectors.member_facts_many(hashes)
    facts = selectors.registry_facts_many(campaign, id_hashes=hashes, members=members)
    # The campaign's terms depend only on the union (its approved occupations): made once per union.
    terms_of: dict[int | None, CampaignTerms] = {}
    results: list[Judgement | InvalidInput] = []
    for (applicant, errors), id_hash in zip(cleaned, id_hashes, strict=True):
        if applicant is None:
            results.append(InvalidInput(fields=errors))
            continue
        member = members.get(id_hash)
        if applicant.union and member is not None and org_key(applicant.union) != org_key(member.union_name):
            results.append(InvalidInput(fields={"union": [f"所属工会与会员库登记的“{member.union_name}”不一致。"]}))
            continue
        union_id = member.union_id if member else None
        terms = terms_of.get(union_id)
        if terms is None:
            terms = terms_of[union_id] = selectors.campaign_terms(campaign, union_id=union_id)
        decision = decide(applicant, terms, facts[id_hash], today=today)
        results.append(Judgement(applicant=applicant, decision=decision, union_id=member.union_id if member else None, member=member))
    return results
