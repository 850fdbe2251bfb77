"""Staff sign-in for the pages: username + password, then the authenticator's code when the
user has one (or enrolment first, for the roles in ``STAFF_MFA_ROLES``), on a Django session.

The same rules as the API's ``staff_token_issue`` (both call :mod:`rewards.identity.staff_login`):
one message for every failed password, a lockout after 5 failures for 15 minutes, every attempt
audited as ``staff.login``, and only users with a role may sign in. Sign-in gives a new session
key; sign-out flushes the session; :mod:`.sessions` ends idle (30 minutes) and old (12 hours)
sessions (SECURITY.md 7, 10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeGuard, overload
from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from rewards.core import clock
from rewards.core.audit import audit
from rewards.identity import mfa, staff_login
from rewards.identity.lockout import SIGN_IN_FAILED, AccountLocked
from rewards.identity.models import StaffTotp
from rewards.organisations.models import Role, StaffUser

from .sessions import ABSOLUTE_LOGOUT, IDLE_LOGOUT, SEEN_KEY, STARTED_KEY, TEMPORARY_PASSWORD, mark_signed_in

__all__ = ["ABSOLUTE_LOGOUT", "IDLE_LOGOUT", "LOCKED_OUT", "LOGIN_FAILED", "SEEN_KEY", "STARTED_KEY", "staff_required"]

#: One answer for every failed sign-in, a locked account included (no user enumeration).
LOGIN_FAILED = SIGN_IN_FAILED  # under the default settings (lockout.sign_in_failed says it as set)
LOCKED_OUT = SIGN_IN_FAILED
#: Between the password and the code: who, since when, and where to go afterwards.
PENDING_KEY = "staff_pending_sign_in"
PENDING_SECONDS = 5 * 60


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", max_length=256, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


def safe_next(request: HttpRequest, value: str | None) -> str:
    """Only a staff page (or the administration) of this site may follow the sign-in."""
    value = (value or "").strip()
    if value.startswith(("/staff/", "/admin/")) and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def landing(user: StaffUser) -> str:
    """Where each role starts: at its own work (administrators in the admin, finance officers at
    the payment batches, the economic department at the occupation declarations)."""
    if user.role == Role.ADMIN:
        return reverse("admin:index")
    if user.role == Role.FINANCE_OFFICER:
        return reverse("staff:payments")
    if user.role == Role.ECONOMIC_OFFICER:
        return reverse("staff:declarations")
    return reverse("staff:queue")


def forbidden(request: HttpRequest, *, no_organisation: bool = False) -> HttpResponse:
    """The project's 403 page in Chinese, with the way back to the caller's own work (and, for an
    account without an organisation, that this is why)."""
    user = request.user
    home = landing(user) if _is_staff(user) else "/staff/"
    return render(request, "staff/forbidden.html", {"home": home, "no_organisation": no_organisation}, status=403)


def refused(request: HttpRequest, user: StaffUser, reason: str) -> HttpResponse:
    """:func:`forbidden`, recorded as an access denial (SECURITY.md 1) with why: ``role`` (a role
    the page is not for) or ``organisation`` (an account with a role and no organisation, which
    decision 184 no longer lets an administrator create but an older row may still hold)."""
    audit("access.denied", actor=user, request=request, result="denied", detail={"path": request.path[:200], "reason": reason})
    return forbidden(request, no_organisation=reason == "organisation")


#: A form sent without a session (it ended while the page was open).
NOT_SAVED = "登录已过期或已在其他窗口退出，刚才提交的内容没有保存。请重新登录，再在原页面重新提交。"


def _referer_path(request: HttpRequest) -> str:
    """The page a form was sent from, as a path on this site ("" when it came from elsewhere)."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc and referer.netloc != request.get_host():
        return ""
    return referer.path + (f"?{referer.query}" if referer.query else "")


