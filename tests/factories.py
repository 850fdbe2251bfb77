"""Factories for test data: synthetic people with valid check digits, written through the
domain's own models so encryption and blind indexes are exercised."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from rewards.core import crypto
from rewards.demo import synthetic
from rewards.organisations.models import Organisation
from rewards.registries.models import Certificate, Member, PastAward

_rng = random.Random(11643)
_counter = itertools.count(1)


def new_id_number(**kwargs) -> str:  # type: ignore[no-untyped-def]
    return synthetic.id_number(_rng, **kwargs)


def new_card() -> str:
    return synthetic.bank_card(_rng)


def new_mobile() -> str:
    return synthetic.mobile(_rng)


def make_member(
    *,
    union: Organisation,
    name: str | None = None,
    id_number: str | None = None,
    verified: bool = True,
    phone: str | None = None,
    grassroots: Organisation | None = None,
    employer: str = "杭州测试机械有限公司",
) -> Member:
    id_number = id_number or new_id_number()
    phone = phone or new_mobile()
    return Member.objects.create(
        id_hash=crypto.blind_index("id", id_number),
        id_number=id_number,
        name=name or synthetic.person_name(_rng),
        phone=phone,
        phone_hash=crypto.blind_index("phone", phone),
        union=union,
        grassroots_union=grassroots,
        employer=employer,
        verified=verified,
        row_digest=f"factory-{next(_counter)}",
    )


def make_certificate(
    *,
    member: Member,
    level: str = "senior_worker",
    issue_date: dt.date = dt.date(2020, 6, 30),
    issuer: str = "hr_hangzhou",
    occupation: str = "车工",
    certificate_no: str | None = None,
) -> Certificate:
    return Certificate.objects.create(
        certificate_no=certificate_no or f"C{next(_counter):010d}",
        id_hash=member.id_hash,
        id_number=member.id_number,
        name=member.name,
        occupation=occupation,
        level=level,
        issue_date=issue_date,
        issuer=issuer,
        row_digest=f"factory-{next(_counter)}",
    )


def register_certificate(member: Member, form: dict) -> Certificate:  # type: ignore[type-arg]
    """The HR registry's record of the certificate an Annex 3 form declares, as declared: the
    application raises no certificate signal."""
    return make_certificate(
        member=member,
        certificate_no=form["certificate_no"],
        level=form["new_level"],
        issue_date=dt.date.fromisoformat(form["certificate_issue_date"]),
        occupation=form["occupation"],
        issuer=form["issuer"],
    )


def make_past_award(*, member: Member, year: int = 2019, status: str = "paid") -> PastAward:
    return PastAward.objects.create(
        year=year,
        id_hash=member.id_hash,
        id_number=member.id_number,
        name=member.name,
        level="senior_worker",
        amount="500.00",
        status=status,
        row_digest=f"factory-{next(_counter)}",
    )


def annex3(member: Member, **overrides) -> dict:  # type: ignore[no-untyped-def]
    """A complete, valid Annex 3 form for ``member`` (a 2020 main-window 高级工 certificate)."""
    data = {
        "name": member.name,
        "id_number": member.id_number,
        "education": "高中",
        "occupation": "车工",
        "new_level": "senior_worker",
        "certificate_no": f"2020{next(_counter):08d}",
        "certificate_issue_date": "2020-06-30",
        "issuer": "hr_hangzhou",
        "phone": member.phone,
        "bank_card_no": new_card(),
        "bank_branch": "中国工商银行杭州西湖支行",
        "employer": member.employer,
        "is_migrant": False,
    }
    data.update(overrides)
    return data


def make_application(*, campaign, member: Member, status: str = "approved", new_level: str = "senior_worker", **overrides):  # type: ignore[no-untyped-def]
    """An application written directly (for payment, report and review tests), with its blind indexes."""
    from decimal import Decimal

    from django.utils import timezone

    from rewards.applications.models import Application
    from rewards.core.validators import id_facts

    facts = id_facts(member.id_number)
    card = overrides.pop("bank_card_no", None) or new_card()
    number = f"{campaign.year}{next(_counter):06d}"
    amounts = {"senior_worker": Decimal("500.00"), "technician": Decimal("600.00"), "senior_technician": Decimal("800.00")}
    fields = {
        "application_no": number,
        "campaign": campaign,
        "channel": "online",
        "status": status,
        "name": member.name,
        "id_hash": member.id_hash,
        "id_number": member.id_number,
        "gender": facts.gender,
        "birth_date": facts.birth_date,
        "occupation": "车工",
        "new_level": new_level,
        "certificate_no": f"C{number}",
        "certificate_issue_date": dt.date(2020, 6, 30),
        "issuer": "hr_hangzhou",
        "phone": member.phone,
        "phone_hash": crypto.blind_index("phone", member.phone),
        "bank_card_no": card,
        "bank_card_hash": crypto.blind_index("card", card),
        "bank_branch": "中国工商银行杭州西湖支行",
        "employer": member.employer,
        "union": member.union,
        "amount": amounts[new_level],
        "has_decision": status not in ("pending_district", "pending_grassroots"),
        "submitted_at": timezone.now(),
    }
    fields.update(overrides)
    return Application.objects.create(**fields)


def make_registered_application(*, campaign, member: Member, **kwargs):  # type: ignore[no-untyped-def]
    """:func:`make_application` whose certificate is in the HR registry as declared (no hard
    signal holds it back, when its card is corrected or a batch built from it)."""
    app = make_application(campaign=campaign, member=member, **kwargs)
    make_certificate(
        member=member,
        certificate_no=app.certificate_no,
        level=app.new_level,
        issue_date=app.certificate_issue_date,
        occupation=app.occupation,
        issuer=app.issuer,
    )
    return app
