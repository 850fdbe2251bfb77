"""Writes to training plans: a union records a plan line, then updates it with its progress.

Validation is the same for both (messages in Chinese, every field at fault named): counts are
whole numbers, never negative; a plan line has at least one planned trainee; 已取证 cannot exceed
已培训; amounts are yuan with at most two decimals. Progress may pass the plan (trained more than
planned, spent more than the budget): there are no quotas (DOMAIN.md §7).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rewards.campaigns.models import Campaign, CampaignUnit, occupation_key
from rewards.campaigns.selectors import campaign_for_year
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.core.text import clean, fold_width
from rewards.core.vocab import Level, parse_level
from rewards.organisations.models import Organisation, OrgKind, Role, StaffUser

from .models import PLAN_LEVELS, TrainingMode, TrainingPlan

#: API.md "Roles": a district/industry union records the plans of its own union.
RECORD_ROLES = frozenset({Role.DISTRICT_REVIEWER})
PLAN_FIELDS = ("occupation", "level", "planned_trainees", "mode", "budget")
PROGRESS_FIELDS = ("trained", "certified", "spent")
LABELS = {
    "occupation": "培训职业（工种）",
    "level": "培训等级",
    "planned_trainees": "计划培训人数",
    "mode": "培训方式",
    "budget": "专项资金预算",
    "trained": "已培训人数",
    "certified": "已取证人数",
    "spent": "已支出金额",
}
MAX_PEOPLE = 1_000_000
MAX_AMOUNT = Decimal("9999999999.99")
_MODE_WORDS = {fold_width(str(label)): code for code, label in TrainingMode.choices} | {
    "线上线下": TrainingMode.BOTH,
    "线上+线下": TrainingMode.BOTH,
    "混合": TrainingMode.BOTH,
}


def _recording_union(user: StaffUser) -> Organisation:
    if user.role not in RECORD_ROLES:
        raise Forbidden("只有区县（产业）工会审核人可以录入本工会的培训计划。")
    union = user.organisation
    if union is None or union.kind != OrgKind.DISTRICT:
        raise Forbidden("只有区县（产业）工会可以录入培训计划。")
    return union


#: A count typed as the pages show it, thousands grouped (1,200; 12,345): the commas are dropped.
_GROUPED_COUNT = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+")


def _count(value: object, field: str, *, minimum: int) -> int:
    label = LABELS[field]
    if isinstance(value, bool) or value is None or clean(value) == "":
        raise ValueError(f"请填写{label}。")
    number: int | None
    if isinstance(value, float):
        number = int(value) if value.is_integer() else None
    else:
        text = fold_width(clean(value))
        if _GROUPED_COUNT.fullmatch(text):
            text = text.replace(",", "")
        number = int(text) if text.lstrip("-").isdecimal() else None
    if number is None:
        raise ValueError(f"{label}应为整数。")
    if number < 0:
        raise ValueError(f"{label}不能为负数。")
    if number < minimum:
        raise ValueError(f"{label}至少为{minimum}人。")
    if number > MAX_PEOPLE:
        raise ValueError(f"{label}超出合理范围（最多{MAX_PEOPLE}人）。")
    return number


_PLAIN_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]+)?")


def _amount(value: object, field: str) -> Decimal:
    label = LABELS[field]
    if isinstance(value, bool) or value is None or clean(value) == "":
        raise ValueError(f"请填写{label}（元，可为0）。")
    text = fold_width(clean(value)).replace(",", "").removesuffix("元").strip()
    if text.startswith("-") and _PLAIN_AMOUNT.fullmatch(text[1:]):
        raise ValueError(f"{label}不能为负数。")
    # Plain digits only: Decimal also reads "1e30", "NaN" and "Infinity", which no one means here.
    if not _PLAIN_AMOUNT.fullmatch(text):
        raise ValueError(f"{label}应为金额（元），例如 120000 或 120000.50。")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label}应为金额（元），例如 120000 或 120000.50。") from None
    if amount > MAX_AMOUNT:
        raise ValueError(f"{label}超出合理范围。")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{label}最多保留两位小数（分）。")
    return amount.quantize(Decimal("0.01"))


def _one(field: str, value: object) -> Any:
    if field == "occupation":
        if value is not None and not isinstance(value, str):  # a JSON list or object: str() would store its Python spelling
            raise ValueError("培训职业（工种）名称应为一段文字。")
        name = clean(value)
        if not name:
            raise ValueError("请填写培训职业（工种）名称。")
        if len(name) > 100:
            raise ValueError("培训职业（工种）名称最多100字。")
        return name
    if field == "level":
        level = parse_level(value)
        if level not in PLAN_LEVELS:
            allowed = "、".join(str(Level(code).label) for code in PLAN_LEVELS)
            raise ValueError(f"培训等级应为{allowed}之一（高技能人才培训）。")
        return level
    if field == "mode":
        text = fold_width(clean(value))
        mode = text if text in TrainingMode.values else _MODE_WORDS.get(text)
        if mode is None:
            raise ValueError("培训方式应为 online（线上）、offline（线下）或 both（线上线下结合）。")
        return mode
    if field == "planned_trainees":
        return _count(value, field, minimum=1)
    if field in ("trained", "certified"):
        return _count(value, field, minimum=0)
    return _amount(value, field)


def _typed(data: Mapping[str, Any], fields: tuple[str, ...], *, required: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field in fields:
        if field not in data and not required:
            continue
        try:
            values[field] = _one(field, data.get(field))
        except ValueError as exc:
            errors[field] = [str(exc)]
    return values, errors


def clean_values(data: Mapping[str, Any], fields: tuple[str, ...], *, required: bool = False) -> dict[str, Any]:
    """The ``fields`` of ``data`` (absent ones skipped unless ``required``), typed; every error
    in one 400 with its field named."""
    values, errors = _typed(data, fields, required=required)
    if errors:
        raise InvalidInput(fields=errors)
    return values


def _progress_errors(trained: int, certified: int) -> dict[str, list[str]]:
    if certified > trained:
        return {"certified": [f"已取证人数（{certified}）不能超过已培训人数（{trained}）。"]}
    return {}


def _campaign(data: Mapping[str, Any]) -> Campaign:
    try:
        return campaign_for_year(data.get("year"))
    except NotFound as exc:
        raise InvalidInput(fields={"year": [exc.message]}) from None


def _require_unit(campaign: Campaign, union: Organisation) -> None:
    if not CampaignUnit.objects.filter(campaign=campaign, organisation=union).exists():
        raise Conflict(f"{union.name}不在{campaign.year}年度任务分解表的单位中，不能录入该年度的培训计划。", code="not_in_campaign")


def _duplicate(campaign: Campaign, union: Organisation, occupation: str, level: str) -> Conflict:
    return Conflict(
        f"本工会{campaign.year}年度已有“{occupation}”{Level(level).label}的培训计划，请更新该计划，不要重复录入。",
        code="already_planned",
    )


def training_plan_create(*, user: StaffUser, data: Mapping[str, Any], request: Any = None) -> TrainingPlan:
    """录入培训计划 for the caller's own union: one occupation at one level for one year."""
    union = _recording_union(user)
    values = clean_values(data, PLAN_FIELDS, required=True)
    campaign = _campaign(data)
    _require_unit(campaign, union)
    key = occupation_key(values["occupation"])
    with transaction.atomic():
        if TrainingPlan.objects.filter(campaign=campaign, union=union, occupation_key=key, level=values["level"]).exists():
            raise _duplicate(campaign, union, values["occupation"], values["level"])
        try:
            with transaction.atomic():
                plan = TrainingPlan.objects.create(campaign=campaign, union=union, created_by=user, updated_by=user, **values)
        except IntegrityError:  # training_plan_once, under a concurrent twin
            raise _duplicate(campaign, union, values["occupation"], values["level"]) from None
        audit(
            "training.plan_create",
            actor=user,
            obj=plan,
            request=request,
            detail={"year": campaign.year, "union": union.pk, **_loggable(values)},
        )
    return plan


