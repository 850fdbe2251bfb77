"""A rule's refusal as the batch channel's staff read it: about 该职工 (decision 97), and naming
another application only to whom may open it (decision 221).

The once-a-year rule names the person's other application of the year (“您已获得2020年度奖励
（申请编号2020000001）…”, 已被决定不予奖励, 正在办理中). A row, a paper entry or a clerk's
resubmission refused by it is read by a clerk who may not open that application (another
union's, or the worker's own online one): the clerk is told the fact and the channel, not the
number, as :func:`already_applying` says it when the application is
found before the rules run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from rewards.applications.models import Application
from rewards.core.vocab import Channel, Status
from rewards.eligibility.services import staff_voice
from rewards.organisations.models import StaffUser
from rewards.organisations.selectors import visible_organisations

#: An application's number as the rules write it.
_NUMBER = re.compile(r"（申请编号(\d+)）")
ONLINE = "（个人网上申报）"
ANOTHER_UNION = "（单位统一申报，由其他单位工会填报）"


def in_staff_words(messages: Iterable[str], *, visible: frozenset[int]) -> list[str]:
    """``messages`` in :func:`staff_voice`, each application number kept only when that
    application's union or submitting union is in ``visible`` (the caller's subtree); else the
    channel is said in its place. One query, and none when no message names a number."""
    said = [staff_voice(str(message)) for message in messages]
    numbers = {number for message in said for number in _NUMBER.findall(message)}
    if not numbers:
        return said
    found = {
        row["application_no"]: row
        for row in Application.objects.filter(application_no__in=numbers).values(
            "application_no", "channel", "union_id", "submitting_org_id"
        )
    }

    def shown(match: re.Match[str]) -> str:
        row = found.get(match.group(1))
        if row is None:
            return ""  # not found (never expected): nothing to name
        if row["union_id"] in visible or row["submitting_org_id"] in visible:
            return match.group(0)
        return ONLINE if row["channel"] == Channel.ONLINE else ANOTHER_UNION

    return [_NUMBER.sub(shown, message) for message in said]


def staff_words_for(visible: frozenset[int]) -> Callable[[str], str]:
    """:func:`in_staff_words` for one message at a time (a refusal's voice)."""
    return lambda message: in_staff_words([message], visible=visible)[0]


def checks_in_staff_words(checks: list[dict[str, Any]] | None, *, visible: frozenset[int]) -> list[dict[str, Any]]:
    """Rule results with their messages in :func:`in_staff_words`."""
    checks = list(checks or [])
    messages = in_staff_words([str(check.get("message", "")) for check in checks], visible=visible)
    return [{**check, "message": message} for check, message in zip(checks, messages, strict=True)]


# --- a person already applying: the row refused before the rules run ---------------------


def already_said(year: int) -> str:
    """The start of every refusal of a person who has an application of the campaign already."""
    return f"该职工{year}年度已有申请"


def visible_org_ids(user: StaffUser | None) -> frozenset[int]:
    """The units in the caller's subtree: an application whose union or submitting union is one
    of them is one the caller may open (``scoped_applications``), and a refusal may name it."""
    return frozenset(visible_organisations(user).values_list("pk", flat=True)) if user is not None else frozenset()


def already_applying(prior: dict[str, Any], *, year: int, visible: frozenset[int], own_member: bool) -> str:
    """Why a row of a person applying via another channel (online, or another union's entry)
    is refused (decision 19). The application's number is said only to whom may open it (a
    district union entering for one of its units): to a clerk it would name a record the clerk
    cannot open, one to quote about somebody else's application. The worker has the number by
    SMS; a row of the union's own member says so, and what the clerk can do. ``year``: the
    campaign's, said as the rules say it (decision 233)."""
    if prior["union_id"] in visible or prior["submitting_org_id"] in visible:
        channel = "个人网上申报" if prior["channel"] == Channel.ONLINE else "单位统一申报（其他单位）"
        return f"{already_said(year)}（编号{prior['application_no']}，{channel}），不能重复申报。"
    if prior["channel"] == Channel.ONLINE:
        said = f"{already_said(year)}（个人网上申报），不能重复申报"
        return said + ("：无需再由本单位填报；申请编号和进度，职工本人可凭短信登录平台查看。" if own_member else "。")
    said = f"{already_said(year)}（单位统一申报，由其他单位工会填报），不能重复申报"
    return said + ("：会员库中该职工属本单位，如有疑问请联系区县（产业）工会核实。" if own_member else "。")


#: What a clerk can do about an application already there, by its status.
_HOW_TO_CHANGE = {
    Status.PENDING_GRASSROOTS: "需要修改的，请在该申请的详情页先“退回修改”，再“修改后重新提交”。",
    Status.PENDING_DISTRICT: "需要修改的，请区县（产业）工会审核人先退回，再在该申请的详情页“修改后重新提交”。",
    Status.PENDING_CITY: "需要修改的，请市总工会审核人先退回，再在该申请的详情页“修改后重新提交”。",
    Status.RETURNED: "需要修改的，请在该申请的详情页“修改后重新提交”。",
    Status.APPROVED: "该申请已审核通过，不能再修改。",
    Status.PAID: "奖励已发放，不能再修改。",
    Status.PAYMENT_FAILED: "银行卡由职工登录后在“我的申请”中更正。",
    Status.REJECTED: "该申请已不予奖励，{year}年度不能再申报。",
}


def already_entered(prior: dict[str, Any], *, year: int, with_materials: bool) -> str:
    """Why a re-imported row of the union's own application saved nothing, and how to change it."""
    status = prior["status"]
    label = Status(status).label if status in Status.values else status
    saved = "本行和压缩包中该职工的材料都没有保存" if with_materials else "本行没有保存"
    return (
        f"本单位已填报该职工的申请（编号{prior['application_no']}，{label}），{saved}。{_HOW_TO_CHANGE.get(status, '').format(year=year)}"
    )
