"""The self-check (资格自测) and the judgement every submission stores."""

from __future__ import annotations

import datetime as dt
import re
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
    if (wrong_union := _wrong_union(applicant, member)) is not None:
        raise wrong_union
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
        if (wrong_union := _wrong_union(applicant, member)) is not None:
            results.append(wrong_union)
            continue
        union_id = member.union_id if member else None
        terms = terms_of.get(union_id)
        if terms is None:
            terms = terms_of[union_id] = selectors.campaign_terms(campaign, union_id=union_id)
        decision = decide(applicant, terms, facts[id_hash], today=today)
        results.append(Judgement(applicant=applicant, decision=decision, union_id=member.union_id if member else None, member=member))
    return results


def _wrong_union(applicant: ApplicantInput, member: MemberFacts | None) -> InvalidInput | None:
    """The union typed is not the one the registry names for this member. Said only when the name
    matches too: to somebody else's ID number it would name that person's union (decision 287);
    the member rule then fails on the name, as it does without a union typed."""
    if not applicant.union or member is None or member.name != applicant.name:
        return None
    if org_key(applicant.union) == org_key(member.union_name):
        return None
    return InvalidInput(fields={"union": [f"所属工会与会员库登记的“{member.union_name}”不一致。"]})


#: Member-rule failures after which nothing more is said about the person behind the ID number.
_NOT_THIS_PERSON = ("会员库中没有该身份证号码的会员", "登记的姓名与填写的姓名不一致")
#: The member rule's one answer to anyone for both: whether the ID number is a member's at all is
#: that person's to know (decision 287); the sign-in's 403 says the same in its own words.
NOT_THIS_PERSON = (
    "会员库中没有与填写的身份证号码和姓名相符的会员，请核对身份证号码和姓名。奖励对象须为本市所属工会的实名认证会员："
    "请先加入工会并通过“杭工e家”APP完成会员实名认证，或联系所在单位工会。"
)
_APPLICATION_NO = re.compile(r"（申请编号\d+）")
WITHHELD = "须先核对会员信息（身份证号码与姓名一致的会员）后才能判断此项。"
#: The rules that read the person's own records (last year's award, this year's applications,
#: a return): the others read only what was typed and the campaign.
PERSONAL_RULES = frozenset({"window", "once_per_campaign", "deadline"})


def public_checks(decision: Decision) -> list[dict[str, object]]:
    """The self-check's answer for anyone who asks (no sign-in): an ID number and a name are not
    secrets, so it names no application number, and when the name does not match the registry
    (or there is no such member) it says nothing of that person's applications, past awards or
    returned application (the rules that read them are withheld), only that the member check
    failed, in one sentence for both (not whether the ID number is a member's); the rules that
    read what was typed are answered as usual."""
    checks = decision.as_list()
    member = next((check for check in checks if check["rule"] == "member"), None)
    stranger = member is not None and not member["passed"] and any(text in str(member["message"]) for text in _NOT_THIS_PERSON)
    public = []
    for check in checks:
        if stranger and check["rule"] == "member":
            public.append({**check, "judged": True, "message": NOT_THIS_PERSON})
        elif stranger and check["rule"] in PERSONAL_RULES:
            # Not judged: "passed" False because it is not known to pass, "judged" says why.
            public.append({"rule": check["rule"], "passed": False, "judged": False, "message": WITHHELD})
        else:
            public.append({**check, "judged": True, "message": _APPLICATION_NO.sub("", str(check["message"]))})
    return public


#: The rules speak to the worker (您…); a clerk or reviewer reading them about somebody else
#: reads them about 该职工 (decision 97). Ordered: the longer phrases first.
_STAFF_VOICE = (
    ("请先加入工会并通过“杭工e家”APP完成会员实名认证，或联系所在单位工会。", "该职工须先加入工会并通过“杭工e家”APP完成会员实名认证。"),
    # The clerk typing the row is the union itself: what it can do is check the row against the
    # worker's ID card (a mistyped number finds somebody else's record) and, if the registry is
    # wrong, correct the member record itself and enter the worker once the registry is updated.
    (
        "请核对姓名，或联系所在单位工会更正会员信息。",
        "请向该职工核实，对照其身份证核对填写的姓名和身份证号码（号码有误时会查到他人的登记）；"
        "如确是会员库中登记的姓名有误，须由该职工所在单位的基层工会更正会员信息，待会员库更新后再申报。",
    ),
    ("请联系所在单位工会核实。", "请核实该职工的会员关系。"),
    ("请联系所属工会。", "请待市总工会导入该年度奖励名单后再处理。"),
    ("或撤回后重新申请。", "或由职工撤回后重新申请。"),
    ("请通过“杭工e家”APP", "请该职工通过“杭工e家”APP"),
    ("您", "该职工"),
)


def staff_voice(message: str) -> str:
    """A rule's message as staff read it about a worker: "您已获得…" → "该职工已获得…"."""
    for worker_words, staff_words in _STAFF_VOICE:
        message = message.replace(worker_words, staff_words)
    return message


def staff_checks(checks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Stored rule results with their messages in :func:`staff_voice`."""
    return [{**check, "message": staff_voice(str(check.get("message", "")))} for check in checks or []]
