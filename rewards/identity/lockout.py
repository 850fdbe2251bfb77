"""Staff lockout (SECURITY.md 7): ``STAFF_LOCKOUT_FAILURES`` failed sign-ins within
``STAFF_LOCKOUT_MINUTES`` lock the username for ``STAFF_LOCKOUT_MINUTES``, on the pages and the
API alike.

Failures and locks are rows of :mod:`rewards.core.throttle` (scopes ``login`` and
``login_lock``), so every server process sees the same count. The key is the lower-cased
username as typed, whether or not such a user exists: an unknown name locks exactly like a real
one, so neither the answer nor the lock tells which names exist. Every failure is audited as
``staff.login``/``failed`` with its reason, every attempt during a lock as ``staff.login``/
``locked``, and the moment of locking as ``staff.lockout``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from rewards.core import throttle
from rewards.core.audit import audit

FAILURE_SCOPE = "login"
LOCK_SCOPE = "login_lock"

#: The one answer to every failed sign-in: unknown user, wrong password, disabled account, no
#: role, or a locked account (no user enumeration). Said with the lock as configured
#: (:func:`sign_in_failed`); this is its wording under the default settings (5 in 15 minutes).
SIGN_IN_FAILED = "用户名或密码不正确（已启用两步验证的账号还须提供正确的动态验证码），或该账号已停用、暂时锁定，不能登录。连续失败5次，账号将锁定15分钟。"


def sign_in_failed() -> str:
    """:data:`SIGN_IN_FAILED` with ``STAFF_LOCKOUT_FAILURES`` and the lock's minutes as set."""
    return (
        "用户名或密码不正确（已启用两步验证的账号还须提供正确的动态验证码），或该账号已停用、暂时锁定，不能登录。"
        f"连续失败{int(settings.STAFF_LOCKOUT_FAILURES)}次，账号将锁定{_minutes()}分钟。"
    )


class AccountLocked(throttle.Throttled):
    """429 while locked (API.md: "429 during lockout"), with the same message as any failure."""

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        super().__init__(message or sign_in_failed(), **extra)


def lock_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _minutes() -> int:
    return int(settings.STAFF_LOCKOUT_MINUTES)


def locked_for(username: str) -> int | None:
    """Seconds left of the lock on ``username``, or None when it is not locked."""
    return throttle.retry_after(LOCK_SCOPE, lock_key(username), rate=f"1/{_minutes()}min")


def ensure_not_locked(username: str, *, request: Any = None, channel: str) -> None:
    """Raises :class:`AccountLocked` (and audits the attempt) while ``username`` is locked."""
    wait = locked_for(username)
    if wait is None:
        return
    audit("staff.login", result="locked", request=request, actor_label=_label(username), detail={"channel": channel})
    raise AccountLocked(retry_after=wait)


def record_failure(username: str, *, reason: str, request: Any = None, channel: str, user: Any = None, action: str = "staff.login") -> bool:
    """Counts one failure; locks the username when it reaches the limit. True when it locked now.
    ``action`` names the audit entry: a wrong password given to replace the authenticator counts
    here too, audited as ``staff.mfa_enrol`` (:func:`rewards.identity.mfa.reauthenticate`)."""
    key = lock_key(username)
    throttle.record(FAILURE_SCOPE, key)
    actor = user if user is not None and getattr(user, "pk", None) else None
    audit(
        action,
        result="failed",
        request=request,
        actor=actor,
        actor_label="" if actor else _label(username),
        detail={"channel": channel, "reason": reason},
    )
    rate = f"{int(settings.STAFF_LOCKOUT_FAILURES)}/{_minutes()}min"
    if throttle.retry_after(FAILURE_SCOPE, key, rate=rate) is None or locked_for(username) is not None:
        return False
    throttle.record(LOCK_SCOPE, key)
    audit(
        "staff.lockout",
        result="locked",
        request=request,
        actor=actor,
        actor_label="" if actor else _label(username),
        detail={"channel": channel, "minutes": _minutes(), "failures": int(settings.STAFF_LOCKOUT_FAILURES)},
    )
    return True


def clear_failures(username: str) -> None:
    """A successful sign-in forgets the failures before it (a running lock is never lifted here)."""
    throttle.clear(FAILURE_SCOPE, lock_key(username))


def unlock(username: str) -> None:
    """An administrator lifts a lock early."""
    throttle.clear(LOCK_SCOPE, lock_key(username))
    throttle.clear(FAILURE_SCOPE, lock_key(username))


def lift_lock(username: str) -> bool:
    """:func:`unlock` for a reset that gives the holder access again (a password or a second
    factor, :mod:`rewards.organisations.resets`): True when a lock was in force."""
    was_locked = locked_for(username) is not None
    unlock(username)
    return was_locked


def locked_usernames(usernames: list[str]) -> dict[str, int]:
    """Which of ``usernames`` are locked now, with the seconds left (the administration's notice).
    One query for the locks in force; nothing more when there is none."""
    if not throttle.any_recorded(LOCK_SCOPE, within_seconds=_minutes() * 60):
        return {}
    found = {}
    for username in usernames:
        wait = locked_for(username)
        if wait is not None:
            found[username] = wait
    return found


def _label(username: str) -> str:
    """What the audit keeps of a name that matched no account: the name when it looks like a
    username, never free text (a password typed into the name field must not be logged)."""
    from rewards.organisations.models import StaffUser

    name = (username or "").strip()[:150]
    if name and "\x00" not in name and StaffUser.objects.filter(username=name).exists():
        return name
    return "(未知用户名)"