def login_url(next_url: str = "") -> str:
    url = reverse("staff:login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _is_staff(user: object) -> TypeGuard[StaffUser]:
    """A signed-in, active staff user with a role (anonymous, disabled or role-less: not)."""
    return isinstance(user, StaffUser) and user.is_authenticated and user.is_active and bool(user.role)


def signed_in_staff(request: HttpRequest) -> StaffUser:
    """The signed-in staff user of a view behind :func:`staff_required` (``request.user`` typed:
    Django types it as the user model or ``AnonymousUser``)."""
    user = request.user
    if not isinstance(user, StaffUser):  # staff_required has sent the request away already
        raise PermissionDenied
    return user


View = Callable[..., HttpResponseBase]


@overload
def staff_required(view: View, *, roles: Iterable[str] | None = None) -> View: ...
@overload
def staff_required(view: None = None, *, roles: Iterable[str] | None = None) -> Callable[[View], View]: ...
def staff_required(view: View | None = None, *, roles: Iterable[str] | None = None) -> View | Callable[[View], View]:
    """Anonymous → the sign-in page; a role not in ``roles`` → 403 in Chinese.

    Idle and absolute timeouts are :class:`.sessions.StaffSessionMiddleware`'s: by the time a
    view runs, an expired session is already anonymous. Every page behind it is
    ``never_cache``: they carry personal information.
    """
    allowed = frozenset(roles) if roles is not None else None

    def decorate(func: View) -> View:
        @wraps(func)
        @never_cache
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not _is_staff(user):
                if request.method == "GET":
                    return redirect(login_url(request.get_full_path()))
                # A form sent after the session ended (idle, or signed out in another tab): say
                # that nothing was saved, and come back to the page it was sent from.
                messages.warning(request, NOT_SAVED)
                return redirect(login_url(safe_next(request, _referer_path(request))))
            if allowed is not None and user.role not in allowed:
                return refused(request, user, "role")
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


class CodeForm(forms.Form):
    code = forms.CharField(label="动态验证码", max_length=12)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": "[0-9 ]*"}
        )


def not_found_recorded(request: HttpRequest, *, what: str, model: Any, pk: int) -> HttpResponse:
    """404 for an object outside the caller's subtree (or none), recorded as an access denial
    (SECURITY.md 1): the entry names the object only when it exists."""
    from rewards.reports.access import record_denial

    record_denial(
        user=signed_in_staff(request),
        request=request,
        what=what,
        object_type=model._meta.label_lower,
        object_id=pk if model.objects.filter(pk=pk).exists() else "",
        detail={},
    )
    return render(request, "staff/not_found.html", {"what": what}, status=404)


def _locked(request: HttpRequest, exc: AccountLocked, next_url: str) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    response = render(request, "staff/login.html", {"form": LoginForm(), "next": next_url, "error": exc.message}, status=429)
    response["Retry-After"] = str(exc.extra.get("retry_after", 900))
    return response


def _finish(request: HttpRequest, user: StaffUser, *, username: str, next_url: str, with_otp: bool) -> HttpResponse:
    """The session becomes the user's: a new key (no fixation), the clocks start, audited."""
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    device = mfa.active_device(user) if with_otp else None
    mark_signed_in(request, mfa_device=device.pk if device else None)
    staff_login.signed_in(user=user, username=username, request=request, channel="web", with_otp=with_otp)
    if staff_login.has_temporary_password(user):
        messages.warning(request, TEMPORARY_PASSWORD)
        return redirect("staff:password")
    return redirect(next_url or landing(user))


