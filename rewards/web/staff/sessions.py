"""Staff sessions end after ``STAFF_SESSION_IDLE_MINUTES`` without a request and
``STAFF_SESSION_MAX_HOURS`` after sign-in, however busy (SECURITY.md 10, ASVS 7.3.1/7.3.2); the
same settings bound the staff API tokens (:mod:`rewards.identity.staff_limits`).

:class:`StaffSessionMiddleware` runs on every request of a signed-in staff user (the review pages
and the Django admin alike): it keeps the sign-in time and the last activity in the session and
signs the user out when either limit has passed. It also ends a session that no longer matches
the user's second factor: a role that now requires one (``STAFF_MFA_ROLES``) but signed in
without a code, or an authenticator reset by an administrator. A disabled account or a changed
role needs nothing here: Django reads the user afresh on every request, and a disabled one is
anonymous. A changed password ends the other sessions through Django's session hash. A session
opened with a temporary password (one an administrator set) reaches only the password change.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from rewards.core import clock
from rewards.core.audit import audit
from rewards.identity import mfa
from rewards.identity.staff_limits import SEEN_RESOLUTION, idle_seconds, session_max_seconds
from rewards.organisations.models import StaffUser

SEEN_KEY = "staff_last_seen"
STARTED_KEY = "staff_signed_in_at"
#: The id of the authenticator whose code opened this session (absent: signed in without one).
MFA_KEY = "staff_mfa_device"

IDLE_LOGOUT = "您已超过30分钟未操作，为保护个人信息已自动退出，请重新登录。"
ABSOLUTE_LOGOUT = "本次登录已超过12小时，请重新登录。"
MFA_LOGOUT = "您的账号需要两步验证（或验证器已被重置），请重新登录。"
MESSAGES = {"idle": IDLE_LOGOUT, "absolute": ABSOLUTE_LOGOUT, "mfa": MFA_LOGOUT}
TEMPORARY_PASSWORD = "您使用的是管理员设定的临时密码：请先设置您自己的新密码，之后才能使用其他功能。"  # noqa: S105 - a message
#: What a session with a temporary password may still open (URL names).
TEMPORARY_ALLOWED = ("staff:password", "staff:logout")


def mark_signed_in(request: HttpRequest, *, mfa_device: int | None) -> None:
    """Called right after ``login()``: the clocks start, and the second factor is noted."""
    now = clock.now().timestamp()
    request.session[SEEN_KEY] = now
    request.session[STARTED_KEY] = now
    if mfa_device is None:
        request.session.pop(MFA_KEY, None)
    else:
        request.session[MFA_KEY] = mfa_device


def expiry_reason(request: HttpRequest, user: StaffUser, now: float) -> str:
    """``idle``, ``absolute``, ``mfa`` or "" when the session may go on."""
    session = request.session
    seen = session.get(SEEN_KEY)
    started = session.get(STARTED_KEY)
    if isinstance(seen, int | float) and now - seen > idle_seconds():
        return "idle"
    if isinstance(started, int | float) and now - started > session_max_seconds():
        return "absolute"
    if mfa.mfa_required(user) or MFA_KEY in session:
        device = mfa.active_device(user)
        if device is None or session.get(MFA_KEY) != device.pk:
            return "mfa"
    return ""


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.check(request)
        return self.temporary_password_first(request) or self.get_response(request)

    def temporary_password_first(self, request: HttpRequest) -> HttpResponse | None:
        """A password an administrator set opens the password change and nothing else, on the
        staff pages and in the administration (ASVS 6.4.1): the holder replaces it first."""
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session or not request.path.startswith(("/staff/", "/admin/")):
            return None
        user = request.user
        if not isinstance(user, StaffUser) or user.temporary_password_until is None:
            return None  # nobody signed in (an anonymous user), or their own password
        if request.path in {reverse(name) for name in TEMPORARY_ALLOWED}:
            return None
        messages.warning(request, TEMPORARY_PASSWORD)
        return redirect("staff:password")

    def check(self, request: HttpRequest) -> None:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return  # nobody signed in: no query at all
        user = request.user
        if not isinstance(user, StaffUser):
            return  # disabled, or the password changed: Django already made it anonymous
        now = clock.now().timestamp()
        reason = expiry_reason(request, user, now)
        if reason:
            audit("staff.logout", actor=user, request=request, detail={"reason": reason})
            logout(request)  # flushes the session: its key is gone from the store
            messages.warning(request, MESSAGES[reason])
            return
        if not isinstance(session.get(STARTED_KEY), int | float):
            session[STARTED_KEY] = now  # a session from before these clocks: they start now
        seen = session.get(SEEN_KEY)
        if not isinstance(seen, int | float) or now - seen > SEEN_RESOLUTION:
            session[SEEN_KEY] = now
