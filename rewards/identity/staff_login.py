"""Staff sign-in steps shared by the pages (``rewards.web.staff.auth``) and the API
(``staff_token_issue``): password, second factor, success; and the password change.

SECURITY.md 7 and 10: the same answer for every failed password step (unknown user, wrong
password, disabled account, no role, locked), the password hasher run for unknown users too
(Django's ``ModelBackend`` hashes the given password when no user matches, so both answers take
about as long), failures and lockouts audited (:mod:`.lockout`), and a TOTP code at every
sign-in of a user with an authenticator (:mod:`.mfa`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import DomainError, InvalidInput

from . import lockout, mfa
from .models import StaffToken

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

SecondFactor = Literal["none", "otp", "enrol"]


class SignInFailed(DomainError):
    status = 401
    code = "not_authenticated"

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        super().__init__(message or lockout.sign_in_failed(), **extra)


class OtpRequired(DomainError):
    status = 401
    code = "otp_required"
    default_message = "该账号已启用两步验证：请同时提交验证器上的6位动态验证码（otp）。"


class OtpInvalid(DomainError):
    status = 401
    code = "otp_invalid"
    default_message = "动态验证码不正确或已使用，请输入验证器上的新验证码。"


class TemporaryPassword(DomainError):
    status = 401
    code = "temporary_password"
    default_message = "您的密码是管理员设定的临时密码：请先登录审核工作台设置自己的密码，再使用接口。"


class MfaEnrolmentRequired(DomainError):
    status = 401
    code = "mfa_enrolment_required"
    default_message = "您的角色必须使用两步验证：请先登录审核工作台，按提示绑定验证器后再使用接口。"


def storable(username: str) -> bool:
    """A name the database can hold: PostgreSQL refuses NUL in text, so such a name is unknown
    without asking (and the answer stays the one failure answer, not a server error)."""
    return "\x00" not in username


def _http_request(request: Any) -> Any:
    """The Django request behind a DRF request (what ``authenticate`` and signals expect)."""
    return getattr(request, "_request", request)


def _failure(username: str) -> tuple[str, Any]:
    """Why a sign-in failed, for the audit only (the caller's answer is always the same), and
    the account it was for, when there is one."""
    from rewards.organisations.models import StaffUser

    account = StaffUser.objects.filter(username=username).select_related("organisation").first() if storable(username) else None
    if account is None:
        return "unknown_user", None
    if not account.is_active:
        return "inactive", account
    if not account.role:
        return "no_role", account
    return "wrong_password", account


def check_password(*, username: str, password: str, request: Any = None, channel: str) -> Any:
    """The first step. Returns the user; raises :class:`lockout.AccountLocked` (429) while
    locked or :class:`SignInFailed` (401), both with :data:`lockout.SIGN_IN_FAILED`."""
    username = (username or "").strip()[:150]
    lockout.ensure_not_locked(username, request=request, channel=channel)
    if storable(username):
        # Always through the backend, even for an empty name: it runs the hasher either way.
        user = authenticate(_http_request(request), username=username, password=password or "")
    else:
        make_password(password or "")  # no such name can exist; hash all the same
        user = None
    if user is None or not user.is_active or not user.role:
        reason, account = _failure(username)
        lockout.record_failure(username, reason=reason, request=request, channel=channel, user=account)
        raise SignInFailed()
    if temporary_password_expired(user):
        # The right temporary password, too late: not a guess, so not counted towards the lock.
        refused(user=user, username=username, reason="temporary_expired", request=request, channel=channel)
        raise SignInFailed()
    return user


def has_temporary_password(user: StaffUser) -> bool:
    """The password is one an administrator set (临时密码): it leads only to the password change."""
    return user.temporary_password_until is not None


def temporary_password_expired(user: StaffUser) -> bool:
    until = user.temporary_password_until
    return until is not None and clock.now() >= until


def second_factor(user: StaffUser) -> SecondFactor:
    """What the user still has to do after the password: nothing, a code, or enrol first."""
    if mfa.active_device(user) is not None:
        return "otp"
    if mfa.mfa_required(user):
        return "enrol"
    return "none"


def refused(*, user: StaffUser, username: str, reason: str, request: Any = None, channel: str) -> None:
    """A right password whose second factor was not given or cannot be (``otp_missing``,
    ``mfa_not_enrolled``): audited, not counted towards the lock (no code was guessed)."""
    audit("staff.login", result="failed", request=request, actor=user, detail={"channel": channel, "reason": reason})


def check_otp(*, user: StaffUser, username: str, code: str, request: Any = None, channel: str) -> None:
    """The second step: a wrong code counts as a failed sign-in (and can lock the account)."""
    lockout.ensure_not_locked(username, request=request, channel=channel)
    if not mfa.mfa_verify(user=user, code=code):
        lockout.record_failure(username, reason="otp", request=request, channel=channel, user=user)
        raise OtpInvalid()


def signed_in(*, user: StaffUser, username: str, request: Any = None, channel: str, with_otp: bool) -> None:
    """A completed sign-in: the failures before it are forgotten, the success audited."""
    lockout.clear_failures(username)
    detail: dict[str, Any] = {"channel": channel}
    if with_otp:
        detail["mfa"] = True
    audit("staff.login", actor=user, request=request, detail=detail)


def staff_password_change(*, user: StaffUser, new_password: str, request: Any = None) -> None:
    """Sets a new password (Django's validators), ends the user's API tokens and audits it. A
    temporary password an administrator set is replaced by the holder's own.

    The user's other signed-in browsers end at their next request: Django keeps a hash of the
    password in each session and drops the session when it no longer matches. The caller keeps
    its own session with ``update_session_auth_hash``.
    """
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(fields={"new_password": list(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.temporary_password_until = None  # their own now, whatever an administrator had set
        user.save(update_fields=["password", "temporary_password_until"])
        revoked = StaffToken.objects.filter(user=user).delete()[0]
        audit("staff.password_change", actor=user, request=request, obj=user, detail={"tokens_revoked": revoked})
