"""授权与重置记录: an account's role grants and credential resets as its page in the
administration lists them, newest first, each with what became of it (待确认, 已确认, 已拒绝,
已过期, with who and when). Where a lapse goes once the list no longer shows it (:mod:`.lapse`), and
what an administrator reads before proposing again; the audit log holds the same and more.
"""

from __future__ import annotations

from typing import Any

from .grants import grant_summary
from .lapse import is_lapsed, period_days, proposed_at, shanghai_minute
from .models import CredentialReset, GrantStatus, ResetKind, RoleGrant, StaffUser

#: How many of an account's grants and resets its page lists.
SHOWN = 10


def _outcome(row: RoleGrant | CredentialReset) -> str:
    if is_lapsed(row):
        return f"已过期（超过 {period_days()} 天未确认）"
    if row.status == GrantStatus.PENDING:
        return "待确认"
    # Decided with nobody signed in: by the operator on the server (reset_second_factor,
    # set_staff_password complete or close a pending reset), as the audit log says 命令行.
    who = row.decided_by.username if row.decided_by else ("命令行" if row.decided_at else "—")
    when = shanghai_minute(row.decided_at) if row.decided_at else "—"
    return f"{GrantStatus(row.status).label}（{who}，{when}）"


def _summary(row: RoleGrant | CredentialReset) -> str:
    if isinstance(row, RoleGrant):
        return grant_summary(row)
    return f"{ResetKind(row.kind).label}（{row.asked_by.username} 提出）"


def account_history(account: StaffUser, *, limit: int = SHOWN) -> list[str]:
    """“2020-10-08 09:30 新建账号：市总财务人员，杭州市总工会（admin 提出）：已确认（admin.b，2020-10-08 10:02）”, …"""
    related: list[Any] = ["organisation", "granted_by", "decided_by"]
    grants = list(RoleGrant.objects.filter(account=account).select_related(*related).order_by("-granted_at", "-pk")[:limit])
    resets = list(
        CredentialReset.objects.filter(account=account).select_related("asked_by", "decided_by").order_by("-asked_at", "-pk")[:limit]
    )
    both: list[RoleGrant | CredentialReset] = [*grants, *resets]
    rows = sorted(both, key=proposed_at, reverse=True)[:limit]
    return [f"{shanghai_minute(proposed_at(row))} {_summary(row)}：{_outcome(row)}" for row in rows]
