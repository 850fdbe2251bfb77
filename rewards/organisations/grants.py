"""角色授权的双人确认 (SECURITY.md 5: an administrator cannot review or pay, nobody approves their
own payment batch).

Without it one administrator could create two finance officers in the administration, sign in as
each and both build and approve a batch: one person paying. So a role grant made in the
administration (an account created with a role, a new role or organisation, a disabled account
enabled again), for a role in ``STAFF_DUAL_CONTROL_ROLES``, waits as a :class:`RoleGrant` until
another administrator confirms it. Until then the account keeps what it had: a new account has
no role and is disabled, a changed one keeps its role and organisation, a disabled one stays
disabled. The sign-in checks (pages and ``POST /api/v1/auth/token``) therefore need nothing new,
and a confirmed grant counts from the account's next request (SECURITY.md 3).

A new account's password is the creating administrator's (so is any password an administrator
set that its holder has not replaced yet: ``temporary_password_until``). When a grant to such an
account is confirmed, its password becomes that one followed by a second part shown to the
confirming administrator alone (:mod:`rewards.identity.hashers`), temporary, to be replaced at
the first sign-in. So neither administrator can sign in as the account and bind its second
factor: only its holder, told both parts (the invariant of :mod:`.resets`).

Taking power away is never held back: disabling an account or removing its role holds at once.
``create_staff`` on the server is not the administration: its accounts hold at once (the first
administrator, and the second person of a deployment with one administrator).

A grant not confirmed within ``STAFF_PENDING_DUAL_CONTROL_DAYS`` lapses (:mod:`.lapse`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.db import transaction

from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden
from rewards.identity.hashers import new_second_part, two_part_password

from .lapse import NOTICED_CONFIRM, NOTICED_REFUSE, has_lapsed, lapse_grant, lapse_overdue_of, lapsed_message
from .models import ROLE_ORG_KIND, GrantKind, GrantStatus, Organisation, OrgKind, Role, RoleGrant, StaffUser
from .resets import audit_minute, temporary_until


@dataclass(frozen=True)
class ConfirmedGrant:
    grant: RoleGrant
    #: The second part of a password an administrator set (a new account's), for the confirming
    #: administrator's eyes only.
    second_part: str = ""
    valid_until: dt.datetime | None = None


#: What an account holds that a grant changes, as the audit entries name it.
HELD = ("role", "organisation_id", "is_active")


@dataclass(frozen=True)
class GrantAsk:
    """What an administrator asked for and :func:`hold_back_grant` kept back from the account."""

    kind: str
    role: str
    organisation: Organisation | None
    activate: bool
    #: What the account held before (``HELD``).
    before: dict[str, Any]


def needs_second_administrator(role: str) -> bool:
    return bool(role) and role in settings.STAFF_DUAL_CONTROL_ROLES


def _held(account: StaffUser | None) -> dict[str, Any]:
    if account is None:
        return {"role": "", "organisation_id": None, "is_active": False}
    return {"role": account.role, "organisation_id": account.organisation_id, "is_active": account.is_active}


def hold_back_grant(*, account: StaffUser, before: StaffUser | None) -> GrantAsk | None:
    """The part of an edit made in the administration that must wait for a second administrator.

    ``account`` is the edited account before saving, ``before`` the stored one (None for a new
    account). When a grant must wait, ``account`` gets back what it held (a new account: no role,
    no organisation, disabled) and the ask is returned for :func:`role_grant_request`; the rest
    of the edit (name, e-mail, disabling) is saved as it is.
    """
    if not needs_second_administrator(account.role):
        return None
    if before is None:
        kind = GrantKind.CREATE
    elif account.is_active and not before.is_active:
        kind = GrantKind.REACTIVATE
    elif (account.role, account.organisation_id) != (before.role, before.organisation_id):
        kind = GrantKind.CHANGE
    else:
        return None
    ask = GrantAsk(
        kind=kind,
        role=account.role,
        organisation=account.organisation,
        activate=kind != GrantKind.CHANGE,
        before=_held(before),
    )
    account.role = before.role if before else ""
    account.organisation = before.organisation if before else None
    if kind != GrantKind.CHANGE:
        account.is_active = False
    return ask


def _asked(grant: RoleGrant | GrantAsk) -> dict[str, Any]:
    return {
        "role": grant.role,
        "organisation_id": grant.organisation.pk if grant.organisation else None,
        "is_active": True if grant.activate else None,
    }


def _changes(before: dict[str, Any], asked: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before[name], asked[name]] for name in HELD if asked[name] is not None and asked[name] != before[name]}


@transaction.atomic
def role_grant_request(*, account: StaffUser, ask: GrantAsk, acting_user: StaffUser, request: Any = None) -> RoleGrant:
    """Records the ask of :func:`hold_back_grant` as a pending grant (audited ``staff.grant_request``).
    A pending grant of the account past its period lapses first (:mod:`.lapse`)."""
    lapse_overdue_of(account, actor=acting_user, request=request)
    if RoleGrant.objects.filter(account=account, status=GrantStatus.PENDING).exists():
        raise Conflict(f"账号“{account.username}”已有一项待确认的授权：请先确认或拒绝它。", code="grant_pending")
    grant = RoleGrant.objects.create(
        account=account,
        kind=ask.kind,
        role=ask.role,
        organisation=ask.organisation,
        activate=ask.activate,
        granted_by=acting_user,
        granted_at=clock.now(),
    )
    detail = {"grant": grant.pk, "grant_kind": grant.kind, "changes": _changes(ask.before, _asked(ask))}
    audit("staff.grant_request", actor=acting_user, request=request, obj=account, detail=detail)
    return grant


def _may_not_confirm(grant: RoleGrant, user: StaffUser) -> str | None:
    """Why ``user`` may not confirm ``grant``; None when they may."""
    if getattr(user, "role", "") != Role.ADMIN or not getattr(user, "is_active", False):
        return "只有系统管理员可以确认授权。"
    if grant.granted_by_id == user.pk:
        return "不能确认自己提出的授权：须由另一位系统管理员确认。"
    if grant.account_id == user.pk:
        return "不能确认给自己账号的授权：须由另一位系统管理员确认。"
    return None


def _locked_pending(grant_id: int, *, refusing: bool = False) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update(of=("self",)).select_related("account", "organisation").get(pk=grant_id)
    if grant.status == GrantStatus.EXPIRED:
        raise Conflict(lapsed_message("授权", grant.granted_at, refusing=refusing), code="grant_lapsed")
    if grant.status != GrantStatus.PENDING:
        raise Conflict(f"这项授权{GrantStatus(grant.status).label}，无需再处理。", code="grant_decided")
    return grant


def _lapse_if_overdue(grant: RoleGrant, *, noticed: str, acting_user: StaffUser, request: Any) -> str | None:
    """Stores a locked pending grant past its period as lapsed (audited) and returns why it is
    refused; None for a grant in its period. The caller raises once the lapse is committed."""
    if not has_lapsed(grant.granted_at):
        return None
    lapse_grant(grant, noticed=noticed, actor=acting_user, request=request)
    return lapsed_message("授权", grant.granted_at, refusing=noticed == NOTICED_REFUSE)


def _decided_detail(grant: RoleGrant, before: dict[str, Any]) -> dict[str, Any]:
    return {"grant": grant.pk, "grant_kind": grant.kind, "granted_by": grant.granted_by_id, "changes": _changes(before, _asked(grant))}


def role_grant_confirm(*, grant: RoleGrant, acting_user: StaffUser, request: Any = None) -> ConfirmedGrant:
    """确认授权: another administrator than the one who asked (and than the account's owner) gives
    the account its role and organisation, and enables it when asked to; a password an
    administrator set (a new account's) gets its second part (returned, stored nowhere). Audited ``staff.grant_confirm``; a
    refused attempt too, with result ``denied``. A grant past its period lapses instead (audited
    ``staff.grant_lapse``) and is refused with :class:`Conflict`."""
    refusal = _may_not_confirm(grant, acting_user)
    if refusal is not None:
        audit("staff.grant_confirm", actor=acting_user, request=request, obj=grant.account, result="denied", detail={"grant": grant.pk})
        raise Forbidden(refusal, code="own_grant")
    with transaction.atomic():
        grant = _locked_pending(grant.pk)
        lapsed = _lapse_if_overdue(grant, noticed=NOTICED_CONFIRM, acting_user=acting_user, request=request)
        if lapsed is None:
            confirmed = _confirm_locked(grant, acting_user=acting_user, request=request)
    if lapsed is not None:
        raise Conflict(lapsed, code="grant_lapsed")
    return confirmed


def _confirm_locked(grant: RoleGrant, *, acting_user: StaffUser, request: Any) -> ConfirmedGrant:
    account = StaffUser.objects.select_for_update().get(pk=grant.account_id)
    expected = ROLE_ORG_KIND[Role(grant.role)]
    if grant.organisation is not None and grant.organisation.kind != expected:
        raise Conflict(
            f"角色“{Role(grant.role).label}”应属于{OrgKind(expected).label}，而“{grant.organisation}”现在是"
            f"{OrgKind(grant.organisation.kind).label}：请拒绝这项授权后重新提出。",
            code="grant_outdated",
        )
    before = _held(account)
    account.role = grant.role
    account.organisation = grant.organisation
    if grant.activate:
        account.is_active = True
    account.is_staff = account.is_superuser = grant.role == Role.ADMIN  # only the administrator enters /admin/
    fields = ["role", "organisation", "is_active", "is_staff", "is_superuser"]
    second_part, valid_until = "", None
    if account.temporary_password_until is not None and is_password_usable(account.password):
        second_part = new_second_part()
        valid_until = temporary_until()
        account.password = two_part_password(first_hash=account.password, second_part=second_part)
        account.temporary_password_until = valid_until
        fields += ["password", "temporary_password_until"]
    account.save(update_fields=fields)
    grant.status = GrantStatus.CONFIRMED
    grant.decided_by = acting_user
    grant.decided_at = clock.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    detail = _decided_detail(grant, before)
    if valid_until is not None:
        detail["temporary_until"] = audit_minute(valid_until)
    audit("staff.grant_confirm", actor=acting_user, request=request, obj=account, detail=detail)
    return ConfirmedGrant(grant=grant, second_part=second_part, valid_until=valid_until)


def role_grant_refuse(*, grant: RoleGrant, acting_user: StaffUser, request: Any = None) -> RoleGrant:
    """拒绝授权: any administrator, the one who asked included (it then withdraws it). The account
    keeps what it holds. Audited ``staff.grant_refuse``."""
    if getattr(acting_user, "role", "") != Role.ADMIN or not getattr(acting_user, "is_active", False):
        raise Forbidden("只有系统管理员可以拒绝授权。")
    with transaction.atomic():
        grant = _locked_pending(grant.pk, refusing=True)
        lapsed = _lapse_if_overdue(grant, noticed=NOTICED_REFUSE, acting_user=acting_user, request=request)
        if lapsed is None:
            _refuse_locked(grant, acting_user=acting_user, request=request)
    if lapsed is not None:
        raise Conflict(lapsed, code="grant_lapsed")
    return grant


def _refuse_locked(grant: RoleGrant, *, acting_user: StaffUser, request: Any) -> None:
    grant.status = GrantStatus.REFUSED
    grant.decided_by = acting_user
    grant.decided_at = clock.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    detail = _decided_detail(grant, _held(grant.account))
    audit("staff.grant_refuse", actor=acting_user, request=request, obj=grant.account, detail=detail)


def grant_summary(grant: RoleGrant) -> str:
    """The grant as the administration lists it: “新建账号：市总财务人员，杭州市总工会（admin 提出）”."""
    where = f"，{grant.organisation}" if grant.organisation else ""
    enable = "，确认后启用" if grant.activate and grant.kind == GrantKind.REACTIVATE else ""
    return f"{GrantKind(grant.kind).label}：{Role(grant.role).label}{where}{enable}（{grant.granted_by.username} 提出）"
