"""Worker pages (职工端, mobile-first): the notice, the self-check, SMS sign-in, the Annex 3
application with its materials, the status query and "my applications".

Views stay thin: they read the form, call the same services as the API and turn the domain's
errors into Chinese messages next to the fields. Every page is ``no-store``: most of them show
personal data, and the others hold a form that may.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from rewards.applications import selectors as application_selectors
from rewards.applications.models import Application
from rewards.applications.services import (
    application_resubmit,
    application_submit,
    application_withdraw,
    query_password_reissue,
    resubmission_deadline,
)
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import current_campaign, level_amounts
from rewards.core import clock, crypto, throttle, validators
from rewards.core.audit import client_ip
from rewards.core.errors import Conflict, DomainError, Forbidden, Ineligible, InvalidInput, NotFound, StorageUnavailable
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.text import clean_name
from rewards.core.vocab import Channel, Gender, Issuer, Level, Status
from rewards.eligibility.fields import RULE_FIELDS
from rewards.eligibility.services import judge, public_checks
from rewards.identity.services import CodeAlreadySent, NotAuthenticated, otp_check, otp_request, otp_state, verified_member
from rewards.registries.models import Member
from rewards.registries.selectors import member_by_id_hash

from . import session
from .forms import (
    EDUCATION_SUGGESTIONS,
    FILE_FIELDS,
    ApplyForm,
    BankFixForm,
    CheckForm,
    CodeForm,
    SigninForm,
    StatusForm,
    WorkerForm,
    initial_from,
)

RULE_TITLES = {
    "member": "工会实名认证会员",
    "promotion": "本年度晋级",
    "window": "发证时间",
    "issuer": "发证机关与职业范围",
    "once_per_campaign": "每年度仅限一次",
    "deadline": "申报时间",
}
FIELD_ERROR_SUMMARY = "填写的内容有误，请按红色提示修改。"
FILES_AGAIN = "为保护您的信息，页面不会保留已选择的文件：请重新选择三份材料后再提交。"
#: worker.js sends the application form with this header (an upload it can show the progress
#: of): the answer is then JSON for the outcomes it shows in place, and a page for the others.
UPLOAD_HEADER = "X-Worker-Upload"


def _uploading(request: HttpRequest) -> bool:
    return request.headers.get(UPLOAD_HEADER) == "1"


def field_errors_answer(form: WorkerForm, errors: dict[str, list[str]]) -> JsonResponse:
    """Field errors as the page's script shows them in place (the precheck's answer too), so a
    refused material or a typo found by the submission leaves the other photos chosen."""
    on_form = {name: texts for name, texts in errors.items() if name in form.fields}
    elsewhere = [
        form.shown_elsewhere.get(name, "") + message for name, texts in errors.items() if name not in form.fields for message in texts
    ]
    return JsonResponse(
        {"ok": False, "message": FIELD_ERROR_SUMMARY, "fields": on_form, "other": elsewhere},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


def _went(request: HttpRequest, to: str) -> HttpResponse:
    """Where a sent form goes next: a redirect, or for the script's upload the address to open."""
    url = reverse(to)
    if _uploading(request):
        return JsonResponse({"ok": True, "next": url})
    return redirect(url)


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST, even an empty one (``request.POST or None`` left a form posted
    empty unbound, and its error display then failed with a 500); None for a GET."""
    return request.POST if request.method == "POST" else None


def _posted_files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def _page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HttpResponse:
    context = dict(context or {})
    context.setdefault("signed_in", bool(request.session.get(session.SESSION_KEY)))
    return render(request, template, context, status=status)


def _checks(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Rule results with the rule's Chinese title, in the rules' order. A rule the self-check
    could not judge (withheld until the member check passes) is shown as 未判断, not as failed."""
    return [
        {**row, "title": RULE_TITLES.get(str(row.get("rule")), str(row.get("rule"))), "judged": row.get("judged", True)}
        for row in rows or []
    ]


def me(request: HttpRequest) -> str:
    """The signed-in worker's ID hash (set by :func:`session.applicant_required`)."""
    return str(request.applicant_id_hash)  # type: ignore[attr-defined]


def _no_campaign(request: HttpRequest) -> HttpResponse:
    return _page(request, "worker/no_campaign.html", status=404)


