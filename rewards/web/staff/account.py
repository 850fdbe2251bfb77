"""账号安全: a signed-in staff user's own second factor and password (SECURITY.md 7, 10).

Any staff user may bind an authenticator here (a QR code drawn on the server and the secret as
text, active only once a code from it is accepted), replace it (with the password, decision 288),
or turn it off when the role does not require one. The password change keeps this session and
ends every other one (Django's session hash) and the user's API tokens.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from rewards.core.audit import audit
from rewards.core.errors import InvalidInput
from rewards.identity import mfa
from rewards.identity.models import StaffTotp
from rewards.identity.staff_login import staff_password_change

from .auth import CodeForm, enrolment, landing, signed_in_staff, staff_required
from .sessions import MFA_KEY


@staff_required
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_staff(request)
    device = StaffTotp.objects.filter(user=user).first()
    return render(
        request,
        "staff/account.html",
        {
            "device": device if device is not None and device.active else None,
            "required": mfa.mfa_required(user),
        },
    )


@sensitive_post_parameters("code", "password")
@staff_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Bind (or replace) an authenticator: the new one counts only after a code from it, and
    replacing an active one needs the account's password as well (decision 288)."""
    user = signed_in_staff(request)
    error = ""
    if request.method == "POST":
        try:
            confirmed = mfa.mfa_enrol_confirm(
                user=user, code=request.POST.get("code", ""), password=request.POST.get("password", ""), request=request
            )
        except mfa.ReauthenticationFailed as exc:  # nothing changed; the same new secret stays on the page
            confirmed, error = False, exc.message
        except mfa.MfaRefused:  # a code posted before any binding was started (was a 500): start one below
            confirmed, error = False, "请先用验证器扫描下方二维码，再输入验证器上显示的6位数字。"
        if confirmed:
            device = mfa.active_device(user)
            # This session has just shown a code of the new authenticator.
            request.session[MFA_KEY] = device.pk if device else None
            messages.success(request, "两步验证已启用。以后每次登录都需要输入验证器上的动态验证码。")
            return redirect("staff:account")
        error = error or "动态验证码不正确：请确认手机时间准确，并输入验证器上当前显示的6位数字。"
    device = StaffTotp.objects.filter(user=user).first()
    if device is None or not device.pending_secret or (request.method == "GET" and request.GET.get("new") == "1"):
        device = mfa.mfa_enrol_start(user=user, request=request)
    return render(
        request,
        "staff/account_mfa.html",
        {"form": CodeForm(), "error": error, "replacing": device.active, **enrolment(user, device.pending_secret)},
    )


@sensitive_post_parameters("code")
@staff_required
@require_http_methods(["POST"])
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        mfa.mfa_disable(user=signed_in_staff(request), code=request.POST.get("code", ""), request=request)
    except mfa.MfaRefused as exc:
        messages.error(request, exc.message)
        return redirect("staff:account")
    request.session.pop(MFA_KEY, None)
    messages.success(request, "两步验证已停用。")
    return redirect("staff:account")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@staff_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Django's form (old password, Django's validators on the new one); the change itself is
    the service's (tokens revoked, audited); this session stays, the others end. A holder of a
    temporary password (one an administrator set) comes here first and goes on to their work."""
    user = signed_in_staff(request)
    temporary = user.temporary_password_until is not None
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                staff_password_change(user=user, new_password=form.cleaned_data["new_password1"], request=request)
            except InvalidInput as exc:
                form.add_error("new_password1", exc.fields.get("new_password", [exc.message]))
            else:
                update_session_auth_hash(request, user)  # this session stays (with a new key)
                messages.success(request, "密码已修改。您在其他设备或浏览器上的登录已全部退出。")
                return redirect(landing(user) if temporary else "staff:account")
        elif "old_password" in form.errors:
            audit("staff.password_change", actor=user, request=request, obj=user, result="failed", detail={"reason": "old_password"})
    return render(request, "staff/password.html", {"form": form, "temporary_until": user.temporary_password_until})
