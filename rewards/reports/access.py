"""Who may print the annexes, and how a refusal is recorded."""

from __future__ import annotations

from typing import Any

from rewards.core.audit import audit
from rewards.core.errors import Forbidden, NotFound
from rewards.core.masking import mask_digit_runs
from rewards.organisations.models import Organisation, Role, StaffUser
from rewards.organisations.selectors import get_organisation_in_scope, organisation_by_name

#: The roles that may read applications (API.md "Roles"): a grassroots clerk prints Annex 3/4
#: of its own union, reviewers of their subtree, the city and the auditor of everything.
#: Administrators never do.
REPORT_ROLES = frozenset(
    {Role.GRASSROOTS_CLERK, Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.AUDITOR, Role.FINANCE_OFFICER, Role.ECONOMIC_OFFICER}
)


def require_report_role(user: StaffUser) -> None:
    if user.role not in REPORT_ROLES:
        raise Forbidden("您的角色不能打印申请表或汇总表。")


#: Set on a request whose refusal is already in the audit log (the API records the others).
DENIAL_RECORDED = "_access_denial_recorded"


def record_denial(*, user: StaffUser, request: Any, what: str, object_type: str, object_id: Any = "", detail: dict[str, Any]) -> None:
    """An export asked for outside the caller's subtree answers 404 and is recorded (SECURITY.md 1)."""
    audit(
        "access.denied",
        actor=user,
        request=request,
        result="denied",
        object_type=object_type,
        object_id=object_id or "",
        detail={**detail, "what": what},
    )
    if request is not None:
        setattr(request, DENIAL_RECORDED, True)


def organisation_or_denial(*, user: StaffUser, request: Any, name: str, what: str, param: str) -> Organisation:
    """The organisation of that name in the caller's subtree. One outside it, or none of that
    name, is a :class:`NotFound` recorded as an access denial naming the ``param`` asked for
    (digit runs masked) and the organisation when it exists (SECURITY.md 1)."""
    try:
        return get_organisation_in_scope(user, name)
    except NotFound:
        existing = organisation_by_name(name)
        record_denial(
            user=user,
            request=request,
            what=what,
            object_type="organisations.organisation",
            object_id=existing.pk if existing else "",
            detail={param: mask_digit_runs(name)},
        )
        raise


def denial_recorded(request: Any) -> bool:
    """True when this request's refusal was already recorded (by :func:`record_denial`)."""
    return bool(getattr(request, DENIAL_RECORDED, False) or getattr(getattr(request, "_request", None), DENIAL_RECORDED, False))
