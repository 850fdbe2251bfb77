"""TOTP second factor for staff (RFC 6238; SECURITY.md 7, ASVS 6.3.3).

Every staff user may enrol an authenticator app; the roles in ``STAFF_MFA_ROLES`` must (they are
asked to enrol at their first sign-in). A user with an active authenticator gives a code at every
sign-in, on the pages and the API. Codes come from pyotp; which time step a code belongs to is
kept (``StaffTotp.last_step``) so that a code, or any older one, is never accepted twice.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction

from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import DomainError

from . import lockout
from .lockout import lift_lock
from .models import StaffToken, StaffTotp

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

#: Shown by the authenticator app next to the username: the site's own name, which the code page
#: tells the holder to look for (decision 194).
ISSUER = "杭州市职工高技能人才奖励平台"
#: Codes of one step before and after the current one are accepted (clocks drift).
DRIFT_STEPS = 1


class MfaRefused(DomainError):
    status = 409
    code = "mfa_refused"
    default_message = "无法完成两步验证设置。"


def mfa_required(user: StaffUser) -> bool:
    """The user's role must use a second factor (``STAFF_MFA_ROLES``)."""
    return bool(user.role) and user.role in settings.STAFF_MFA_ROLES


def active_device(user: StaffUser) -> StaffTotp | None:
    device = StaffTotp.objects.filter(user=user).first()
    return device if device is not None and device.active else None


