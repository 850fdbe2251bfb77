"""Worker sign-in by ID number + SMS code, and bearer tokens for workers and staff."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from rewards.core import clock, crypto, throttle, validators
from rewards.core.audit import audit, client_ip
from rewards.core.errors import DomainError, Forbidden, InvalidInput
from rewards.core.text import clean_name, fold_width
from rewards.registries.models import Member

from . import staff_limits, staff_login
from .models import ApplicantToken, OtpChallenge, StaffToken

OTP_TTL = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_GAP_SECONDS = 60
APPLICANT_TOKEN_TTL = dt.timedelta(minutes=30)


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = "请先登录。"


class CodeAlreadySent(throttle.Throttled):
    """Asked for a code too soon while the one sent before can still be typed."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_digest(id_hash: str, code: str) -> str:
    return crypto.keyed_digest("otp", f"{id_hash}:{code}")


@dataclass(frozen=True)
class Applicant:
    """A signed-in worker, known by the blind index of the ID number."""

    id_hash: str
    is_authenticated: bool = True


def verified_member(id_number: str, name: str) -> Member:
    number, error = validators.check_id_number(id_number)
    errors = {"id_number": [error]} if error else {}
    if not clean_name(name):
        errors["name"] = ["请填写姓名。"]
    if errors:  # both boxes at once, not the ID first and the name on the next try
        raise InvalidInput(fields=errors)
    member = Member.objects.select_related("union").filter(id_hash=crypto.blind_index("id", number or "")).first()
    if member is None or member.name != clean_name(name) or not member.verified:
        raise Forbidden(
            "没有找到与该身份证号码和姓名相符的实名认证会员。个人网上申报须先成为工会会员并完成实名认证："
            "请下载“杭工e家”APP注册并完成会员实名认证，或请所在单位工会帮助办理；也可以通过所在单位工会统一申报。",
            code="not_verified_member",
        )
    return member


#: Said once a sign-in's look-ups that found no verified member reach their limit.
SIGNIN_FAILURES = "登录信息核对失败次数过多，请{wait}后再试。"


def otp_request(*, id_number: str, name: str, request: Any = None) -> OtpChallenge:
    """Sends a 6-digit code to the mobile on file (5 per ID per 10 minutes, 60 s apart).

    A look-up that finds no verified member for the ID number and name counts against the ID
    number and against the client, as the status query's failures do (SECURITY.md 9); past
    either limit the answer is 429 before any look-up, whatever was typed: the 403 would
    otherwise tell a right name from a wrong one as often as asked (decision 286)."""
    number, _ = validators.check_id_number(id_number)
    checks = [("signin_failure", number or (id_number or "").strip()[:40]), ("signin_failure_client", client_ip(request) or "-")]
    throttle.check_all([(scope, key, None, SIGNIN_FAILURES) for scope, key in checks])
    try:
        member = verified_member(id_number, name)
    except Forbidden as error:
        if error.code == "not_verified_member":
            for scope, key in checks:
                throttle.record(scope, key)
        raise
    key = member.id_hash
    now = clock.now()
    last = OtpChallenge.objects.filter(id_hash=key).order_by("-created_at", "-pk").first()
    # Only a code that can still be typed holds the next one back: after signing in (the code is
    # used up) or after five wrong tries, a worker who signs in again gets a new code at once.
    usable = last is not None and last.used_at is None and last.expires_at > now and last.attempts < OTP_MAX_ATTEMPTS
    if usable and last is not None and (now - last.created_at).total_seconds() < OTP_GAP_SECONDS:
        wait = OTP_GAP_SECONDS - int((now - last.created_at).total_seconds())
        raise CodeAlreadySent(f"验证码已发送，仍然有效；如未收到，请 {wait} 秒后再重新获取。", retry_after=wait)
    try:
        throttle.check("otp", key, message="获取验证码过于频繁，请{wait}后再试。")
    except throttle.Throttled as error:
        if usable:
            raise CodeAlreadySent(f"{error.message}刚才发送的验证码仍然有效。", **error.extra) from error
        raise
    if not member.phone:
        raise Forbidden("会员库中没有您的手机号码，请联系所在单位工会补充后再登录。", code="no_phone_on_file")
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        throttle.record("otp", key)
        challenge = OtpChallenge.objects.create(id_hash=key, code_hash=_code_digest(key, code), created_at=now, expires_at=now + OTP_TTL)
        from rewards.notifications.services import sms_enqueue

        sms_enqueue(phone=member.phone, template="otp", params={"code": code, "minutes": 10}, event_key=f"otp:{challenge.pk}")
        audit("applicant.otp_sent", obj=member, request=request, actor_label="applicant", detail={"challenge": challenge.pk})
    return challenge


@dataclass(frozen=True)
class CodeState:
    """Where the latest code sent for an ID number stands, for the code page: ``live`` (it can
    still be typed), ``expired`` (its 10 minutes ran out unused), ``worn_out`` (five wrong
    tries), ``used`` or ``none``; ``resend_wait``, the seconds until another code may be
    asked for: the 60-second gap after a live code, or the 5-in-10-minutes limit; 0 when one may
    be asked for now; and ``tries_left``, the wrong tries a live code still allows. For the page
    only: the request itself is checked by :func:`otp_request`."""

    state: str
    resend_wait: int = 0
    tries_left: int = 0


