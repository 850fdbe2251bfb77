"""Writes of 年度活动设置: change a campaign's settings (the copy into a new year is in
``year_copy``, the checks in ``checks``, the units are changed in ``units``). Only the city
union's administrator (API.md "Roles"); one transaction and one audit entry per save, naming
every changed field with its old and new value.

The lock rule: once a campaign has an application (in any status), what decided applications
stays as it was — the opening date, the certificate windows, the year a make-up refers to, the
issuers and the levels and amounts; a deadline and the grace may still be extended (a deadline
may also move earlier, but never before today's business date), and the title, document number,
SMS texts and guidance numbers may change. A union with applications or occupation declarations
in a campaign stays in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction

from rewards.campaigns.models import Campaign, LevelAward
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, InvalidInput, NotFound
from rewards.core.text import clean
from rewards.core.vocab import Issuer

from .checks import lock_problems, validate
from .common import actor_label, ensure_may_change, error_summary, jsonable, on_commit_clear_caches
from .fields import LEVEL_AMOUNTS, SETTING_FIELDS, SMS_TEMPLATES
from .selectors import campaign_usage

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser


# --- settings ------------------------------------------------------------------------------


def _current_values(campaign: Campaign) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(campaign, name) for name in SETTING_FIELDS}
    values["counted_issuers"] = _issuer_list(values["counted_issuers"] or [])
    values["occupation_issuers"] = _issuer_list(values["occupation_issuers"] or [])
    values[LEVEL_AMOUNTS] = {award.level: award.amount for award in campaign.level_awards.all()}
    values[SMS_TEMPLATES] = dict(campaign.sms_templates or {})
    return values


def _issuer_list(codes: Any) -> list[str]:
    """Issuer codes in the vocabulary's order (unknown codes kept at the end, to be refused)."""
    chosen = [str(code) for code in codes]
    return [code for code in Issuer.values if code in chosen] + [code for code in chosen if code not in Issuer.values]


def _normalised(name: str, value: Any) -> Any:
    if name in ("title", "document_no"):
        return clean(value)
    if name in ("counted_issuers", "occupation_issuers"):
        return _issuer_list(value or [])
    if name == LEVEL_AMOUNTS:
        return {str(level): _decimal_or_raw(amount) for level, amount in (value or {}).items() if amount not in (None, "")}
    if name == SMS_TEMPLATES:
        return {str(code): str(text) for code, text in (value or {}).items() if text}
    return value


def _decimal_or_raw(value: Any) -> Any:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return value  # refused by the validation, with its label


@dataclass(frozen=True)
class CampaignChange:
    campaign: Campaign
    #: field → (old, new); SMS texts as ``sms_<code>``. Empty when the save changed nothing.
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _audit_changes(changed: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    detail: dict[str, dict[str, Any]] = {}
    for name, (old, new) in changed.items():
        if name == SMS_TEMPLATES:
            for code in sorted(set(old) | set(new)):
                if old.get(code) != new.get(code):
                    detail[f"sms_templates.{code}"] = {"old": old.get(code, "（默认）"), "new": new.get(code, "（默认）")}
        else:
            detail[name] = {"old": jsonable(old), "new": jsonable(new)}
    return detail


def _proposal(campaign: Campaign, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """The settings ``values`` would give the campaign, and those that change (field → (old, new))."""
    unknown = set(values) - {*SETTING_FIELDS, LEVEL_AMOUNTS, SMS_TEMPLATES}
    if unknown:
        raise ValueError(f"不能在此修改：{', '.join(sorted(unknown))}")
    current = _current_values(campaign)
    proposed = dict(current)
    for name, value in values.items():
        proposed[name] = _normalised(name, value)
    changed = {name: (current[name], proposed[name]) for name in proposed if proposed[name] != current[name]}
    return proposed, changed


def _problems(
    campaign: Campaign, proposed: dict[str, Any], changed: dict[str, tuple[Any, Any]], unknown: frozenset[str] = frozenset()
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """What a save refuses: bad values, and what the lock rule refuses among the other changes."""
    found = validate(campaign.year, proposed, unknown)
    readable = {name: change for name, change in changed.items() if name not in found.skipped}
    locked = lock_problems(readable, campaign_usage(campaign), today=clock.today(), year=campaign.year)
    return found.errors, locked


def _merged(*groups: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for group in groups:
        for name, texts in group.items():
            merged.setdefault(name, []).extend(texts)
    return merged


def campaign_settings_problems(
    *, year: int, values: Mapping[str, Any], unknown: set[str] | frozenset[str] = frozenset(), acting_user: StaffUser | None
) -> dict[str, list[str]]:
    """What saving ``values`` would refuse, without saving: for a page whose form could not read
    the settings named in ``unknown`` (it says why itself). Every check that reads one of those
    is left out, the rest are run, so the administrator hears of every problem in one round."""
    ensure_may_change(acting_user)
    campaign = Campaign.objects.filter(year=year).first()
    if campaign is None:
        raise NotFound(f"没有{year}年度的奖励活动。")
    proposed, changed = _proposal(campaign, values)
    return _merged(*_problems(campaign, proposed, changed, frozenset(unknown)))


@transaction.atomic
def campaign_update(*, year: int, values: Mapping[str, Any], acting_user: StaffUser | None, request: Any = None) -> CampaignChange:
    """Changes some settings of one campaign, all or none, under the lock rule.

    ``values`` maps names of :data:`SETTING_FIELDS` (typed: dates, ints, lists of issuer codes),
    ``level_amounts`` (level → Decimal; the whole table) and ``sms_templates`` (code → text;
    the whole set of texts that differ from the defaults). Raises :class:`InvalidInput` for bad
    values (naming what the lock rule refuses among the other changes too) and :class:`Conflict`
    (``campaign_locked``) when only the lock rule refuses.
    """
    ensure_may_change(acting_user)
    campaign = Campaign.objects.select_for_update().filter(year=year).first()
    if campaign is None:
        raise NotFound(f"没有{year}年度的奖励活动。")
    proposed, changed = _proposal(campaign, values)
    if not changed:
        return CampaignChange(campaign=campaign)
    errors, locked = _problems(campaign, proposed, changed)
    if errors:
        errors = _merged(errors, locked)
        raise InvalidInput(f"设置未保存：{error_summary(errors)}", fields=errors)
    if locked:
        raise Conflict(f"设置未保存：{error_summary(locked)}", code="campaign_locked", fields=locked)
    fields = [name for name in changed if name != LEVEL_AMOUNTS]
    for name in fields:
        setattr(campaign, name, proposed[name])
    if fields:
        campaign.save(update_fields=fields)
    if LEVEL_AMOUNTS in changed:
        _write_amounts(campaign, changed[LEVEL_AMOUNTS][0], proposed[LEVEL_AMOUNTS])
    audit(
        "campaign.update",
        actor=acting_user,
        obj=campaign,
        request=request,
        actor_label=actor_label(acting_user),
        detail={"year": campaign.year, "changes": _audit_changes(changed)},
    )
    on_commit_clear_caches()
    return CampaignChange(campaign=campaign, changed=changed)


def _write_amounts(campaign: Campaign, old: dict[str, Decimal], new: dict[str, Any]) -> None:
    LevelAward.objects.filter(campaign=campaign).exclude(level__in=list(new)).delete()
    for level, amount in new.items():
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        if level not in old:
            LevelAward.objects.create(campaign=campaign, level=level, amount=value)
        elif old[level] != value:
            LevelAward.objects.filter(campaign=campaign, level=level).update(amount=value)
