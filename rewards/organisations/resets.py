"""凭据重置的双人确认: a password set by an administrator, and a reset of an account's second
factor, for an account under dual control (SECURITY.md 5 and 7).

Role grants (:mod:`.grants`) keep one administrator from giving themself a payer's or a
reviewer's role; this keeps them from taking over the accounts of people who already hold one.
Without it an administrator could set a new password on two finance officers' accounts, reset
their authenticators, sign in as both, bind authenticators of their own, and build and approve a
payment batch alone.

The invariant: **no single administrator comes to know credentials that work** (the password, and
the second factor where one is needed) for an account under dual control. So:

- A password an administrator sets there does not take effect when set: the request keeps only
  its hash, and the account keeps its password (the holder goes on working). When a **different**
  administrator confirms it, the account's password becomes the set password followed by a
  second part drawn at that moment and shown once to the confirming administrator only
  (:mod:`rewards.identity.hashers`): each of them tells the holder their part, and neither knows
  both. It is temporary: the holder must replace it at the first sign-in, and it stops working
  ``STAFF_TEMPORARY_PASSWORD_HOURS`` after the confirmation. The holder's other sessions and API
  tokens end (SECURITY.md 10).
- A reset of the second factor waits the same way; once confirmed the authenticator and API
  tokens are gone and the holder binds a new one at the next sign-in, which takes their own
  password, which no administrator knows.
- Any administrator may refuse (the one who asked withdraws it); the account stays as it is.
- Every step is audited (``staff.reset_request``, ``staff.reset_confirm`` with refused attempts,
  ``staff.reset_refuse``); no entry holds a password, a part or a hash.
- A reset not confirmed within ``STAFF_PENDING_DUAL_CONTROL_DAYS`` lapses (:mod:`.lapse`): it can
  no longer be confirmed, and its first part's hash is gone.
- A reset exists to give its holder access again: when it takes effect (confirmed, or at once
  outside dual control) it lifts the account's sign-in lockout (SECURITY.md 7), as the action
  解除登录锁定 would, recorded in the reset's own audit entry (``lock_lifted``).

A password an administrator sets for an account outside dual control holds at once, temporary
all the same (ASVS 6.4.1). Taking access away (disabling password sign-in, disabling the account)
is never held back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, InvalidInput
from rewards.core.masking import mask_digit_runs
from rewards.core.text import clean
from rewards.identity.hashers import new_second_part, two_part_password
from rewards.identity.lockout import lift_lock
from rewards.identity.mfa import remove_factor
from rewards.identity.models import StaffToken

from .lapse import NOTICED_CONFIRM, NOTICED_REFUSE, has_lapsed, lapse_overdue_of, lapse_reset, lapsed_message, shanghai_minute
from .models import CredentialReset, GrantStatus, ResetKind, Role, RoleGrant, StaffUser


@dataclass(frozen=True)
class ConfirmedReset:
    reset: CredentialReset
    #: The second part of the new password, for the confirming administrator's eyes only (shown
    #: once, stored nowhere); "" for a second-factor reset.
    second_part: str = ""
    #: When the temporary password stops working (a password reset).
    valid_until: dt.datetime | None = None


def under_dual_control(account: StaffUser) -> bool:
    """An account whose password and second factor one administrator alone may not replace:
    its role, or the role a pending grant would give it, is in ``STAFF_DUAL_CONTROL_ROLES``. An
    account without a role is too, while the list is not empty: it gets one only through a grant,
    and a password one administrator set before it would then be theirs."""
    roles = list(settings.STAFF_DUAL_CONTROL_ROLES or [])
    if not roles:
        return False
    if not account.role or account.role in roles:
        return True
    return RoleGrant.objects.filter(account=account, status=GrantStatus.PENDING, role__in=roles).exists()


def temporary_until() -> dt.datetime:
    return clock.now() + dt.timedelta(hours=int(settings.STAFF_TEMPORARY_PASSWORD_HOURS))


def audit_minute(moment: dt.datetime) -> str:
    """A time as the audit entry keeps it: Beijing time, to the minute (2020-10-16T09:30+08:00)."""
    return moment.astimezone(clock.SHANGHAI).isoformat(timespec="minutes")


def _end_tokens(account: StaffUser) -> int:
    return StaffToken.objects.filter(user=account).delete()[0]


@transaction.atomic
def password_set_at_once(*, account: StaffUser, password: str, acting_user: StaffUser, request: Any = None) -> None:
    """重置密码 for an account outside dual control: holds at once, as a temporary password
    (changed at the first sign-in, ended after ``STAFF_TEMPORARY_PASSWORD_HOURS``). The holder's
    sessions and API tokens end, and a sign-in lockout is lifted. Audited ``staff.password_reset``."""
    if under_dual_control(account):
        raise Forbidden("该账号受双人控制：管理员设定的密码须经另一位系统管理员确认后才生效。", code="dual_control")
    account.set_password(password)
    account.temporary_password_until = temporary_until()
    account.save(update_fields=["password", "temporary_password_until"])
    detail = {
        "temporary_until": audit_minute(account.temporary_password_until),
        "tokens_revoked": _end_tokens(account),
        "lock_lifted": lift_lock(account.username),
    }
    audit("staff.password_reset", actor=acting_user, request=request, obj=account, detail=detail)


@transaction.atomic
def credential_reset_request(
    *, account: StaffUser, kind: str, acting_user: StaffUser, password: str = "", request: Any = None
) -> CredentialReset:
    """Records a reset for a second administrator (audited ``staff.reset_request``). For a
    password, ``password`` (validated by the caller's form) is kept as its hash only. A pending
    reset of that kind past its period lapses first (:mod:`.lapse`)."""
    if getattr(acting_user, "role", "") != Role.ADMIN:
        raise Forbidden("只有系统管理员可以重置密码或两步验证。")
    if kind == ResetKind.PASSWORD and not password:
        raise InvalidInput("请输入新密码。")
    StaffUser.objects.select_for_update().filter(pk=account.pk).first()  # one request at a time per account
    lapse_overdue_of(account, kind=kind, actor=acting_user, request=request)
    if CredentialReset.objects.filter(account=account, kind=kind, status=GrantStatus.PENDING).exists():
        raise Conflict(f"账号“{account.username}”已有一项待确认的{ResetKind(kind).label}：请先确认或拒绝它。", code="reset_pending")
    reset = CredentialReset.objects.create(
        account=account,
        kind=kind,
        first_part_hash=make_password(password) if kind == ResetKind.PASSWORD else "",
        asked_by=acting_user,
        asked_at=clock.now(),
    )
    audit("staff.reset_request", actor=acting_user, request=request, obj=account, detail={"reset": reset.pk, "reset_kind": kind})
    return reset


def _may_not_confirm(reset: CredentialReset, user: StaffUser) -> str | None:
    """Why ``user`` may not confirm ``reset``; None when they may."""
    if getattr(user, "role", "") != Role.ADMIN or not getattr(user, "is_active", False):
        return "只有系统管理员可以确认重置。"
    if reset.asked_by_id == user.pk:
        return "不能确认自己提出的重置：须由另一位系统管理员确认，第二段密码由确认人告知本人。"
    if reset.account_id == user.pk:
        return "不能确认对自己账号的重置：须由另一位系统管理员确认。"
    return None


def _locked_pending(reset_id: int, *, refusing: bool = False) -> CredentialReset:
    reset = CredentialReset.objects.select_for_update(of=("self",)).select_related("account").get(pk=reset_id)
    if reset.status == GrantStatus.EXPIRED:
        raise Conflict(lapsed_message(ResetKind(reset.kind).label, reset.asked_at, refusing=refusing), code="reset_lapsed")
    if reset.status != GrantStatus.PENDING:
        raise Conflict(f"这项重置{GrantStatus(reset.status).label}，无需再处理。", code="reset_decided")
    return reset


def _lapse_if_overdue(reset: CredentialReset, *, noticed: str, acting_user: StaffUser, request: Any) -> str | None:
    """Stores a locked pending reset past its period as lapsed (audited) and returns why it is
    refused; None for a reset in its period. The caller raises once the lapse is committed."""
    if not has_lapsed(reset.asked_at):
        return None
    lapse_reset(reset, noticed=noticed, actor=acting_user, request=request)
    return lapsed_message(ResetKind(reset.kind).label, reset.asked_at, refusing=noticed == NOTICED_REFUSE)


def _decide(reset: CredentialReset, status: str, acting_user: StaffUser | None) -> None:
    reset.status = status
    reset.decided_by = acting_user
    reset.decided_at = clock.now()
    reset.first_part_hash = ""  # in the account's password now, or no longer wanted
    reset.save(update_fields=["status", "decided_by", "decided_at", "first_part_hash"])


def credential_reset_confirm(*, reset: CredentialReset, acting_user: StaffUser, request: Any = None) -> ConfirmedReset:
    """确认重置: another administrator than the one who asked (and than the account's owner) puts
    the reset into effect. A password becomes the asker's part followed by a second part drawn
    now and returned for this administrator alone; a second factor is removed. The holder's
    sessions and API tokens end. Audited ``staff.reset_confirm``; a refused attempt too, with
    result ``denied``."""
    refusal = _may_not_confirm(reset, acting_user)
    if refusal is not None:
        audit("staff.reset_confirm", actor=acting_user, request=request, obj=reset.account, result="denied", detail={"reset": reset.pk})
        raise Forbidden(refusal, code="own_reset")
    with transaction.atomic():
        reset = _locked_pending(reset.pk)
        lapsed = _lapse_if_overdue(reset, noticed=NOTICED_CONFIRM, acting_user=acting_user, request=request)
        if lapsed is None:
            confirmed = _confirm_locked(reset, acting_user=acting_user, request=request)
    if lapsed is not None:
        raise Conflict(lapsed, code="reset_lapsed")
    return confirmed


def _confirm_locked(reset: CredentialReset, *, acting_user: StaffUser, request: Any) -> ConfirmedReset:
    account = StaffUser.objects.select_for_update().get(pk=reset.account_id)
    detail: dict[str, Any] = {"reset": reset.pk, "reset_kind": reset.kind, "asked_by": reset.asked_by_id}
    second_part, valid_until = "", None
    if reset.kind == ResetKind.PASSWORD:
        second_part, valid_until = new_second_part(), temporary_until()
        account.password = two_part_password(first_hash=reset.first_part_hash, second_part=second_part)
        account.temporary_password_until = valid_until
        account.save(update_fields=["password", "temporary_password_until"])
        detail.update(temporary_until=audit_minute(valid_until), tokens_revoked=_end_tokens(account))
    else:
        had_device, tokens = remove_factor(account)
        detail.update(had_device=had_device, tokens_revoked=tokens)
    # The holder signs in next with the reset credentials: a lock (perhaps their own failed
    # tries with a lost phone or a forgotten password) would keep them out for nothing.
    detail["lock_lifted"] = lift_lock(account.username)
    _decide(reset, GrantStatus.CONFIRMED, acting_user)
    audit("staff.reset_confirm", actor=acting_user, request=request, obj=account, detail=detail)
    return ConfirmedReset(reset=reset, second_part=second_part, valid_until=valid_until)


def credential_reset_refuse(*, reset: CredentialReset, acting_user: StaffUser, request: Any = None) -> CredentialReset:
    """拒绝重置: any administrator, the one who asked included (it then withdraws it). The account
    keeps its password and authenticator. Audited ``staff.reset_refuse``."""
    if getattr(acting_user, "role", "") != Role.ADMIN or not getattr(acting_user, "is_active", False):
        raise Forbidden("只有系统管理员可以拒绝重置。")
    with transaction.atomic():
        reset = _locked_pending(reset.pk, refusing=True)
        lapsed = _lapse_if_overdue(reset, noticed=NOTICED_REFUSE, acting_user=acting_user, request=request)
        if lapsed is None:
            _decide(reset, GrantStatus.REFUSED, acting_user)
            detail = {"reset": reset.pk, "reset_kind": reset.kind, "asked_by": reset.asked_by_id}
            audit("staff.reset_refuse", actor=acting_user, request=request, obj=reset.account, detail=detail)
    if lapsed is not None:
        raise Conflict(lapsed, code="reset_lapsed")
    return reset


def reset_summary(reset: CredentialReset) -> str:
    """The reset as the administration lists it: “重置密码（admin 提出，2020-10-15 09:30）”."""
    return f"{ResetKind(reset.kind).label}（{reset.asked_by.username} 提出，{shanghai_minute(reset.asked_at)}）"


def _operator_reset(account: StaffUser, kind: str, reason: str, *, example: str) -> tuple[str, CredentialReset | None]:
    """The start of an operator's reset, in its transaction: the reason as the audit keeps it (one
    line, invisible characters dropped: a reason nobody can read is none), the account locked, a
    pending reset of ``kind`` past its period lapsed, and the one still pending (locked), if any."""
    reason = mask_digit_runs(clean(reason))  # a mobile or card number typed into it: masked (SECURITY.md 17)
    if not reason:
        raise InvalidInput(f"请用 --reason 写明原因（记入审计日志），例如“{example}”。")
    StaffUser.objects.select_for_update().filter(pk=account.pk).first()
    lapse_overdue_of(account, kind=kind, actor=None)
    pending = CredentialReset.objects.select_for_update(of=("self",)).filter(account=account, kind=kind, status=GrantStatus.PENDING).first()
    return reason, pending


@transaction.atomic
def second_factor_reset_by_operator(*, account: StaffUser, reason: str) -> dict[str, Any]:
    """重置两步验证 by the operator on the server (``manage.py reset_second_factor``), as
    ``create_staff`` and ``changepassword`` stay theirs (decisions 145, 157): for a lost phone
    that no two administrators can reset in the administration (an administrator's own, where
    the deployment has two; the only one's). It holds at once: the authenticator and API tokens go,
    signed-in pages end, a sign-in lockout is lifted; the holder binds a new authenticator at the
    next sign-in with their own password. A pending second-factor reset of the account (asked by
    the other administrator, with no third to confirm it) is closed as confirmed by this one.
    Audited ``staff.mfa_reset`` (actor 命令行, ``channel`` cli) with the operator's reason."""
    reason, pending = _operator_reset(account, ResetKind.MFA, reason, example="系统管理员手机丢失，无第三位管理员确认重置")
    had_device, tokens = remove_factor(account)
    detail: dict[str, Any] = {
        "channel": "cli",
        "reason": reason,
        "had_device": had_device,
        "tokens_revoked": tokens,
        "lock_lifted": lift_lock(account.username),
    }
    if pending is not None:
        _decide(pending, GrantStatus.CONFIRMED, None)
        detail.update(reset=pending.pk, asked_by=pending.asked_by_id)
    audit("staff.mfa_reset", actor_label="cli", obj=account, detail=detail)
    return detail


@transaction.atomic
def password_set_by_operator(*, account: StaffUser, password: str, reason: str) -> dict[str, Any]:
    """重置密码 by the operator on the server (``manage.py set_staff_password``): for a forgotten
    password that no two administrators can reset in the administration (an administrator's own,
    where the deployment has two), as :func:`second_factor_reset_by_operator` is for a lost phone.
    The password is temporary (the holder changes it at the first sign-in; the operator knows it),
    the holder's API tokens and signed-in pages end, a sign-in lockout is lifted, and a pending
    password reset asked in the administration is closed as refused (this one replaces it).
    Audited ``staff.password_reset`` (actor 命令行, ``channel`` cli) with the operator's reason;
    Django's own ``changepassword`` writes no entry and is refused (``rewards.operator``)."""
    reason, pending = _operator_reset(account, ResetKind.PASSWORD, reason, example="系统管理员忘记密码，无第三位管理员确认重置")
    account.set_password(password)
    account.temporary_password_until = temporary_until()
    account.save(update_fields=["password", "temporary_password_until"])
    detail: dict[str, Any] = {
        "channel": "cli",
        "reason": reason,
        "temporary_until": audit_minute(account.temporary_password_until),
        "tokens_revoked": _end_tokens(account),
        "lock_lifted": lift_lock(account.username),
    }
    if pending is not None:
        _decide(pending, GrantStatus.REFUSED, None)
        detail.update(reset_closed=pending.pk, asked_by=pending.asked_by_id)
    audit("staff.password_reset", actor_label="cli", obj=account, detail=detail)
    return detail
