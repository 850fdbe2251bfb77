"""复制为新年度: a campaign copied into a later year, every date as many years later (decisions
29, 218 and 227). Only the city union's administrator; one transaction and one audit entry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from rewards.campaigns.models import Campaign, CampaignUnit, LevelAward
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, InvalidInput, NotFound

from . import dates
from .common import actor_label, ensure_may_change, jsonable, on_commit_clear_caches

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser


def _next_year_text(text: str, from_year: int, to_year: int) -> str:
    return text.replace(str(from_year), str(to_year))


def latest_copy_year(today: dt.date | None = None) -> int:
    """The last year a campaign may be copied into: next year (a notice comes out before its year)."""
    return (today or clock.today()).year + 1


@transaction.atomic
def campaign_copy(*, from_year: int, to_year: int, acting_user: StaffUser | None, request: Any = None) -> Campaign:
    """复制为新年度: ``to_year`` as a copy of ``from_year`` with every date as many years later.

    Usually the next year; a later one when the platform starts in a year after the last campaign
    it holds (the 2020 notice, deployed in 2026: no empty 2021–2025 campaigns in between, decision
    218). Copies the levels and amounts, the issuers, the declaration limit, the retention, the SMS
    texts and the units with their guidance numbers and Annex 1 order. Occupation declarations
    and applications belong to their year and are not copied.
    """
    ensure_may_change(acting_user)
    source = Campaign.objects.filter(year=from_year).first()
    if source is None:
        raise NotFound(f"没有{from_year}年度的奖励活动，无法复制。")
    last = max(latest_copy_year(), from_year + 1)
    if not from_year < to_year <= last:
        allowed = f"{from_year + 1}年度" if from_year + 1 >= last else f"{from_year + 1}—{last}年度中的一年"
        raise InvalidInput(f"{from_year}年度只能复制为{allowed}。", fields={"to_year": [f"应为{allowed}。"]})
    if Campaign.objects.filter(year=to_year).exists():
        raise Conflict(f"{to_year}年度奖励活动已经存在，不能再次复制；如需修改，请打开{to_year}年度的设置。", code="campaign_exists")
    between = Campaign.objects.filter(year__gt=from_year, year__lt=to_year).order_by("-year").values_list("year", flat=True).first()
    if between is not None:
        raise InvalidInput(
            f"已有{between}年度的奖励活动：请由{between}年度复制，新年度沿用最近一年的设置。",
            fields={"from_year": [f"应为{between}年度。"]},
        )
    years = to_year - from_year
    values: dict[str, Any] = {
        "year": to_year,
        "title": _next_year_text(source.title, from_year, to_year),
        "document_no": _next_year_text(source.document_no, from_year, to_year),
        "opens_on": dates.shift_start(source.opens_on, years),
        "application_deadline": dates.shift_end(source.application_deadline, years),
        "resubmission_grace_days": source.resubmission_grace_days,
        "main_window_start": dates.shift_start(source.main_window_start, years),
        "main_window_end": dates.shift_end(source.main_window_end, years),
        "makeup_window_start": dates.shift_optional_start(source.makeup_window_start, years),
        "makeup_window_end": dates.shift_optional_end(source.makeup_window_end, years),
        "previous_year": source.previous_year + years if source.previous_year else None,
        "declaration_deadline": dates.shift_optional_end(source.declaration_deadline, years),
        "declaration_limit": source.declaration_limit,
        "counted_issuers": list(source.counted_issuers or []),
        "occupation_issuers": list(source.occupation_issuers or []),
        "retention_years": source.retention_years,
        "sms_templates": dict(source.sms_templates or {}),
    }
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(**values)
    except IntegrityError as exc:  # another administrator copied it a moment ago
        raise Conflict(f"{to_year}年度奖励活动已经存在，不能再次复制。", code="campaign_exists") from exc
    awards = list(source.level_awards.order_by("pk"))
    LevelAward.objects.bulk_create([LevelAward(campaign=campaign, level=award.level, amount=award.amount) for award in awards])
    units = list(source.units.order_by("position"))
    CampaignUnit.objects.bulk_create(
        [
            CampaignUnit(campaign=campaign, organisation_id=unit.organisation_id, guidance=unit.guidance, position=unit.position)
            for unit in units
        ]
    )
    shifted = (
        "opens_on",
        "application_deadline",
        "main_window_start",
        "main_window_end",
        "makeup_window_start",
        "makeup_window_end",
        "declaration_deadline",
    )
    audit(
        "campaign.copy",
        actor=acting_user,
        obj=campaign,
        request=request,
        actor_label=actor_label(acting_user),
        detail={
            "from_year": from_year,
            "to_year": to_year,
            "years": years,
            "dates": {name: {"old": jsonable(getattr(source, name)), "new": jsonable(values[name])} for name in shifted},
            "previous_year": values["previous_year"],
            "levels": {award.level: f"{award.amount:.2f}" for award in awards},
            "units": len(units),
            "guidance_total": sum(unit.guidance for unit in units),
            # The deadlines the copy put before its day: the settings page names them until moved.
            "past": {date.name: date.day.isoformat() for date in dates.past(values, clock.today())},
        },
    )
    on_commit_clear_caches()
    return campaign