def _pending(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    """The user between the two steps, while the pending step is fresh and still theirs."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or clock.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=int(pending.get("user") or 0)).first()
    if user is None or not _is_staff(user) or pending.get("hash") != user.get_session_auth_hash():
        request.session.pop(PENDING_KEY, None)
        return None
    return user, pending


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
    context = {"form": form, "next": next_url}
    try:
        user = staff_login.check_password(username=username, password=request.POST.get("password") or "", request=request, channel="web")
    except AccountLocked as exc:
        return _locked(request, exc, next_url)
    except staff_login.SignInFailed as exc:
        return render(request, "staff/login.html", {**context, "error": exc.message}, status=200)
    factor = staff_login.second_factor(user)
    if factor == "none":
        return _finish(request, user, username=username, next_url=next_url, with_otp=False)
    # Not signed in yet: the session only remembers who gave the right password, for 5 minutes.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "username": username,
        "at": clock.now().timestamp(),
        "hash": user.get_session_auth_hash(),
        "next": next_url,
    }
    return redirect("staff:login_otp" if factor == "otp" else "staff:login_enrol")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_otp_view(request: HttpRequest) -> HttpResponse:
    """The second step: the 6-digit code of the user's authenticator."""
    found = _pending(request)
    if found is None:
        messages.warning(request, "登录已超时，请重新输入用户名和密码。")
        return redirect("staff:login")
    user, pending = found
    if mfa.active_device(user) is None:
        return redirect("staff:login_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        try:
            staff_login.check_otp(
                user=user, username=pending["username"], code=request.POST.get("code", ""), request=request, channel="web"
            )
        except AccountLocked as exc:
            return _locked(request, exc, pending.get("next", ""))
        except staff_login.OtpInvalid as exc:
            return render(request, "staff/login_otp.html", {"form": CodeForm(), "error": exc.message, "who": user, "issuer": mfa.ISSUER})
        return _finish(request, user, username=pending["username"], next_url=pending.get("next", ""), with_otp=True)
    return render(request, "staff/login_otp.html", {"form": form, "who": user, "issuer": mfa.ISSUER})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_enrol_view(request: HttpRequest) -> HttpResponse:
    """First sign-in of a role that must use a second factor: bind an authenticator, then in."""
    found = _pending(request)
    if found is None:
        messages.warning(request, "登录已超时，请重新输入用户名和密码。")
        return redirect("staff:login")
    user, pending = found
    if mfa.active_device(user) is not None:
        return redirect("staff:login_otp")
    error = ""
    if request.method == "POST":
        try:
            confirmed = mfa.mfa_enrol_confirm(user=user, code=request.POST.get("code", ""), request=request)
        except mfa.MfaRefused:  # a code posted before the page started a binding: start one below
            confirmed, error = False, "请先用验证器扫描下方二维码，再输入验证器上显示的6位数字。"
        if confirmed:
            messages.success(request, "两步验证已启用。以后每次登录都需要输入验证器上的动态验证码。")
            return _finish(request, user, username=pending["username"], next_url=pending.get("next", ""), with_otp=True)
        error = error or "动态验证码不正确：请确认手机时间准确，并输入验证器上当前显示的6位数字。"
    device = StaffTotp.objects.filter(user=user).first()
    if device is None or not device.pending_secret:
        device = mfa.mfa_enrol_start(user=user, request=request)
    return render(
        request, "staff/login_enrol.html", {"form": CodeForm(), "error": error, "who": user, **enrolment(user, device.pending_secret)}
    )


def enrolment(user: StaffUser, secret: str) -> dict[str, Any]:
    """What an enrolment page shows: the QR code (SVG drawn here) and the secret as text."""
    uri = mfa.provisioning_uri(user, secret)
    return {"qr_svg": mfa.qr_svg(uri), "secret": mfa.secret_groups(secret), "issuer": mfa.ISSUER}


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


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """``/admin/login/``: the administration has no sign-in of its own."""
    user = request.user
    if _is_staff(user) and not user.is_staff:
        # Signed in, but not an administrator: a 403, never a loop back to the sign-in.
        return forbidden(request)
    return redirect(login_url(safe_next(request, request.GET.get("next")) or reverse("admin:index")))


@never_cache
def admin_password_change(request: HttpRequest) -> HttpResponse:
    return redirect("staff:password")
