"""The six eligibility rules of DOMAIN.md §3 (奖励对象和条件) as pure functions.

Each rule takes plain data (``facts.py``) and the business date, and returns a
:class:`Check`: pass or fail and a sentence in Chinese saying why. No rule reads the
database, so a 2021 campaign with other dates, amounts or issuers needs no code change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rewards.core.text import org_key as occupation_key
from rewards.core.vocab import AWARDED_STATUSES, LEVEL_GRADE, Issuer, Level, Status

from .facts import ApplicantInput, CampaignTerms, IssuerTerms, RegistryFacts


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    message: str
    #: The API error code when this failure is a conflict with existing state (409).
    code: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "passed": self.passed, "message": self.message}


def _d(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _span(window: tuple[dt.date, dt.date]) -> str:
    return f"{_d(window[0])}至{_d(window[1])}"


def _label(level: str) -> str:
    return str(Level(level).label)


# 1. 本市所属工会实名认证会员 -----------------------------------------------------------


def rule_member(applicant: ApplicantInput, facts: RegistryFacts) -> Check:
    member = facts.member
    if member is None:
        return Check(
            "member",
            False,
            "会员库中没有该身份证号码的会员。奖励对象须为本市所属工会的实名认证会员：请先加入工会并通过“杭工e家”APP完成会员实名认证，或联系所在单位工会。",
        )
    if member.name != applicant.name:
        return Check("member", False, "会员库中该身份证号码登记的姓名与填写的姓名不一致，请核对姓名，或联系所在单位工会更正会员信息。")
    if not member.verified:
        return Check("member", False, "您是工会会员，但尚未完成会员实名认证。请通过“杭工e家”APP完成实名认证后再申请。")
    if not member.union_under_city:
        return Check("member", False, "会员库中您所属的工会不在杭州市总工会下属的区县（市）或产业工会中，请联系所在单位工会核实。")
    return Check("member", True, f"您是{member.union_name}的实名认证会员。")


# 2. 晋级，高级工以上（含高级工） --------------------------------------------------------------
# The notice's “本年度晋级”: the promotion's time is rule 3's, the campaign's certificate window
# (2019年12月1日至2020年11月30日 for 2020), not a calendar year; so said nowhere as “本年度”.


def rule_promotion(applicant: ApplicantInput, terms: CampaignTerms) -> Check:
    """The campaign's amount table names the levels it rewards (2020: 高级工 and above)."""
    new = applicant.new_level
    if new not in terms.amounts:
        rewarded = "、".join(_label(level) for level in sorted(terms.amounts, key=lambda lv: -LEVEL_GRADE[Level(lv)]))
        return Check("promotion", False, f"现晋升的技能等级为{_label(new)}；{terms.year}年度奖励只针对晋级为{rewarded}的职工。")
    previous = applicant.previous_level
    if previous:
        if LEVEL_GRADE[Level(new)] >= LEVEL_GRADE[Level(previous)]:
            return Check("promotion", False, f"现晋升的技能等级（{_label(new)}）不高于原有最高技能等级（{_label(previous)}），不属于晋级。")
        return Check("promotion", True, f"由{_label(previous)}晋升为{_label(new)}，属于晋级。")
    return Check("promotion", True, f"首次取得{_label(new)}证书（未填写原有技能等级），属于晋级。")


# 3. 发证时间 ----------------------------------------------------------------------------------


def in_window(day: dt.date, window: tuple[dt.date, dt.date] | None) -> bool:
    return window is not None and window[0] <= day <= window[1]


def rule_window(applicant: ApplicantInput, terms: CampaignTerms, facts: RegistryFacts) -> Check:
    day = applicant.certificate_issue_date
    if in_window(day, terms.main_window):
        return Check("window", True, f"发证时间{_d(day)}在{terms.year}年度奖励的发证时间范围（{_span(terms.main_window)}）内。")
    if terms.makeup_window and in_window(day, terms.makeup_window):
        previous = terms.previous_year
        if not facts.previous_roster_available:
            return Check(
                "window",
                False,
                f"发证时间{_d(day)}在补申报范围（{_span(terms.makeup_window)}）内，但{previous}年度奖励名单尚未导入系统，暂时无法确认您未申请过{previous}年度奖励，请联系所属工会。",
            )
        if facts.previous_participation:
            return Check(
                "window",
                False,
                f"发证时间{_d(day)}在补申报范围（{_span(terms.makeup_window)}）内，但您已申请或领取过{previous}年度奖励，不能补申报。",
            )
        return Check(
            "window", True, f"发证时间{_d(day)}在补申报范围（{_span(terms.makeup_window)}）内，且您未申请过{previous}年度奖励，可以补申报。"
        )
    ranges = f"{terms.year}年度奖励的发证时间范围（{_span(terms.main_window)}）"
    if terms.makeup_window:
        ranges += f"和补申报范围（{_span(terms.makeup_window)}）"
    return Check("window", False, f"发证时间{_d(day)}不在{ranges}内。")


