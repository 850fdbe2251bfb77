"""``manage.py check`` refuses a ``STAFF_DUAL_CONTROL_ROLES`` that would not hold, password
hashers without the one that checks the two-part passwords of a confirmed reset, a
``STAFF_PENDING_DUAL_CONTROL_DAYS`` under one day, and an unknown role in ``STAFF_MFA_ROLES``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .models import Role


@register("security")
def check_dual_control_roles(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    roles = list(getattr(settings, "STAFF_DUAL_CONTROL_ROLES", []) or [])
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        return [
            Error(
                "STAFF_DUAL_CONTROL_ROLES 中有未知的角色：" + "、".join(unknown),
                hint="可选：" + ",".join(Role.values),
                id="organisations.E001",
            )
        ]
    if not roles:
        return [
            Warning(
                "STAFF_DUAL_CONTROL_ROLES 为空：管理后台授予的任何角色都不经另一位管理员确认，一名管理员即可建两个财务账号自建自核。",
                hint="不设置该变量即为全部角色。",
                id="organisations.W001",
            )
        ]
    if Role.ADMIN not in roles:
        return [
            Error(
                "STAFF_DUAL_CONTROL_ROLES 须包含 admin：否则一名管理员可以立即再建一个管理员账号，用它确认自己提出的授权。",
                hint="例如 STAFF_DUAL_CONTROL_ROLES=finance_officer,city_reviewer,admin",
                id="organisations.E002",
            )
        ]
    return []


TWO_PART_HASHER = "rewards.identity.hashers.TwoPartPasswordHasher"


@register("security")
def check_two_part_hasher(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if TWO_PART_HASHER in list(getattr(settings, "PASSWORD_HASHERS", []) or []):
        return []
    return [
        Error(
            "PASSWORD_HASHERS 缺少两段式临时密码的校验器：经另一位管理员确认的重置密码将无法登录。",
            hint=f"在 PASSWORD_HASHERS 末尾加入 {TWO_PART_HASHER}（不要放在第一位）。",
            id="organisations.E003",
        )
    ]


@register("security")
def check_pending_period(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    days = getattr(settings, "STAFF_PENDING_DUAL_CONTROL_DAYS", 7)
    if isinstance(days, int) and days >= 1:
        return []
    return [
        Error(
            f"STAFF_PENDING_DUAL_CONTROL_DAYS 须为不小于 1 的整数（现为 {days!r}）：待确认的授权和重置在此天数后过期。",
            hint="不设置该变量即为 7 天。",
            id="organisations.E004",
        )
    ]


@register("security")
def check_mfa_roles(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A mistyped role in ``STAFF_MFA_ROLES`` (``finance`` for ``finance_officer``) would let that
    role sign in without the second factor API.md requires of it, and say nothing."""
    unknown = [role for role in list(getattr(settings, "STAFF_MFA_ROLES", []) or []) if role not in Role.values]
    if not unknown:
        return []
    return [
        Error(
            "STAFF_MFA_ROLES 中有未知的角色：" + "、".join(unknown) + "（这些账号将不要求两步验证）",
            hint="可选：" + ",".join(Role.values),
            id="organisations.E005",
        )
    ]
