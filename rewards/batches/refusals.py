"""A rule's refusal as the batch channel's staff read it: about 该职工 (decision 97), and naming
another application only to whom may open it (decision 221).

The once-a-year rule names the person's other application of the year (“您已获得2020年度奖励
（申请编号2020000001）…”, 已被决定不予奖励, 正在办理中). A row, a paper entry or a clerk's
resubmission refused by it is read by a clerk who may not open that application (another
union's, or the worker's own online one): the clerk is told the fact and the channel, not the
number, as :func:`rewards.batches.services.already_applying` says it when the application is
found before the rules run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from rewards.applications.models import Application
from rewards.core.vocab import Channel
from rewards.eligibility.services import staff_voice

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
