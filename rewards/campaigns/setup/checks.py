"""The checks of 年度活动设置 (:mod:`.services` runs them before a save): each value alone and the
values against each other, then what the lock rule refuses among the changes. Every problem is
said in Chinese on the setting it concerns, all of them in one round."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rewards.campaigns.models import Campaign
from rewards.core.vocab import LEVEL_GRADE, Issuer, Level

from . import sms
from .fields import (
    AWARD_LEVELS,
    LABELS,
    LEVEL_AMOUNTS,
    LOCK_REASON,
    LOCKED_FIELDS,
    MAX_AMOUNT,
    MAX_DECLARATION_LIMIT,
    MAX_GRACE_DAYS,
    SMS_TEMPLATES,
)
from .selectors import CampaignUsage


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
class Problems:
    """Problems found so far, and the settings no check may read (``skipped``)."""

    skipped: set[str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def known(self, *names: str) -> bool:
        return self.skipped.isdisjoint(names)


def validate(year: int, p: dict[str, Any], unknown: frozenset[str] = frozenset()) -> Problems:
    """Problems with a whole set of settings, field by field, in Chinese.

    ``unknown`` names settings whose typed value could not be read (the page's form refused
    them and said why): every check that reads one of them is left out and the others run, so
    a save is told all its problems at once. ``level_amounts`` among them means some amounts
    could not be read: those given are still checked, each alone and against each other.
    """
    found = Problems(skipped=set(unknown))
    _check_readable(p, found)
    _check_notice(p, found)
    _check_dates(p, found)
    _check_makeup(year, p, found)
    _check_numbers(p, found)
    _check_issuers(p, found)
    _check_amounts(p[LEVEL_AMOUNTS], found)
    _check_sms(p[SMS_TEMPLATES], found)
    return found


def _check_readable(p: dict[str, Any], found: Problems) -> None:
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


def _check_notice(p: dict[str, Any], found: Problems) -> None:
    if found.known("title"):
        if not p["title"]:
            found.add("title", "请填写通知标题。")
        elif len(p["title"]) > 200:
            found.add("title", "通知标题不能超过200个字。")
    if found.known("document_no") and len(p["document_no"]) > 60:
        found.add("document_no", "文号不能超过60个字。")


def _check_dates(p: dict[str, Any], found: Problems) -> None:
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


def _check_makeup(year: int, p: dict[str, Any], found: Problems) -> None:
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


def _check_numbers(p: dict[str, Any], found: Problems) -> None:
    grace = p["resubmission_grace_days"]
    if found.known("resubmission_grace_days") and (not isinstance(grace, int) or not 0 <= grace <= MAX_GRACE_DAYS):
        found.add("resubmission_grace_days", f"退回后补正期限须在0至{MAX_GRACE_DAYS}天之间。")
    limit = p["declaration_limit"]
    if found.known("declaration_limit") and (not isinstance(limit, int) or not 0 <= limit <= MAX_DECLARATION_LIMIT):
        found.add("declaration_limit", f"每个工会可申报的非通用性职业数须在0至{MAX_DECLARATION_LIMIT}之间。")


def _check_issuers(p: dict[str, Any], found: Problems) -> None:
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


def _check_amounts(amounts: dict[str, Any], found: Problems) -> None:
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


def _check_sms(texts: dict[str, str], found: Problems) -> None:
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


def lock_problems(changed: dict[str, tuple[Any, Any]], usage: CampaignUsage, *, today: dt.date, year: int) -> dict[str, list[str]]:
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
