"""What every write of 年度活动设置 shares (the copy, the settings, the units): who may make it,
how the audit names the actor and the values, and the caches it clears."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from rewards.core.errors import Forbidden
from rewards.core.memo import clear_all
from rewards.organisations.models import OrgKind, Role

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser


def ensure_may_change(user: StaffUser | None) -> None:
    """Only an administrator of the city union (``None``: the command line, trusted)."""
    if user is None:
        return
    organisation = user.organisation
    if not user.is_active or user.role != Role.ADMIN or organisation is None or organisation.kind != OrgKind.CITY:
        raise Forbidden("只有市总工会的系统管理员可以设置年度奖励活动。")


def actor_label(user: StaffUser | None) -> str:
    return "" if user is not None else "cli"


def on_commit_clear_caches() -> None:
    # The eligibility rules read campaigns through a per-process cache; bulk writes send no signal.
    transaction.on_commit(clear_all)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def error_summary(errors: dict[str, list[str]]) -> str:
    return "；".join(text for texts in errors.values() for text in texts)