def normalise_code(code: str) -> str:
    """Six digits, spaces and dashes allowed in between (apps show "123 456")."""
    digits = "".join(ch for ch in (code or "") if ch not in " -\u3000")
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else ""


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step (within the drift) whose code is ``code`` and is newer than ``after``."""
    code = normalise_code(code)
    if not code or not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.now().timestamp())
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The ``otpauth://`` URI as an inline SVG drawn on the server (no CDN, no inline style)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return str(image.to_string(encoding="unicode"))


def secret_groups(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def mfa_enrol_start(*, user: StaffUser, request: Any = None) -> StaffTotp:
    """A new secret waiting for confirmation; an active authenticator keeps working until then."""
    device = StaffTotp.objects.select_for_update().filter(user=user).first()
    if device is None:
        device = StaffTotp(user=user, created_at=clock.now())
    device.pending_secret = pyotp.random_base32()
    device.save()
    return device


#: Replacing an authenticator needs the account's password (ASVS 7.5.1; decision 288).
REAUTH_MISSING = "更换验证器须先输入您的登录密码。"
REAUTH_WRONG = "登录密码不正确，验证器未更换。连续输错将与登录一样锁定账号；忘记密码或手机丢失无法登录时，请联系系统管理员重置。"
REAUTH_LOCKED = "密码错误次数过多，账号已暂时锁定，验证器未更换：请{minutes}分钟后再试，或联系系统管理员重置。"


class ReauthenticationFailed(MfaRefused):
    status = 403
    code = "reauthentication_failed"
    default_message = REAUTH_WRONG


def reauthenticate(*, user: StaffUser, password: str, request: Any = None) -> None:
    """The account's current password, before an active authenticator is replaced (ASVS 7.5.1).
    A wrong one counts against the sign-in lockout and is audited (``staff.mfa_enrol``/
    ``failed``, reason ``wrong_password``); while locked nothing is tried. Raises
    :class:`ReauthenticationFailed`; an empty password is refused without counting."""
    channel = "account_mfa"
    if lockout.locked_for(user.username) is not None:
        audit("staff.mfa_enrol", actor=user, request=request, obj=user, result="locked", detail={"channel": channel})
        raise ReauthenticationFailed(REAUTH_LOCKED.format(minutes=int(settings.STAFF_LOCKOUT_MINUTES)))
    if not password:
        raise ReauthenticationFailed(REAUTH_MISSING)
    # Not ``user.check_password``: its upgrade of an old hash would save a new one, and the
    # session hash that changes with it would end this very session.
    if not check_password(password, user.password):
        locked = lockout.record_failure(
            user.username, reason="wrong_password", request=request, channel=channel, user=user, action="staff.mfa_enrol"
        )
        raise ReauthenticationFailed(REAUTH_LOCKED.format(minutes=int(settings.STAFF_LOCKOUT_MINUTES)) if locked else REAUTH_WRONG)


def mfa_enrol_confirm(*, user: StaffUser, code: str, password: str | None = None, request: Any = None) -> bool:
    """Activates the pending secret when ``code`` comes from it; audited either way. Replacing an
    active authenticator needs ``password`` too (:func:`reauthenticate`, checked first: a wrong
    one changes nothing); the first binding does not."""
    reauthenticated = False
    if active_device(user) is not None:
        reauthenticate(user=user, password=password or "", request=request)  # outside the transaction: the count stays
        reauthenticated = True
    return _enrol_confirm(user=user, code=code, reauthenticated=reauthenticated, request=request)


@transaction.atomic
def _enrol_confirm(*, user: StaffUser, code: str, reauthenticated: bool, request: Any = None) -> bool:
    device = StaffTotp.objects.select_for_update().filter(user=user).first()
    if device is None or not device.pending_secret:
        raise MfaRefused("请先开始绑定验证器。")
    if device.active and not reauthenticated:  # bound meanwhile, by another tab
        raise ReauthenticationFailed(REAUTH_MISSING)
    step = _matching_step(device.pending_secret, code, after=0)
    if step is None:
        audit("staff.mfa_enrol", actor=user, request=request, result="failed", obj=user)
        return False
    replaced = device.active
    device.secret, device.pending_secret = device.pending_secret, ""
    device.confirmed_at = clock.now()
    device.last_step = step
    device.save()
    audit("staff.mfa_enrol", actor=user, request=request, obj=user, detail={"replaced": replaced})
    return True


@transaction.atomic
def mfa_verify(*, user: StaffUser, code: str) -> bool:
    """True once for a right code of the active authenticator; the same code again is refused."""
    device = StaffTotp.objects.select_for_update().filter(user=user).first()
    if device is None or not device.active:
        return False
    step = _matching_step(device.secret, code, after=device.last_step)
    if step is None:
        return False
    device.last_step = step
    device.save(update_fields=["last_step"])
    return True


def mfa_disable(*, user: StaffUser, code: str, request: Any = None) -> None:
    """The user turns the second factor off with a current code; refused for required roles."""
    if mfa_required(user):
        raise MfaRefused("您的角色必须使用两步验证，不能停用。更换手机请重新绑定，或请系统管理员重置。")
    if not code.strip():  # nothing typed: nothing tried, nothing to audit
        raise MfaRefused("请输入验证器上当前的 6 位动态验证码。")
    with transaction.atomic():
        verified = mfa_verify(user=user, code=code)
        if verified:
            StaffTotp.objects.filter(user=user).delete()
        audit("staff.mfa_disable", actor=user, request=request, obj=user, result="ok" if verified else "failed")
    # Raised after the commit, so that the refused attempt stays in the audit log.
    if not verified:
        raise MfaRefused("动态验证码不正确或已使用，请输入验证器上的新验证码。")


def remove_factor(user: StaffUser) -> tuple[bool, int]:
    """Removes the user's authenticator and API tokens: (whether there was one, tokens ended).
    Their signed-in pages end at the next request (:mod:`rewards.web.staff.sessions`)."""
    had = StaffTotp.objects.filter(user=user).delete()[0] > 0
    return had, StaffToken.objects.filter(user=user).delete()[0]


@transaction.atomic
def mfa_reset(*, user: StaffUser, acting_user: StaffUser, request: Any = None) -> None:
    """An administrator removes a user's authenticator (lost phone) at once; a required role
    enrols again at sign-in, and a sign-in lockout (tries with the lost phone's codes) is lifted.
    Under dual control it waits for a second administrator instead
    (:mod:`rewards.organisations.resets`)."""
    had, _ = remove_factor(user)
    audit(
        "staff.mfa_reset", actor=acting_user, request=request, obj=user, detail={"had_device": had, "lock_lifted": lift_lock(user.username)}
    )
