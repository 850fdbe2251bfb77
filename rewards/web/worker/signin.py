"""Worker pages: SMS sign-in (登录) — ID number and name, then the 6-digit code (decision 13) —
and signing out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from rewards.core import throttle, validators
from rewards.core.errors import DomainError, Forbidden, InvalidInput
from rewards.core.masking import mask_phone
from rewards.core.text import clean_name
from rewards.identity.services import (
    CodeAlreadySent,
    NotAuthenticated,
    applicant_signed_out,
    otp_check,
    otp_request,
    otp_state,
    verified_member,
)

from . import session
from .forms import CodeForm, SigninForm
from .pages import FIELD_ERROR_SUMMARY, page, posted

# 登录 ----------------------------------------------------------------------------------------


@never_cache
def signin(request: HttpRequest) -> HttpResponse:
    next_url = session.safe_next(request, reverse("worker:mine"))
    if session.signed_in(request):
        return redirect(next_url)
    form = SigninForm(posted(request))
    # A sign-in this browser began (and may have left to find the phone): its code page is a tap away.
    context: dict[str, Any] = {"form": form, "next": next_url, "unfinished": session.pending_sign_in(request) is not None}
    if request.method == "POST":
        form.is_valid()
        values = form.values()
        try:
            otp_request(id_number=values["id_number"], name=values["name"], request=request)
        except InvalidInput as error:
            form.add_domain_errors(error.fields)
            context["error"] = FIELD_ERROR_SUMMARY
        except Forbidden as error:
            if error.code == "not_verified_member":
                # What was typed stays in the form below: a name typed with a homophone is
                # corrected without typing the ID number again.
                return page(request, "worker/not_member.html", {"message": error.message, "form": form, "next": next_url}, status=403)
            context["error"] = error.message
        except CodeAlreadySent as error:
            # Asked again too soon: the member is known, and the code sent before still works.
            messages.warning(request, error.message)
            return _to_code_step(request, values, next_url)
        except throttle.Throttled as error:
            context["error"] = error.message
        else:
            return _to_code_step(request, values, next_url)
    return page(request, "worker/signin.html", context, status=400 if context.get("error") else 200)


def _to_code_step(request: HttpRequest, values: dict[str, str], next_url: str) -> HttpResponse:
    member = verified_member(values["id_number"], values["name"])
    number, _ = validators.check_id_number(values["id_number"])
    session.remember_pending(
        request, id_number=number or "", name=clean_name(values["name"]), masked_phone=mask_phone(member.phone), next_url=next_url
    )
    return redirect("worker:signin_code")


#: What the code page says when no code sent to this sign-in can be typed any more; the worker
#: is offered a new one without typing the ID number and name again.
CODE_GONE = {
    "expired": "验证码已过期：短信验证码10分钟内有效。",
    "worn_out": "验证码输错次数过多，已失效。",
}


#: A wrong code while the code sent can still be typed.
WRONG_CODE = "验证码不正确，请对照短信重新输入（还可以输入 {tries} 次）；收到多条验证码短信的，请输入最新一条中的验证码。"


@never_cache
def signin_code(request: HttpRequest) -> HttpResponse:
    pending = session.pending_sign_in(request)
    if pending is None:
        messages.info(request, "请先填写身份证号码和姓名，获取短信验证码。")
        return redirect("worker:signin")
    id_number = session.pending_id_number(pending)
    if request.method == "POST" and request.POST.get("action") == "resend":
        return _resend_code(request, pending, id_number)
    code = otp_state(id_number)
    # Past the step's 15 minutes every code it sent has expired, and none is checked any more.
    gone = CODE_GONE["expired"] if pending["expired"] else CODE_GONE.get(code.state)
    form = CodeForm(request.POST if request.method == "POST" and not gone else None)
    if form.is_bound:
        form.is_valid()
        try:
            id_hash = otp_check(id_number=id_number, code=form.values()["code"], request=request)
        except NotAuthenticated as error:
            code = otp_state(id_number)
            # Typed after its 10 minutes, or the fifth wrong try: said plainly, a new code a tap away.
            gone = CODE_GONE.get(code.state)
            if code.state == "live":
                # The code sent still works: typed wrong, to be typed again (asking for another
                # costs a minute's wait and an SMS).
                form.add_domain_errors({"code": [WRONG_CODE.format(tries=code.tries_left)]})
            elif not gone:
                form.add_domain_errors({"code": [error.message]})
        except InvalidInput as error:
            form.add_domain_errors({"code": [error.message]})
        else:
            session.sign_in(request, id_hash)
            messages.success(request, "登录成功。")
            return redirect(pending["next"] or "worker:mine")
    context = {
        "form": form,
        "masked_phone": pending["phone"],
        "resend_wait": code.resend_wait,
        "resend_after": throttle.wait_in_words(code.resend_wait),
        "gone": gone,
    }
    status = 400 if form.errors or (gone and request.method == "POST") else 200
    return page(request, "worker/signin_code.html", context, status=status)


def _resend_code(request: HttpRequest, pending: dict[str, Any], id_number: str) -> HttpResponse:
    """A new code for what this session typed on the first step, within the same limits."""
    try:
        otp_request(id_number=id_number, name=pending["name"], request=request)
    except CodeAlreadySent as error:
        # A code sent meanwhile can still be typed: the step goes on, for that code.
        messages.warning(request, error.message)
    except Forbidden as error:
        if error.code == "not_verified_member":  # the registry changed since the first step
            session.forget_pending(request)
            return page(request, "worker/not_member.html", {"message": error.message}, status=403)
        messages.warning(request, error.message)
        return redirect("worker:signin_code")
    except DomainError as error:
        messages.warning(request, error.message)
        return redirect("worker:signin_code")
    else:
        messages.success(request, f"新的验证码已发送至 {pending['phone']}。")
    session.remember_pending(request, id_number=id_number, name=pending["name"], masked_phone=pending["phone"], next_url=pending["next"])
    return redirect("worker:signin_code")


def signout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        id_hash = session.signed_in(request)
        session.sign_out(request)
        if id_hash:  # signed in until now: an ended session's 退出 ends nothing
            applicant_signed_out(id_hash, request=request)
        messages.success(request, "您已安全退出。")
    return redirect("worker:index")
