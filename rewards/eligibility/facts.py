"""What the rules read, as plain frozen data: the applicant's input, the campaign's terms
and the registry facts. Building these reads the database (``selectors.py``); judging them
does not (``rules.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ApplicantInput:
    """Annex 3 fields after the field checks (normalised, typed)."""

    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    new_level: str
    certificate_issue_date: dt.date
    issuer: str
    occupation: str
    previous_level: str | None = None
    previous_level_date: dt.date | None = None
    certificate_no: str = ""
    education: str = ""
    phone: str = ""
    bank_card_no: str = ""
    bank_branch: str = ""
    employer: str = ""
    is_migrant: bool = False
    hukou_place: str = ""
    years_in_hangzhou: int | None = None
    union: str = ""


@dataclass(frozen=True)
class IssuerTerms:
    """Which certificates are within 职业范围 in one campaign, for one union."""

    year: int
    counted_issuers: frozenset[str]
    occupation_issuers: frozenset[str]
    approved_occupations: frozenset[str]  # occupation keys approved for the applicant's union


@dataclass(frozen=True)
class CampaignTerms:
    year: int
    opens_on: dt.date
    application_deadline: dt.date
    resubmission_grace_days: int
    main_window: tuple[dt.date, dt.date]
    makeup_window: tuple[dt.date, dt.date] | None
    previous_year: int | None
    amounts: dict[str, Decimal]
    issuers: IssuerTerms
    #: The previous campaign's terms, which judge a make-up certificate (DOMAIN.md §3 rule 4).
    previous_issuers: IssuerTerms | None = None


@dataclass(frozen=True)
class MemberFacts:
    name: str
    verified: bool
    union_id: int | None
    union_name: str
    union_under_city: bool
    #: Read with the rest for a submission (which files the application under them); not rule inputs.
    grassroots_union_id: int | None = None
    employer: str = ""


@dataclass(frozen=True)
class PriorApplication:
    application_no: str
    status: str


#: What the applicant is doing: a new application, correcting an undecided one,
#: resubmitting a returned one, or correcting the bank card after a failed payment.
MODES = ("new", "correction", "resubmission", "bank_fix")


@dataclass(frozen=True)
class RegistryFacts:
    member: MemberFacts | None
    previous_roster_available: bool
    previous_participation: bool
    same_campaign: tuple[PriorApplication, ...] = field(default_factory=tuple)
    mode: str = "new"
    returned_on: dt.date | None = None