def otp_state(id_number: str) -> CodeState:
    number, error = validators.check_id_number(id_number)
    if error:
        return CodeState("none")
    key = crypto.blind_index("id", number or "")
    now = clock.now()
    last = OtpChallenge.objects.filter(id_hash=key).order_by("-created_at", "-pk").first()
    limited = throttle.retry_after("otp", key) or 0
    if last is None:
        return CodeState("none", limited)
    if last.used_at is not None:
        return CodeState("used", limited)
    if last.attempts >= OTP_MAX_ATTEMPTS:
        return CodeState("worn_out", limited)
    if last.expires_at <= now:  # as otp_check: a code is valid while its expiry is still ahead
        return CodeState("expired", limited)
    wait = max(limited, OTP_GAP_SECONDS - int((now - last.created_at).total_seconds()))
    return CodeState("live", wait, OTP_MAX_ATTEMPTS - last.attempts)


def otp_resend_wait(id_number: str) -> int:
    """Seconds until another code may be asked for (see :class:`CodeState`)."""
    return otp_state(id_number).resend_wait


def otp_check(*, id_number: str, code: str, request: Any = None) -> str:
    """Checks the latest code sent for ``id_number`` and uses it up; returns the ID's blind
    index. The API turns it into a bearer token (:func:`otp_verify`), the worker pages into a
    session. A wrong code counts against the challenge even though the caller gets an error."""
    number, error = validators.check_id_number(id_number)
    if error:
        raise InvalidInput(fields={"id_number": [error]})
    key = crypto.blind_index("id", number or "")
    code = re.sub(r"\s", "", fold_width(code or ""))  # "９４４７９１" and "944 791" are the code as sent
    if not re.fullmatch(r"\d{6}", code):
        # A slip of the thumb, not a guess: said at once, and no try of the five is used up.
        raise InvalidInput("请输入短信中的6位数字验证码。", fields={"code": ["请输入短信中的6位数字验证码。"]})
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(id_hash=key, used_at__isnull=True, expires_at__gt=clock.now())
            .order_by("-created_at")
            .first()
        )
        if challenge is None or challenge.attempts >= OTP_MAX_ATTEMPTS:
            failure = "no_code"
        elif not hmac.compare_digest(challenge.code_hash, _code_digest(key, code)):
            failure = "wrong_code"
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
        else:
            failure = ""
            challenge.used_at = clock.now()
            challenge.save(update_fields=["used_at"])
        kind, member = _member_object(key)
        if failure:
            audit(
                "applicant.sign_in",
                result="failed",
                request=request,
                actor_label="applicant",
                object_type=kind,
                object_id=member,
                detail={"reason": failure},
            )
        else:
            audit("applicant.sign_in", request=request, actor_label="applicant", object_type=kind, object_id=member)
    # Raised after the commit, so that the failed attempt and its audit entry are kept.
    if failure:
        raise NotAuthenticated("验证码不正确或已过期，请重新获取。请使用最新收到的一条短信中的验证码（重新获取后，之前的验证码即失效）。")
    return key


def _member_object(id_hash: str) -> tuple[str, str]:
    """The worker's member record as the object (type, id) of an ``applicant.*`` entry: the
    auditor ties a sign-in (or a code guessed wrongly) to the worker by it, and a search by one
    of the worker's application numbers lists it. Its id only: no personal number."""
    member_id = Member.objects.filter(id_hash=id_hash).values_list("pk", flat=True).first()
    return (Member._meta.label_lower, str(member_id)) if member_id else ("", "")


def otp_verify(*, id_number: str, code: str, request: Any = None) -> str:
    """Checks the latest code; returns a new applicant bearer token."""
    key = otp_check(id_number=id_number, code=code, request=request)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    ApplicantToken.objects.create(key_hash=token_digest(token), id_hash=key, created_at=now, expires_at=now + APPLICANT_TOKEN_TTL)
    return token


def applicant_for_token(token: str) -> Applicant | None:
    """The worker a bearer token belongs to while it is valid. Every worker request asks this:
    one statement in plain SQL (the ORM's query building cost more than the lookup itself)."""
    table = ApplicantToken._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id_hash FROM {table} WHERE key_hash = %s AND expires_at > %s",  # noqa: S608 - table name from the model  # nosec B608
            [token_digest(token), connection.ops.adapt_datetimefield_value(clock.now())],
        )
        row = cursor.fetchone()
    return Applicant(id_hash=row[0]) if row else None


