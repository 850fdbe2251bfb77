"""Staff sign-in for the pages: username + password on a Django session.

The same rules as the API's ``staff_token_issue``: the same message for every failure, a
lockout after 5 failures in 15 minutes (the ``login`` throttle, keyed by the lower-cased
username, cleared on success), every attempt audited as ``staff.login``, and only users
with a role may sign in. Sessions end after 30 idle minutes (12 hours at most:
``SESSION_COOKIE_AGE``) (SECURITY.md 7, 10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from rewards.core import clock, throttle
from rewards.core.audit import audit
from rewards.organisations.models import Role

LOGIN_FAILED = "用户名或密码不正确，或该账号不能登录审核系统。"
LOCKED_OUT = "登录失败次数过多，账号已暂时锁定，请15分钟后再试。"
IDLE_LOGOUT = "您已超过30分钟未操作，为保护个人信息已自动退出，请重新登录。"
ABSOLUTE_LOGOUT = "本次登录已超过12小时，请重新登录。"
#: Seconds without a request after which a staff session ends (SECURITY.md 10).
IDLE_SECONDS = 30 * 60
SEEN_KEY = "staff_last_seen"
STARTED_KEY = "staff_signed_in_at"
SEEN_RESOLUTION = 60


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", max_length=256, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


def idle_seconds() -> int:
    return int(getattr(settings, "STAFF_SESSION_IDLE_SECONDS", IDLE_SECONDS))


def safe_next(request: HttpRequest, value: str | None) -> str:
    """Only a staff page of this site may follow the sign-in."""
    value = (value or "").strip()
    if value.startswith("/staff/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def landing(user: Any) -> str:
    """Where each role starts: administrators in the admin, finance officers at the payment batches."""
    if user.role == Role.ADMIN:
        return reverse("admin:index")
    if user.role == Role.FINANCE_OFFICER:
        return reverse("staff:payments")
    return reverse("staff:queue")


def login_url(next_url: str = "") -> str:
    url = reverse("staff:login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and getattr(user, "role", ""))


def staff_required(view: Callable[..., HttpResponse] | None = None, *, roles: Iterable[str] | None = None):  # type: ignore[no-untyped-def]
    """Anonymous (or idle too long) → the sign-in page; a role not in ``roles`` → 403 in Chinese.

    Every page behind it is ``never_cache``: they carry personal information.
    """
    allowed = frozenset(roles) if roles is not None else None

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(func)
        @never_cache
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if not _is_staff(user):
                return redirect(login_url(request.get_full_path() if request.method == "GET" else ""))
            now = clock.now().timestamp()
            seen = request.session.get(SEEN_KEY)
            started = request.session.get(STARTED_KEY)
            expired = ""
            if isinstance(seen, int | float) and now - seen > idle_seconds():
                expired, message = "idle", IDLE_LOGOUT
            elif isinstance(started, int | float) and now - started > settings.SESSION_COOKIE_AGE:
                # Saving the session slides its cookie's expiry; the 12 hours count from sign-in.
                expired, message = "absolute", ABSOLUTE_LOGOUT
            if expired:
                audit("staff.logout", actor=user, request=request, detail={"reason": expired})
                logout(request)
                messages.warning(request, message)
                return redirect(login_url(request.get_full_path() if request.method == "GET" else ""))
            if not isinstance(seen, int | float) or now - seen > SEEN_RESOLUTION:
                request.session[SEEN_KEY] = now  # not on every request: one session write a minute
            if allowed is not None and user.role not in allowed:
                audit("access.denied", actor=user, request=request, result="denied", detail={"path": request.path[:200], "reason": "role"})
                return render(request, "staff/forbidden.html", status=403)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") if request.method == "POST" else request.GET.get("next"))
    if request.method == "GET":
        if _is_staff(request.user):
            return redirect(next_url or landing(request.user))
        return render(request, "staff/login.html", {"form": LoginForm(), "next": next_url})

    form = LoginForm(request.POST)
    username = (request.POST.get("username") or "").strip()[:150]
    password = request.POST.get("password") or ""
    key = username.lower()
    context = {"form": form, "next": next_url}
    try:
        throttle.check("login", key, message=LOCKED_OUT)
    except throttle.Throttled as exc:
        audit("staff.login", result="locked", request=request, actor_label=username or "-", detail={"channel": "web"})
        response = render(request, "staff/login.html", {**context, "error": exc.message}, status=429)
        response["Retry-After"] = str(exc.extra.get("retry_after", 900))
        return response
    user = authenticate(request, username=username, password=password) if username and password else None
    if user is None or not user.is_active or not getattr(user, "role", ""):
        throttle.record("login", key)
        audit("staff.login", result="failed", request=request, actor_label=username or "-", detail={"channel": "web"})
        return render(request, "staff/login.html", {**context, "error": LOGIN_FAILED}, status=200)
    throttle.clear("login", key)
    login(request, user)  # a new session key (SECURITY.md 10)
    request.session[SEEN_KEY] = request.session[STARTED_KEY] = clock.now().timestamp()
    audit("staff.login", actor=user, request=request, detail={"channel": "web"})
    return redirect(next_url or landing(user))


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if not _is_staff(request.user):
            return redirect("staff:login")
        return render(request, "staff/logout.html")
    if getattr(request.user, "is_authenticated", False):
        audit("staff.logout", actor=request.user, request=request)
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("staff:login")
