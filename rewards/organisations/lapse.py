"""逾期未确认的授权和重置 (SECURITY.md 5, 7): a role grant (:mod:`.grants`) or a credential reset
(:mod:`.resets`) that no second administrator confirmed within ``STAFF_PENDING_DUAL_CONTROL_DAYS``
of being proposed lapses (已过期).

A grant proposed weeks ago and confirmed by an administrator who no longer remembers why it was
asked is not a second look at it. So from one second after ``granted_at``/``asked_at`` plus the
period, confirming is refused and the proposal must be made again; the last moment of the period
still confirms.

A lapse is stored (status ``expired``), so the "one pending per account" constraints no longer
count it, and audited (``staff.grant_lapse``, ``staff.reset_lapse``) when it is noticed: by an
administrator confirming or refusing it, by a new proposal for the same account, or by the daily
``purge_expired``. Until then a pending row past its period is treated as lapsed everywhere: it
cannot be confirmed, and the administration shows it as 已过期.

A lapse is news for one more period: the list shows it as 已过期 (column, filter, a notice) until
``STAFF_PENDING_DUAL_CONTROL_DAYS`` after it lapsed, time for its proposer to see it and propose
again; later it is history, on the account's page (:mod:`.history`) and in the audit log. A list
of what waits that keeps every lapse of years past would hide what does wait.

The first part of an administrator-set password never becomes usable after a lapse: a reset's
first-part hash is emptied, and a lapsed grant's account loses a password an administrator set that
the grant's confirmation would have completed with a second part (a new account's first
password): a new grant and a password reset are proposed again, together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from rewards.core import clock
from rewards.core.audit import audit
from rewards.identity.hashers import is_two_part

from .models import CredentialReset, GrantStatus, RoleGrant, StaffUser

#: Who noticed a lapse (the audit entry's ``noticed``).
NOTICED_CONFIRM, NOTICED_REFUSE, NOTICED_REQUEST, NOTICED_PURGE = "confirm", "refuse", "request", "purge"


def period_days() -> int:
    return int(settings.STAFF_PENDING_DUAL_CONTROL_DAYS)


def lapses_at(proposed_at: dt.datetime) -> dt.datetime:
    """The last moment a proposal made at ``proposed_at`` may be confirmed."""
    return proposed_at + dt.timedelta(days=period_days())


def has_lapsed(proposed_at: dt.datetime) -> bool:
    return clock.now() > lapses_at(proposed_at)


def live_since() -> dt.datetime:
    """Proposals made at or after this moment are still open (for querysets)."""
    return clock.now() - dt.timedelta(days=period_days())


def overdue(field: str) -> Q:
    """Pending rows past their period (``field``: ``granted_at`` or ``asked_at``)."""
    return Q(status=GrantStatus.PENDING, **{f"{field}__lt": live_since()})


def shanghai_minute(moment: dt.datetime) -> str:
    return f"{moment.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M}"


def lapsed_message(what: str, proposed_at: dt.datetime, *, refusing: bool = False) -> str:
    """“这项授权于 2020-10-08 09:30 提出，超过 7 天未确认，已过期，不能再确认：如仍需要，请重新提出。”"""
    then = "无需再拒绝。" if refusing else "不能再确认：如仍需要，请重新提出。"
    return f"这项{what}于 {shanghai_minute(proposed_at)} 提出，超过 {period_days()} 天未确认，已过期，{then}"


def _who(actor: StaffUser | None, request: Any) -> dict[str, Any]:
    return {"actor": actor, "request": request} if actor is not None else {"actor_label": "cli"}


def lapse_grant(grant: RoleGrant, *, noticed: str, actor: StaffUser | None = None, request: Any = None) -> None:
    """Stores a locked, pending grant as lapsed and audits it (``staff.grant_lapse``). A password an
    administrator set on the account that its confirmation would have completed (single part,
    temporary) is voided."""
    grant.status = GrantStatus.EXPIRED
    grant.decided_at = lapses_at(grant.granted_at)
    grant.save(update_fields=["status", "decided_at"])
    detail: dict[str, Any] = {
        "grant": grant.pk,
        "grant_kind": grant.kind,
        "granted_by": grant.granted_by_id,
        "days": period_days(),
        "noticed": noticed,
    }
    account = StaffUser.objects.select_for_update().get(pk=grant.account_id)
    if account.temporary_password_until is not None and is_password_usable(account.password) and not is_two_part(account.password):
        account.set_unusable_password()
        account.temporary_password_until = None
        account.save(update_fields=["password", "temporary_password_until"])
        detail["password_voided"] = True
    audit("staff.grant_lapse", obj=account, detail=detail, **_who(actor, request))


def lapse_reset(reset: CredentialReset, *, noticed: str, actor: StaffUser | None = None, request: Any = None) -> None:
    """Stores a locked, pending reset as lapsed, its first part's hash gone, and audits it
    (``staff.reset_lapse``)."""
    reset.status = GrantStatus.EXPIRED
    reset.decided_at = lapses_at(reset.asked_at)
    reset.first_part_hash = ""
    reset.save(update_fields=["status", "decided_at", "first_part_hash"])
    detail = {"reset": reset.pk, "reset_kind": reset.kind, "asked_by": reset.asked_by_id, "days": period_days(), "noticed": noticed}
    audit("staff.reset_lapse", obj=reset.account, detail=detail, **_who(actor, request))


def lapse_overdue_of(account: StaffUser, *, actor: StaffUser | None, request: Any = None, kind: str = "") -> None:
    """A new proposal for ``account`` first lapses its pending grant (or reset of ``kind``) past
    its period, in the proposal's transaction."""
    if kind:
        for reset in (
            CredentialReset.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(overdue("asked_at"), account=account, kind=kind)
        ):
            lapse_reset(reset, noticed=NOTICED_REQUEST, actor=actor, request=request)
        return
    for grant in RoleGrant.objects.select_for_update(of=("self",)).filter(overdue("granted_at"), account=account):
        lapse_grant(grant, noticed=NOTICED_REQUEST, actor=actor, request=request)


