"""Changes to the union tree and staff accounts."""

from __future__ import annotations

from django.db import transaction

from rewards.core.audit import audit
from rewards.core.errors import InvalidInput

from .models import ROLE_ORG_KIND, Organisation, OrgKind, Role, StaffUser
from .selectors import organisation_by_name


def organisation_ensure(
    *, name: str, kind: str, parent: Organisation | None, position: int = 0, employer: str = ""
) -> tuple[Organisation, bool]:
    """Finds a unit by name (widths folded) or creates it. Returns ``(unit, created)``."""
    existing = organisation_by_name(name)
    if existing is not None:
        if existing.kind != kind:
            raise InvalidInput(f"“{name}”已作为{OrgKind(existing.kind).label}存在，不能再作为{OrgKind(kind).label}。")
        changed = False
        if position and existing.position != position:
            existing.position = position
            changed = True
        if parent is not None and existing.parent_id != parent.pk:
            raise InvalidInput(f"“{name}”已隶属于“{existing.parent}”，不能改挂到“{parent}”。")
        if changed:
            existing.save()
        return existing, False
    unit = Organisation(
        name=name,
        kind=kind,
        parent=parent,
        position=position,
        employer=employer or (name.removesuffix("工会") if kind == OrgKind.GRASSROOTS else ""),
    )
    unit.save()
    return unit, True


def role_org_problem(role: str, organisation: Organisation) -> str | None:
    """Why ``role`` cannot be held in ``organisation`` (None: it can): each role works at one
    level of the union tree (``ROLE_ORG_KIND``); a grassroots clerk in the city union would see
    every application."""
    expected_kind = ROLE_ORG_KIND[Role(role)]
    if organisation.kind == expected_kind:
        return None
    return f"角色“{Role(role).label}”应属于{OrgKind(expected_kind).label}，而“{organisation}”是{OrgKind(organisation.kind).label}。"


@transaction.atomic
def staff_create(
    *, username: str, role: str, organisation: Organisation, password: str, full_name: str = "", acting_user=None
) -> StaffUser:  # type: ignore[no-untyped-def]
    if role not in Role.values:
        raise InvalidInput(f"未知的角色“{role}”，可选：{'、'.join(Role.values)}。")
    if problem := role_org_problem(role, organisation):
        raise InvalidInput(problem)
    if StaffUser.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名“{username}”已被使用。")
    user = StaffUser(
        username=username,
        role=role,
        organisation=organisation,
        full_name=full_name,
        is_staff=(role == Role.ADMIN),
        is_superuser=(role == Role.ADMIN),
    )
    user.set_password(password)
    user.save()
    audit(
        "staff.create",
        actor=acting_user,
        obj=user,
        detail={"role": role, "organisation_id": organisation.pk},
        actor_label="" if acting_user else "cli",
    )
    return user