def training_plan_update(
    *, user: StaffUser, plan_id: int | str, data: Mapping[str, Any], request: Any = None, seen: dt.datetime | None = None
) -> TrainingPlan:
    """更新培训计划或进度 (trained, certified, spent; also the plan's own fields) of the caller's union.

    A plan of another union answers 404, as if it did not exist. ``seen`` is the plan's
    ``updated_at`` as the caller's form showed it: when someone saved the plan since, a change
    is refused (409 ``plan_changed``, ``changes`` in the error's extra) rather than silently
    putting back the figures that form still held; sending what is stored already is no change.
    """
    union = _recording_union(user)
    # 404 before the body is judged: another union's plan answers as if it did not exist,
    # whatever was sent (SECURITY.md 1, as decision 123 for applications).
    pk = _pk(plan_id)
    if not TrainingPlan.objects.filter(pk=pk, union=union).exists():
        raise NotFound("没有找到该培训计划，或不属于本工会。")
    fields = PLAN_FIELDS + PROGRESS_FIELDS
    if not any(field in data for field in fields):
        raise InvalidInput("没有要更新的内容。", fields={"trained": ["请填写已培训人数、已取证人数或已支出金额。"]})
    values, errors = _typed(data, fields, required=False)
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=pk, union=union)
        # Every fault in one answer: 已取证 against 已培训 too, when both could be read (or are stored).
        if not {"trained", "certified"} & errors.keys():
            errors.update(_progress_errors(values.get("trained", plan.trained), values.get("certified", plan.certified)))
        if errors:
            raise InvalidInput(fields=errors)
        changes = {field: value for field, value in values.items() if getattr(plan, field) != value}
        occupation = values.get("occupation", plan.occupation)
        level = values.get("level", plan.level)
        if {"occupation", "level"} & changes.keys():
            twin = TrainingPlan.objects.filter(campaign=plan.campaign, union=union, occupation_key=occupation_key(occupation), level=level)
            if twin.exclude(pk=plan.pk).exists():
                raise _duplicate(plan.campaign, union, occupation, level)
        if not changes:
            return plan
        if seen is not None and plan.updated_at != seen:
            raise Conflict(_changed_since(plan), code="plan_changed", changes=changes)
        before = {field: getattr(plan, field) for field in changes}
        for field, value in changes.items():
            setattr(plan, field, value)
        plan.updated_by = user
        plan.save(update_fields=[*changes, "occupation_key", "updated_by", "updated_at"])
        audit(
            "training.plan_update",
            actor=user,
            obj=plan,
            request=request,
            detail={
                "year": plan.campaign.year,
                "union": union.pk,
                "changes": {field: [_plain(before[field]), _plain(value)] for field, value in changes.items()},
            },
        )
    return plan


def _changed_since(plan: TrainingPlan) -> str:
    who = f"由{plan.updated_by}" if plan.updated_by else ""
    when = timezone.localtime(plan.updated_at).strftime("%Y-%m-%d %H:%M")
    return f"这条计划在您打开本页之后已{who}于{when}更新，您这次的修改未保存。"


def _pk(value: int | str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise NotFound("没有找到该培训计划，或不属于本工会。") from None


def _plain(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def _loggable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {field: _plain(value) for field, value in values.items()}
