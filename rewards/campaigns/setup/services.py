"""Writes of 年度活动设置: copy a campaign into the next year, change its settings (its units
are changed in ``units``). Only the city union's administrator (API.md "Roles"); one transaction and one
audit entry per save, naming every changed field with its old and new value.

The lock rule: once a campaign has an application (in any status), what decided applications
stays as it was — the opening date, the certificate windows, the year a make-up refers to, the
issuers and the levels and amounts; a deadline and the grace may still be extended (a deadline
may also move earlier, but never before today's business date), and the title, document number,
SMS texts and guidance numbers may change. A union with applications or occupation declarations
in a campaign stays in it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from rewards.campaigns.models import Campaign, CampaignUnit, LevelAward
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.core.memo import clear_all
from rewards.core.text import clean
from rewards.core.vocab import LEVEL_GRADE, Issuer, Level
from rewards.organisations.models import OrgKind, Role

from . import dates, sms
from .selectors import CampaignUsage, campaign_usage

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

#: Levels a campaign may reward (DOMAIN.md §3 rule 2: 高级工 and above), lowest first.
AWARD_LEVELS: tuple[str, ...] = tuple(level.value for level in Level if LEVEL_GRADE[level] <= 3)
MAX_AMOUNT = Decimal("100000")
MAX_GRACE_DAYS = 90
MAX_DECLARATION_LIMIT = 20

#: The settings a save may change, with their labels (the model's own words).
SETTING_FIELDS: tuple[str, ...] = (
    "title",
    "document_no",
    "opens_on",
    "application_deadline",
    "resubmission_grace_days",
    "main_window_start",
    "main_window_end",
    "makeup_window_start",
    "makeup_window_end",
    "previous_year",
    "declaration_deadline",
    "declaration_limit",
    "counted_issuers",
    "occupation_issuers",
)
LEVEL_AMOUNTS = "level_amounts"
SMS_TEMPLATES = "sms_templates"
LABELS: dict[str, str] = {
    name: str(getattr(Campaign._meta.get_field(name), "verbose_name", name)) for name in (*SETTING_FIELDS, SMS_TEMPLATES)
}
LABELS[LEVEL_AMOUNTS] = "奖励标准（等级和金额）"

#: What decided applications: fixed once a campaign has one.
LOCKED_FIELDS: tuple[str, ...] = (
    "opens_on",
    "main_window_start",
    "main_window_end",
    "makeup_window_start",
    "makeup_window_end",
    "previous_year",
    "counted_issuers",
    "occupation_issuers",
    LEVEL_AMOUNTS,
)
LOCK_REASON = (
    "已受理的申请是按这项设置判定资格和核定金额的，修改会使已作出的审核结论与设置不符"
    "（如确需调整，须先由市总工会决定如何处理已受理的申请）。"
)


def ensure_may_change(user: StaffUser | None) -> None:
    """Only an administrator of the city union (``None``: the command line, trusted)."""
    if user is None:
        return
    organisation = user.organisation
    if not user.is_active or user.role != Role.ADMIN or organisation is None or organisation.kind != OrgKind.CITY:
        raise Forbidden("只有市总工会的系统管理员可以设置年度奖励活动。")


def actor_label(user: StaffUser | None) -> str:
    return "" if user is not None else "cli"


def on_commit_clear_caches() -> None:
    # The eligibility rules read campaigns through a per-process cache; bulk writes send no signal.
    transaction.on_commit(clear_all)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


# --- copy into the next year ---------------------------------------------------------------


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
            "dates": {name: {"old": _jsonable(getattr(source, name)), "new": _jsonable(values[name])} for name in shifted},
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


def _amount_problem(level: str, amount: Any) -> str | None:
    label = Level(level).label if level in Level.values else level
    if level not in AWARD_LEVELS:
        return f"“{label}”不在奖励范围内：奖励只针对高级工、技师和高级技师。"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{label}的奖励金额不是数字。"
    if not value.is_finite() or value <= 0:
        return f"{label}的奖励金额须大于0元。"
    if value > MAX_AMOUNT:
        return f"{label}的奖励金额超过了{MAX_AMOUNT:,}元的上限，请核对。"
    if value != value.quantize(Decimal("0.01")):
        return f"{label}的奖励金额最多保留两位小数。"
    return None


#: Dates a campaign must have, and those it may leave empty.
REQUIRED_DATES = ("opens_on", "application_deadline", "main_window_start", "main_window_end")
OPTIONAL_DATES = ("makeup_window_start", "makeup_window_end", "declaration_deadline")


@dataclass
class _Problems:
    """Problems found so far, and the settings no check may read (``skipped``)."""

    skipped: set[str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def known(self, *names: str) -> bool:
        return self.skipped.isdisjoint(names)


def _validate(year: int, p: dict[str, Any], unknown: frozenset[str] = frozenset()) -> _Problems:
    """Problems with a whole set of settings, field by field, in Chinese.

    ``unknown`` names settings whose typed value could not be read (the page's form refused
    them and said why): every check that reads one of them is left out and the others run, so
    a save is told all its problems at once. ``level_amounts`` among them means some amounts
    could not be read: those given are still checked, each alone and against each other.
    """
    found = _Problems(skipped=set(unknown))
    _check_readable(p, found)
    _check_notice(p, found)
    _check_dates(p, found)
    _check_makeup(year, p, found)
    _check_numbers(p, found)
    _check_issuers(p, found)
    _check_amounts(p[LEVEL_AMOUNTS], found)
    _check_sms(p[SMS_TEMPLATES], found)
    return found


def _check_readable(p: dict[str, Any], found: _Problems) -> None:
    """A missing required date, or a date or year of the wrong type: said, and compared with nothing."""
    for name in REQUIRED_DATES:
        if found.known(name) and not isinstance(p[name], dt.date):
            found.add(name, f"请填写{LABELS[name]}。")
            found.skipped.add(name)
    for name in OPTIONAL_DATES:
        if found.known(name) and not isinstance(p[name], dt.date | None):
            found.add(name, f"{LABELS[name]}不是有效的日期。")
            found.skipped.add(name)
    previous = p["previous_year"]
    if found.known("previous_year") and previous is not None and (isinstance(previous, bool) or not isinstance(previous, int)):
        found.add("previous_year", "补申报所参照的年度须是四位数的年份。")
        found.skipped.add("previous_year")


def _check_notice(p: dict[str, Any], found: _Problems) -> None:
    if found.known("title"):
        if not p["title"]:
            found.add("title", "请填写通知标题。")
        elif len(p["title"]) > 200:
            found.add("title", "通知标题不能超过200个字。")
    if found.known("document_no") and len(p["document_no"]) > 60:
        found.add("document_no", "文号不能超过60个字。")


def _check_dates(p: dict[str, Any], found: _Problems) -> None:
    """The main window, the deadlines and the opening date, against each other."""
    if found.known("main_window_start", "main_window_end") and p["main_window_end"] < p["main_window_start"]:
        found.add("main_window_end", "发证时间止不能早于发证时间起。")
    if found.known("application_deadline", "opens_on") and p["application_deadline"] < p["opens_on"]:
        found.add("application_deadline", "申报截止日不能早于发文日期（开始受理）。")
    elif found.known("main_window_end", "application_deadline") and p["main_window_end"] > p["application_deadline"]:
        found.add(
            "main_window_end",
            f"发证时间止（{p['main_window_end']:%Y-%m-%d}）晚于申报截止日（{p['application_deadline']:%Y-%m-%d}）："
            "截止之后取得的证书将无法申报，请核对。",
        )
    deadline = p["declaration_deadline"]
    if found.known("declaration_deadline", "opens_on") and deadline is not None and deadline < p["opens_on"]:
        found.add("declaration_deadline", "非通用性职业申报截止日不能早于发文日期（开始受理）。")


def _check_makeup(year: int, p: dict[str, Any], found: _Problems) -> None:
    """补申报: both ends or neither, before the main window, and the year whose window it repeats."""
    start, end, previous = p["makeup_window_start"], p["makeup_window_end"], p["previous_year"]
    pair_known = found.known("makeup_window_start", "makeup_window_end")
    # Both ends given (one the form could not read was typed all the same): a make-up window is meant.
    meant = all(not found.known(name) or p[name] is not None for name in ("makeup_window_start", "makeup_window_end"))
    if pair_known and (start is None) != (end is None):
        found.add(
            "makeup_window_start" if start is None else "makeup_window_end", "补申报发证时间起止须同时填写，或同时留空（不设补申报）。"
        )
    elif pair_known and start is not None and end is not None:
        if end < start:
            found.add("makeup_window_end", "补申报发证时间止不能早于补申报发证时间起。")
        elif found.known("main_window_start") and end >= p["main_window_start"]:
            found.add("makeup_window_end", "补申报范围须在发证时间范围之前，两者不能重叠。")
    if not found.known("previous_year"):
        return
    if meant and previous is None:
        found.add("previous_year", "设有补申报时，须填写补申报所参照的上一年度（补申报须无该年度的申请和奖励记录）。")
    if previous is not None and not (2000 <= previous < year):
        found.add("previous_year", f"补申报所参照的年度须早于{year}年度。")
    elif previous is not None and pair_known and start is not None and end is not None and start <= end:
        # The make-up window is that year's certificate window: the two must name the same year.
        earlier = Campaign.objects.filter(year=previous).values_list("main_window_start", "main_window_end").first()
        if earlier is not None and (start, end) != earlier:
            found.add(
                "previous_year",
                f"补申报发证时间（{start:%Y-%m-%d}至{end:%Y-%m-%d}）与{previous}年度活动的发证时间"
                f"（{earlier[0]:%Y-%m-%d}至{earlier[1]:%Y-%m-%d}）不一致：补申报的是该年度应发而未申报的证书，请核对。",
            )
        elif earlier is None and end.year != previous:
            found.add("previous_year", f"补申报所参照的年度应为补申报发证时间止所在的{end.year}年度，请核对。")


def _check_numbers(p: dict[str, Any], found: _Problems) -> None:
    grace = p["resubmission_grace_days"]
    if found.known("resubmission_grace_days") and (not isinstance(grace, int) or not 0 <= grace <= MAX_GRACE_DAYS):
        found.add("resubmission_grace_days", f"退回后补正期限须在0至{MAX_GRACE_DAYS}天之间。")
    limit = p["declaration_limit"]
    if found.known("declaration_limit") and (not isinstance(limit, int) or not 0 <= limit <= MAX_DECLARATION_LIMIT):
        found.add("declaration_limit", f"每个工会可申报的非通用性职业数须在0至{MAX_DECLARATION_LIMIT}之间。")


def _check_issuers(p: dict[str, Any], found: _Problems) -> None:
    counted, occupation = p["counted_issuers"], p["occupation_issuers"]
    for name in ("counted_issuers", "occupation_issuers"):
        unknown = [code for code in p[name] if code not in Issuer.values]
        if unknown and found.known(name):
            found.add(name, f"未知的发证机关：{'、'.join(unknown)}。")
    if found.known("counted_issuers") and not counted:
        found.add("counted_issuers", "请至少选择一个直接认可的发证机关（人社部门）。")
    both = [str(Issuer(code).label) for code in counted if code in occupation and code in Issuer.values]
    if both and found.known("counted_issuers", "occupation_issuers"):
        found.add("occupation_issuers", f"{'、'.join(both)}已是直接认可的发证机关，不能同时列为需经备案同意职业的发证机关。")


def _check_amounts(amounts: dict[str, Any], found: _Problems) -> None:
    """奖励标准: at least one level (when every amount could be read), each amount alone, then
    a higher level never paid less than a lower one."""
    if not amounts and found.known(LEVEL_AMOUNTS):
        found.add(LEVEL_AMOUNTS, "请至少为一个技能等级填写奖励金额。")
    problems = [problem for level, amount in amounts.items() if (problem := _amount_problem(level, amount))]
    for problem in problems:
        found.add(LEVEL_AMOUNTS, problem)
    if problems:
        return
    # 500/600/800 in 2020: 高级工 900 with 技师 650 is a slip of the keyboard (decision 103).
    given = sorted(((LEVEL_GRADE[Level(level)], level, Decimal(str(amount))) for level, amount in amounts.items()), reverse=True)
    for (_, lower, low), (_, higher, high) in itertools.pairwise(given):
        if high < low:
            found.add(
                LEVEL_AMOUNTS,
                f"{Level(higher).label}的奖励金额（{high:.2f}元）低于{Level(lower).label}（{low:.2f}元），请核对：等级越高，奖励金额应不低于较低等级。",
            )


def _check_sms(texts: dict[str, str], found: _Problems) -> None:
    if not found.known(SMS_TEMPLATES):
        return
    for code, text in texts.items():
        if code not in sms.CAMPAIGN_TEXTS:
            found.add(f"sms_{code}", f"“{code}”不是可以按年度修改的短信。")
            continue
        checked, problems = sms.check_text(code, text)
        for problem in problems:
            found.add(f"sms_{code}", problem)
        if not problems and checked != text:
            found.add(f"sms_{code}", "短信内容须以签名“【杭州市总工会】”开头，且不含换行。")


def _lock_problems(changed: dict[str, tuple[Any, Any]], usage: CampaignUsage, *, today: dt.date, year: int) -> dict[str, list[str]]:
    """What the lock rule refuses among ``changed`` (field → (old, new))."""
    errors: dict[str, list[str]] = {}
    if usage.locked:
        for name in LOCKED_FIELDS:
            if name in changed:
                errors[name] = [f"{year}年度已有 {usage.applications} 份申请，“{LABELS[name]}”不能再修改：{LOCK_REASON}"]
        if "application_deadline" in changed:
            old, new = changed["application_deadline"]
            if new < old and new < today:
                errors["application_deadline"] = [
                    f"已有申请时，申报截止日可以推后，提前则不能早于今天（{today:%Y-%m-%d}）："
                    "否则已在截止日前受理的申请会变成逾期申报，正在申报的职工也来不及提交。"
                ]
        if "resubmission_grace_days" in changed:
            old, new = changed["resubmission_grace_days"]
            if new < old:
                errors["resubmission_grace_days"] = [
                    f"已有申请时，退回后补正期限只能延长、不能缩短（现为 {old} 天）：已被退回的职工是按原期限安排补正的。"
                ]
    if usage.declarations and "declaration_deadline" in changed:
        old, new = changed["declaration_deadline"]
        if old is not None and (new is None or (new < old and new < today)):
            errors["declaration_deadline"] = [
                f"已有工会申报了非通用性职业，申报截止日可以推后，提前则不能早于今天（{today:%Y-%m-%d}），也不能取消。"
            ]
    if "declaration_limit" in changed:
        _, new = changed["declaration_limit"]
        if isinstance(new, int) and new < usage.most_declared:
            errors["declaration_limit"] = [
                f"已有工会申报（待审核或已同意）了 {usage.most_declared} 个非通用性职业，每个工会可申报数不能少于 {usage.most_declared}。"
            ]
    return errors


@dataclass(frozen=True)
class CampaignChange:
    campaign: Campaign
    #: field → (old, new); SMS texts as ``sms_<code>``. Empty when the save changed nothing.
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def error_summary(errors: dict[str, list[str]]) -> str:
    return "；".join(text for texts in errors.values() for text in texts)


def _audit_changes(changed: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    detail: dict[str, dict[str, Any]] = {}
    for name, (old, new) in changed.items():
        if name == SMS_TEMPLATES:
            for code in sorted(set(old) | set(new)):
                if old.get(code) != new.get(code):
                    detail[f"sms_templates.{code}"] = {"old": old.get(code, "（默认）"), "new": new.get(code, "（默认）")}
        else:
            detail[name] = {"old": _jsonable(old), "new": _jsonable(new)}
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
    found = _validate(campaign.year, proposed, unknown)
    readable = {name: change for name, change in changed.items() if name not in found.skipped}
    locked = _lock_problems(readable, campaign_usage(campaign), today=clock.today(), year=campaign.year)
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