def _campaign_state(campaign: Campaign) -> dict[str, Any]:
    today = clock.today()
    return {
        "today": today,
        "days_left": (campaign.application_deadline - today).days,
        "not_open": today < campaign.opens_on,
        "closed": today > campaign.application_deadline,
    }


# 申报通知 ---------------------------------------------------------------------------------


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    if campaign is None:
        return _no_campaign(request)
    amounts = level_amounts(campaign)
    context = {
        "campaign": campaign,
        "levels": [(str(label), amounts[code]) for code, label in reversed(Level.choices) if code in amounts],
        "counted_issuers": [str(Issuer(code).label) for code in campaign.counted_issuers],
        "occupation_issuers": [str(Issuer(code).label) for code in campaign.occupation_issuers],
        **_campaign_state(campaign),
    }
    return _page(request, "worker/index.html", context)


# 资格自测 ---------------------------------------------------------------------------------


@never_cache
def check(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    if campaign is None:
        return _no_campaign(request)
    form = CheckForm(_posted(request))
    context: dict[str, Any] = {"form": form, "campaign": campaign}
    if request.method == "POST":
        form.is_valid()
        client = client_ip(request) or "-"
        try:
            throttle.check("eligibility", client, message="自测过于频繁，请1分钟后再试。")
            throttle.record("eligibility", client)
            decision = judge(campaign, form.values(), required=RULE_FIELDS).decision
        except InvalidInput as error:
            form.add_domain_errors(error.fields)
            context["error"] = FIELD_ERROR_SUMMARY
        except throttle.Throttled as error:
            context["error"] = error.message
        else:
            context["result"] = {
                "eligible": decision.eligible,
                "amount": decision.amount,
                "is_makeup": decision.is_makeup,
                "checks": _checks(public_checks(decision)),  # nothing more about a stranger's ID number
            }
    # htmx swaps only the form and its result; without JavaScript the whole page comes back.
    template = "worker/_check_area.html" if getattr(request, "htmx", False) else "worker/check.html"
    return _page(request, template, context)


# 登录 ----------------------------------------------------------------------------------------


@never_cache
def signin(request: HttpRequest) -> HttpResponse:
    next_url = session.safe_next(request, reverse("worker:mine"))
    if session.signed_in(request):
        return redirect(next_url)
    form = SigninForm(_posted(request))
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
                return _page(request, "worker/not_member.html", {"message": error.message}, status=403)
            context["error"] = error.message
        except CodeAlreadySent as error:
            # Asked again too soon: the member is known, and the code sent before still works.
            messages.warning(request, error.message)
            return _to_code_step(request, values, next_url)
        except throttle.Throttled as error:
            context["error"] = error.message
        else:
            return _to_code_step(request, values, next_url)
    return _page(request, "worker/signin.html", context, status=400 if context.get("error") else 200)


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
            if not gone:
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
    return _page(request, "worker/signin_code.html", context, status=status)


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
            return _page(request, "worker/not_member.html", {"message": error.message}, status=403)
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
        session.sign_out(request)
        messages.success(request, "您已安全退出。")
    return redirect("worker:index")


# 申请 ----------------------------------------------------------------------------------------


def _member_or_explain(request: HttpRequest) -> Member | HttpResponse:
    """The signed-in worker's registry record; a member no longer verified is signed out."""
    member = member_by_id_hash(me(request))
    if member is None or not member.verified:
        session.sign_out(request)
        return _page(request, "worker/not_member.html", {"message": "会员库中已找不到您的实名认证会员记录。"}, status=403)
    return member


def _identity(member: Member) -> dict[str, Any]:
    """Read-only facts of the signed-in worker (the ID number masked)."""
    facts = validators.id_facts(member.id_number)
    return {
        "name": member.name,
        "id_number": mask_id_number(member.id_number),
        "gender": Gender(facts.gender).label,
        "birth_date": facts.birth_date,
        "union": member.union.name,
        "grassroots_union": member.grassroots_union.name if member.grassroots_union else "",
        "phone": mask_phone(member.phone),
    }


def _live_in(applications: list[Application], campaign: Campaign) -> Application | None:
    return next((app for app in applications if app.campaign_id == campaign.pk and app.status != Status.WITHDRAWN), None)


def _files(request: HttpRequest) -> dict[str, Any]:
    return {name: request.FILES.get(name) for name in FILE_FIELDS}


@never_cache
@session.applicant_required
def apply(request: HttpRequest) -> HttpResponse:
    member = _member_or_explain(request)
    if isinstance(member, HttpResponse):
        return member
    campaign = current_campaign()
    if campaign is None:
        return _no_campaign(request)
    id_hash = me(request)
    amounts = level_amounts(campaign)
    initial = {"employer": member.employer, "is_migrant": "否"}
    form = ApplyForm(_posted(request), _posted_files(request), initial=initial, amounts=amounts, phone_on_file=mask_phone(member.phone))
    context: dict[str, Any] = {
        "form": form,
        "campaign": campaign,
        "me": _identity(member),
        "education_options": EDUCATION_SUGGESTIONS,
        **_campaign_state(campaign),
    }
    http_status = 200
    if request.method == "GET":
        context["existing"] = _live_in(application_selectors.applicant_applications(id_hash), campaign)
        return _page(request, "worker/apply.html", context)
    form.is_valid()
    data: dict[str, Any] = {**form.values(), "name": member.name, "id_number": member.id_number}
    try:
        throttle.check("submission", id_hash, message="提交过于频繁，请1小时后再试。")
        result = application_submit(
            campaign=campaign,
            data=data,
            files=_files(request),
            applicant_id_hash=id_hash,
            request=request,
            in_transaction=functools.partial(throttle.record, "submission", id_hash),  # counted in the same commit
        )
    except InvalidInput as error:
        if _uploading(request):
            return field_errors_answer(form, error.fields)
        form.add_domain_errors(error.fields)
        context["error"], http_status = FIELD_ERROR_SUMMARY, 400
    except Ineligible as error:
        throttle.record("submission", id_hash)
        context["ineligible"], http_status = _checks(error.extra.get("checks")), 422
    except Conflict as error:
        waiting = request.session.get(session.DONE_KEY)
        if waiting and waiting.get("application_no") in error.message:
            # The same form sent again after its answer was lost on the way (a bad network):
            # the application was made, and its query password still waits to be shown once.
            messages.success(request, "您的申请已经提交成功（刚才的网络应答没有送达）。")
            return _went(request, "worker:done")
        throttle.record("submission", id_hash)
        context["conflict"], http_status = error.message, 409
    except (Forbidden, throttle.Throttled, StorageUnavailable) as error:
        context["error"], http_status = error.message, error.status
    else:
        application = result.application
        request.session[session.DONE_KEY] = {
            "application_no": application.application_no,
            # Encrypted even for the moment it waits in the session store.
            "query_password": crypto.encrypt(result.query_password),
            "amount": f"{application.amount:.2f}" if application.amount is not None else "",
            "status_label": str(Status(application.status).label),
            "phone": mask_phone(application.phone),
            "union": application.union.name,
        }
        return _went(request, "worker:done")
    context["files_again"] = FILES_AGAIN
    return _page(request, "worker/apply.html", context, status=http_status)


@never_cache
def done(request: HttpRequest) -> HttpResponse:
    """The query password, once: it leaves the session as this page is built."""
    info = request.session.pop(session.DONE_KEY, None)
    if info:
        info["query_password"] = crypto.decrypt(info["query_password"])
    return _page(request, "worker/done.html", {"info": info})


# 查询进度 -------------------------------------------------------------------------------------


ONLINE_STEPS = ("提交申请", "区县（产业）工会预审", "市总工会终审", "奖励发放")
BATCH_STEPS = ("单位工会录入", "基层工会初审", "区县（产业）工会复审", "市总工会终审", "奖励发放")
#: Index of the step an application waits at, per status (online, batch).
_WAITING_AT = {
    Status.PENDING_GRASSROOTS: (1, 1),
    Status.PENDING_DISTRICT: (1, 2),
    Status.PENDING_CITY: (2, 3),
    Status.APPROVED: (3, 4),
    Status.PAYMENT_FAILED: (3, 4),
    Status.PAID: (4, 5),
}


def progress_steps(application: Application) -> list[dict[str, str]]:
    """The review chain as steps: done, current (or failed) and still to come."""
    online = application.channel == Channel.ONLINE
    labels = ONLINE_STEPS if online else BATCH_STEPS
    status = application.status
    if status not in _WAITING_AT:
        return []
    at = _WAITING_AT[Status(status)][0 if online else 1]
    steps = []
    for index, label in enumerate(labels):
        state = "done" if index < at else "current" if index == at else "todo"
        if index == at and status == Status.PAYMENT_FAILED:
            state = "bad"
        steps.append({"label": label, "state": state})
    return steps


def _status_view(application: Application) -> dict[str, Any]:
    payload = application_selectors.status_payload(application)
    return {
        **payload,
        "application": application,
        "channel_label": Channel(application.channel).label,
        "level_label": Level(application.new_level).label,
        "steps": progress_steps(application),
        "tone": _tone(application.status),
        "resubmit_until": resubmission_deadline(application),
        "card": mask_bank_card(application.bank_card_no),
        # No amount is coming for a withdrawn or rejected application.
        "show_amount": payload["amount"] is not None and application.status not in (Status.WITHDRAWN, Status.REJECTED),
        "can_reissue_password": application.channel == Channel.ONLINE and application.status != Status.WITHDRAWN,
        "deadline_passed": clock.today() > application.campaign.application_deadline,
    }


def _tone(status: str) -> str:
    if status in (Status.APPROVED, Status.PAID):
        return "ok"
    if status in (Status.RETURNED, Status.PAYMENT_FAILED):
        return "warn"
    if status in (Status.REJECTED, Status.WITHDRAWN):
        return "muted"
    return "info"


@never_cache
def status(request: HttpRequest) -> HttpResponse:
    form = StatusForm(_posted(request))
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        form.is_valid()
        values = form.values()
        try:
            application = application_selectors.find_by_query_password(
                id_number=values["id_number"], query_password=values["query_password"], client=client_ip(request) or "-"
            )
        except InvalidInput as error:
            form.add_domain_errors(error.fields)
            return _page(request, "worker/status.html", context, status=400)
        except NotFound:
            context["error"] = "身份证号码或查询密码不正确，请核对后重新输入。"
            return _page(request, "worker/status.html", context, status=404)
        except throttle.Throttled as error:
            context["error"] = error.message
            return _page(request, "worker/status.html", context, status=429)
        return _page(request, "worker/status_result.html", {"app": _status_view(application)})
    return _page(request, "worker/status.html", context)


# 我的申请 -------------------------------------------------------------------------------------


def _own(request: HttpRequest, application_no: str) -> Application:
    for application in application_selectors.applicant_applications(me(request)):
        if application.application_no == application_no:
            return application
    raise Http404("没有找到该申请。")


@never_cache
@session.applicant_required
def mine(request: HttpRequest) -> HttpResponse:
    id_hash = me(request)
    member = member_by_id_hash(id_hash)
    applications = application_selectors.applicant_applications(id_hash)
    campaign = current_campaign()
    can_apply = (
        campaign is not None
        and member is not None
        and member.verified
        and _live_in(applications, campaign) is None
        and not _campaign_state(campaign)["closed"]
        and not _campaign_state(campaign)["not_open"]
    )
    context = {
        "rows": [_status_view(application) for application in applications],
        "can_apply": can_apply,
        "campaign": campaign,
        "name": member.name if member else "",
        # Why there is no 申请 button, when the dates are the reason.
        **(_campaign_state(campaign) if campaign is not None else {}),
    }
    return _page(request, "worker/mine.html", context)


@never_cache
@session.applicant_required
def withdraw(request: HttpRequest, no: str) -> HttpResponse:
    application = _own(request, no)
    if request.method == "POST":
        try:
            application_withdraw(application_no=no, applicant_id_hash=me(request), request=request)
        except (Conflict, NotFound) as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"申请 {no} 已撤回。" + application_selectors.again_after_withdrawal(application.campaign.application_deadline)
            )
        return redirect("worker:mine")
    return _page(request, "worker/withdraw.html", {"app": _status_view(application)})