def is_makeup(applicant: ApplicantInput, terms: CampaignTerms) -> bool:
    return not in_window(applicant.certificate_issue_date, terms.main_window) and in_window(
        applicant.certificate_issue_date, terms.makeup_window
    )


# 4. 发证机关与职业范围 --------------------------------------------------------------------------


def _issuer_names(codes: frozenset[str]) -> str:
    return "、".join(str(Issuer(code).label) for code in Issuer.values if code in codes)


def rule_issuer(applicant: ApplicantInput, terms: CampaignTerms, facts: RegistryFacts) -> Check:
    makeup = is_makeup(applicant, terms)
    scope: IssuerTerms = (terms.previous_issuers or terms.issuers) if makeup else terms.issuers
    # The campaign's year, not “本年度”: a make-up certificate is judged by the previous year's scope.
    which = f"{scope.year}年度" if makeup else f"{terms.year}年度"
    issuer = applicant.issuer
    issuer_name = str(Issuer(issuer).label)
    if issuer in scope.counted_issuers:
        return Check("issuer", True, f"证书由{issuer_name}核发，属于{which}奖励职业范围。")
    union = facts.member.union_name if facts.member else "所属工会"
    if issuer in scope.occupation_issuers:
        if occupation_key(applicant.occupation) in scope.approved_occupations:
            return Check(
                "issuer", True, f"证书由{issuer_name}核发，且“{applicant.occupation}”是市总工会备案同意的{union}非通用性职业（工种）。"
            )
        return Check(
            "issuer",
            False,
            f"证书由{issuer_name}核发，但“{applicant.occupation}”不是市总工会{which}备案同意的{union}非通用性职业（工种）。",
        )
    counted = _issuer_names(scope.counted_issuers)
    extra = f"，以及{_issuer_names(scope.occupation_issuers)}核发的经备案同意的非通用性职业" if scope.occupation_issuers else ""
    return Check("issuer", False, f"发证机关为{issuer_name}的证书不在{which}奖励范围内（认可{counted}核发的证书{extra}）。")


# 5. 仅限一次 -------------------------------------------------------------------------------------


def rule_once(terms: CampaignTerms, facts: RegistryFacts) -> Check:
    for prior in facts.same_campaign:
        if prior.status in AWARDED_STATUSES:
            return Check(
                "once_per_campaign",
                False,
                f"您已获得{terms.year}年度奖励（申请编号{prior.application_no}），同一对象每年度仅限享受一次奖励。",
                code="already_awarded",
            )
    for prior in facts.same_campaign:
        if prior.status == Status.REJECTED:
            return Check(
                "once_per_campaign",
                False,
                f"您的{terms.year}年度申请（申请编号{prior.application_no}）已被决定不予奖励，不能再次申请{terms.year}年度奖励。",
                code="already_rejected",
            )
    for prior in facts.same_campaign:
        if prior.status != Status.WITHDRAWN:
            return Check(
                "once_per_campaign",
                False,
                f"您已有一份{terms.year}年度申请（申请编号{prior.application_no}）正在办理中。如需修改，请修改该申请，或撤回后重新申请。",
                code="already_pending",
            )
    return Check("once_per_campaign", True, f"您尚未获得{terms.year}年度奖励，也没有其他正在办理的申请。")


# 6. 申报截止 ---------------------------------------------------------------------------------------


def rule_deadline(terms: CampaignTerms, facts: RegistryFacts, today: dt.date) -> Check:
    if facts.mode == "bank_fix":
        return Check("deadline", True, "发放失败后更正银行卡不受申报截止时间限制。")
    if facts.mode == "resubmission" and facts.returned_on is not None:
        until = max(terms.application_deadline, facts.returned_on + dt.timedelta(days=terms.resubmission_grace_days))
        if today > until:
            return Check("deadline", False, f"退回的申请须在{_d(until)}前（含当日）修改后重新提交，现已超过期限。", code="deadline_passed")
        return Check("deadline", True, f"退回的申请可在{_d(until)}前（含当日）修改后重新提交。")
    if today < terms.opens_on:
        return Check("deadline", False, f"{terms.year}年度奖励申报自{_d(terms.opens_on)}开始受理，尚未开始。", code="not_open")
    if today > terms.application_deadline:
        return Check("deadline", False, f"{terms.year}年度奖励申报已于{_d(terms.application_deadline)}截止。", code="deadline_passed")
    return Check("deadline", True, f"{terms.year}年度奖励申报截止时间为{_d(terms.application_deadline)}（含当日），目前可以申报。")