def lapse_overdue(*, dry_run: bool = False) -> int:
    """``purge_expired``'s daily step: every pending grant and reset past its period lapses, one
    transaction each; returns how many (would have)."""
    grants = RoleGrant.objects.filter(overdue("granted_at"))
    resets = CredentialReset.objects.filter(overdue("asked_at"))
    if dry_run:
        return grants.count() + resets.count()
    done = 0
    for pk in list(grants.values_list("pk", flat=True)):
        with transaction.atomic():
            grant = RoleGrant.objects.select_for_update(of=("self",)).filter(overdue("granted_at"), pk=pk).first()
            if grant is not None:  # decided meanwhile otherwise
                lapse_grant(grant, noticed=NOTICED_PURGE)
                done += 1
    for pk in list(resets.values_list("pk", flat=True)):
        with transaction.atomic():
            reset = (
                CredentialReset.objects.select_for_update(of=("self",)).select_related("account").filter(overdue("asked_at"), pk=pk).first()
            )
            if reset is not None:
                lapse_reset(reset, noticed=NOTICED_PURGE)
                done += 1
    return done


# --- what the administration shows -------------------------------------------------------------


def proposed_at(row: RoleGrant | CredentialReset) -> dt.datetime:
    return row.granted_at if isinstance(row, RoleGrant) else row.asked_at


def is_open(row: RoleGrant | CredentialReset) -> bool:
    """Pending and within its period: it may be confirmed."""
    return row.status == GrantStatus.PENDING and not has_lapsed(proposed_at(row))


def is_lapsed(row: RoleGrant | CredentialReset) -> bool:
    """Stored as lapsed, or pending past its period (not noticed yet)."""
    return row.status == GrantStatus.EXPIRED or (row.status == GrantStatus.PENDING and has_lapsed(proposed_at(row)))


def latest_grants() -> QuerySet[RoleGrant]:
    """Each account's last grant when it is pending or lapsed (none when a later one was decided)."""
    later = RoleGrant.objects.filter(account=OuterRef("account"), pk__gt=OuterRef("pk"))
    return RoleGrant.objects.filter(status__in=(GrantStatus.PENDING, GrantStatus.EXPIRED)).exclude(Exists(later))


def latest_resets() -> QuerySet[CredentialReset]:
    """Each account's last reset of each kind when it is pending or lapsed."""
    later = CredentialReset.objects.filter(account=OuterRef("account"), kind=OuterRef("kind"), pk__gt=OuterRef("pk"))
    return CredentialReset.objects.filter(status__in=(GrantStatus.PENDING, GrantStatus.EXPIRED)).exclude(Exists(later))


def listed_since() -> dt.datetime:
    """Lapsed proposals made at or after this moment are still listed: until one period after
    they lapsed, the last moment included."""
    return clock.now() - dt.timedelta(days=2 * period_days())


def is_listed_lapse(row: RoleGrant | CredentialReset) -> bool:
    """Lapsed, and lapsed recently enough to be listed as 已过期."""
    return is_lapsed(row) and proposed_at(row) >= listed_since()


def listed_lapse_q(field: str) -> Q:
    """:func:`is_listed_lapse` as a query."""
    return lapsed_q(field) & Q(**{f"{field}__gte": listed_since()})


def lapsed_q(field: str) -> Q:
    """:func:`is_lapsed` as a query (``field``: ``granted_at`` or ``asked_at``)."""
    return Q(status=GrantStatus.EXPIRED) | overdue(field)


def open_q(field: str) -> Q:
    return Q(status=GrantStatus.PENDING, **{f"{field}__gte": live_since()})


def lapsed_note(row: RoleGrant | CredentialReset) -> str:
    """“提出于 2020-10-08 09:30，超过 7 天未确认” (after “已过期：”)."""
    return f"提出于 {shanghai_minute(proposed_at(row))}，超过 {period_days()} 天未确认"