def staff_token_issue(*, username: str, password: str, otp: str = "", request: Any = None) -> tuple[str, dt.datetime]:
    """Staff API sign-in (API.md ``POST /api/v1/auth/token``): one 401 ``not_authenticated`` for
    every failure, the password's and the second factor's alike (a missing or wrong ``otp``, a
    required authenticator not yet bound), so that no answer tells a right password from a
    wrong one (API.md; SECURITY.md 7; decision 114); 429 during a lockout. The audit log keeps
    the reason."""
    user = staff_login.check_password(username=username, password=password, request=request, channel="api")
    factor = staff_login.second_factor(user)
    try:
        if staff_login.has_temporary_password(user):
            # A temporary password is replaced on the pages first: it opens nothing else.
            staff_login.refused(user=user, username=username, reason="temporary_password", request=request, channel="api")
            raise staff_login.TemporaryPassword()
        if factor == "enrol":
            staff_login.refused(user=user, username=username, reason="mfa_not_enrolled", request=request, channel="api")
            raise staff_login.MfaEnrolmentRequired()
        if factor == "otp":
            if not (otp or "").strip():
                staff_login.refused(user=user, username=username, reason="otp_missing", request=request, channel="api")
                raise staff_login.OtpRequired()
            staff_login.check_otp(user=user, username=username, code=otp, request=request, channel="api")
    except (staff_login.TemporaryPassword, staff_login.MfaEnrolmentRequired, staff_login.OtpRequired, staff_login.OtpInvalid) as error:
        raise staff_login.SignInFailed() from error
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + dt.timedelta(seconds=staff_limits.token_max_seconds())
    StaffToken.objects.create(
        key_hash=token_digest(token), user=user, created_at=now, expires_at=expires, last_used_at=now, mfa=factor == "otp"
    )
    staff_login.signed_in(user=user, username=username, request=request, channel="api", with_otp=factor == "otp")
    return token, expires


def live_staff_tokens(now: dt.datetime) -> QuerySet[StaffToken]:
    """Staff tokens still valid at ``now``: before their absolute end (``expires_at``, and the
    issue time plus the current limit, so that a lowered setting counts at once) and used within
    the idle limit (SECURITY.md 10). Exactly the limit still passes, as for page sessions."""
    return StaffToken.objects.filter(
        expires_at__gt=now,
        created_at__gte=now - dt.timedelta(seconds=staff_limits.token_max_seconds()),
        last_used_at__gte=now - dt.timedelta(seconds=staff_limits.idle_seconds()),
    )


def staff_token_revoke(token: str, *, request: Any = None) -> None:
    """Staff API sign-out (``DELETE /api/v1/auth/token``): the presented token stops working at
    once, before its time is up. 401 for a token that is unknown or already expired (its absolute
    or its idle limit passed)."""
    with transaction.atomic():
        live = live_staff_tokens(clock.now()).filter(key_hash=token_digest(token))
        user = next((row.user for row in live.select_related("user")), None)
        # The delete's own count decides: of two sign-outs of one token at once, one removes it
        # and is audited, the other is 401.
        removed, _ = live.delete()
        if not removed or user is None:
            raise NotAuthenticated("令牌无效或已过期。")
        audit("staff.logout", actor=user, request=request, detail={"channel": "api"})


def applicant_token_revoke(token: str, *, request: Any = None) -> None:
    """A worker's API sign-out (``DELETE /api/v1/applicant/session``), e.g. when the app signs
    out on a shared phone. 401 for a token that is unknown or already expired."""
    with transaction.atomic():
        live = ApplicantToken.objects.filter(key_hash=token_digest(token), expires_at__gt=clock.now())
        id_hash = live.values_list("id_hash", flat=True).first()
        removed, _ = live.delete()
        if not removed or id_hash is None:
            raise NotAuthenticated("令牌无效或已过期。")
        kind, member = _member_object(id_hash)
        audit("applicant.sign_out", request=request, actor_label="applicant", object_type=kind, object_id=member, detail={"channel": "api"})


def applicant_signed_out(id_hash: str, *, request: Any = None) -> None:
    """A worker's sign-out on the worker pages (退出), audited as the API's is (``channel`` web):
    the last step of a session the auditor follows, as a staff member's 退出 is."""
    kind, member = _member_object(id_hash)
    audit("applicant.sign_out", request=request, actor_label="applicant", object_type=kind, object_id=member, detail={"channel": "web"})


def staff_for_token(token: str):  # type: ignore[no-untyped-def]
    """The staff user behind a bearer token while it is valid (:func:`live_staff_tokens`); None
    otherwise, which the API answers as any invalid token: 401 ``not_authenticated``.

    A valid token's last use is moved only when it is more than a minute old: one ``UPDATE`` a
    minute per token in use, not one per request (:data:`staff_limits.SEEN_RESOLUTION`)."""
    now = clock.now()
    row = live_staff_tokens(now).select_related("user", "user__organisation").filter(key_hash=token_digest(token)).first()
    # Read on every request: a disabled account, a removed role, or a role that now needs a
    # second factor the token was not issued with, is refused at once (SECURITY.md 3).
    if row is None or not row.user.is_active or not row.user.role:
        return None
    if not row.mfa and row.user.role in settings.STAFF_MFA_ROLES:
        return None
    stale = now - dt.timedelta(seconds=staff_limits.SEEN_RESOLUTION)
    if row.last_used_at < stale:
        # Conditional: of two requests at once, one writes; a newer time is never moved back.
        StaffToken.objects.filter(pk=row.pk, last_used_at__lt=stale).update(last_used_at=now)
    return row.user