@never_cache
@session.applicant_required
def query_password(request: HttpRequest, no: str) -> HttpResponse:
    """GET: the confirmation, or the new password once; POST: issue a new one."""
    application = _own(request, no)
    view = _status_view(application)
    if not view["can_reissue_password"]:
        messages.error(request, "这份申请不需要查询密码：单位统一申报和已撤回的申请请登录后在“我的申请”中查看。")
        return redirect("worker:mine")
    if request.method == "POST":
        password = query_password_reissue(application_no=no, applicant_id_hash=me(request), request=request)
        request.session[session.NEW_PASSWORD_KEY] = {"application_no": no, "query_password": crypto.encrypt(password)}
        return redirect("worker:query_password", no=no)
    shown = request.session.pop(session.NEW_PASSWORD_KEY, None)
    new_password = crypto.decrypt(shown["query_password"]) if shown and shown.get("application_no") == no else None
    return _page(request, "worker/query_password.html", {"app": view, "password": new_password})


@never_cache
@session.applicant_required
def edit(request: HttpRequest, no: str) -> HttpResponse:
    """Correct an undecided application, resubmit a returned one, or fix the bank card after a
    failed payment (application_resubmit decides which)."""
    application = _own(request, no)
    view = _status_view(application)
    if not view["can_resubmit"]:
        # Often the back button after a resubmission: a plain note, not an alarm.
        messages.info(request, f"申请 {application.application_no} 现为“{view['status_label']}”，不需要也不能再修改。" + view["next_step"])
        return redirect("worker:mine")
    bank_only = application.status == Status.PAYMENT_FAILED
    context: dict[str, Any] = {
        "app": view,
        "bank_only": bank_only,
        "returned": _last_return(application),
        "education_options": EDUCATION_SUGGESTIONS,
    }
    if bank_only:
        form: ApplyForm | BankFixForm = BankFixForm(
            _posted(request), _posted_files(request), initial={"bank_branch": application.bank_branch}
        )
    else:
        form = ApplyForm(
            _posted(request),
            _posted_files(request),
            initial=initial_from(application),
            amounts=level_amounts(application.campaign),
            editing=True,
            phone_on_file=mask_phone(application.phone),
            card_tail=application.bank_card_no[-4:],
        )
        member = member_by_id_hash(application.id_hash)
        context["me"] = {
            "name": application.name,
            "id_number": mask_id_number(application.id_number),
            "gender": Gender(application.gender).label,
            "birth_date": application.birth_date,
            "union": application.union.name,
            "grassroots_union": member.grassroots_union.name if member and member.grassroots_union else "",
        }
    context["form"] = form
    if request.method == "GET":
        return _page(request, "worker/edit.html", context)
    form.is_valid()
    http_status = 200
    id_hash = me(request)
    try:
        # A resubmission stores new files too: it counts against the submission limit.
        throttle.check("submission", id_hash, message="提交过于频繁，请1小时后再试。")
        updated = application_resubmit(
            application_no=no,
            data=form.values(),
            files=_files(request),
            applicant_id_hash=id_hash,
            request=request,
        )
    except InvalidInput as error:
        if _uploading(request):
            return field_errors_answer(form, error.fields)
        form.add_domain_errors(error.fields)
        context["error"], http_status = FIELD_ERROR_SUMMARY, 400
    except Ineligible as error:
        throttle.record("submission", id_hash)
        context["ineligible"], http_status = _checks(error.extra.get("checks")), 422
    except (Conflict, NotFound) as error:
        throttle.record("submission", id_hash)
        context["conflict"], http_status = error.message, error.status
    except (StorageUnavailable, throttle.Throttled) as error:
        context["error"], http_status = error.message, error.status
    else:
        throttle.record("submission", id_hash)
        if updated.status == Status.APPROVED:
            done_word = "银行卡已更正，将在下一批次发放"
        elif application.status == Status.RETURNED:
            done_word = "已重新提交，等待区县（产业）工会审核"
        else:  # corrected before any review
            done_word = "已修改，等待区县（产业）工会审核"
        messages.success(request, f"申请 {no} {done_word}。")
        return _went(request, "worker:mine")
    context["files_again"] = "如需更换材料，请重新选择文件；不选择则保留原来上传的材料。"
    return _page(request, "worker/edit.html", context, status=http_status)


def _last_return(application: Application) -> dict[str, Any] | None:
    if application.status != Status.RETURNED:
        return None
    rows = [row for row in application_selectors.history(application) if row["decision"] == "退回修改"]
    return rows[-1] if rows else None
