"""Worker pages: the Annex 3 application with its materials (申请), the query password shown
once, and correcting, resubmitting or fixing the bank card of one's own application.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from rewards.applications import selectors as application_selectors
from rewards.applications.materials import FIELD_FOR_KIND
from rewards.applications.models import Application, AttachmentKind
from rewards.applications.services import application_resubmit, application_submit
from rewards.campaigns.selectors import current_campaign, level_amounts
from rewards.core import crypto, throttle, validators
from rewards.core.errors import Conflict, Forbidden, Ineligible, InvalidInput, NotFound, StorageUnavailable
from rewards.core.masking import mask_id_number, mask_phone
from rewards.core.vocab import Gender, Status
from rewards.registries.models import Member
from rewards.registries.selectors import member_by_id_hash

from . import session
from .applications import live_in, own, status_view
from .forms import EDUCATION_SUGGESTIONS, FILE_FIELDS, ApplyForm, BankFixForm, initial_from
from .materials import on_file
from .pages import (
    FIELD_ERROR_SUMMARY,
    FILES_AGAIN,
    campaign_state,
    checks,
    field_errors_answer,
    ineligible_answer,
    me,
    no_campaign,
    page,
    posted,
    posted_files,
    uploading,
    went,
)

# 申请 ----------------------------------------------------------------------------------------


def _member_or_explain(request: HttpRequest) -> Member | HttpResponse:
    """The signed-in worker's registry record; a member no longer verified is signed out."""
    member = member_by_id_hash(me(request))
    if member is None or not member.verified:
        session.sign_out(request)
        return page(request, "worker/not_member.html", {"message": "会员库中已找不到您的实名认证会员记录。"}, status=403)
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
        return no_campaign(request)
    id_hash = me(request)
    amounts = level_amounts(campaign)
    initial = {"employer": member.employer, "is_migrant": "否"}
    form = ApplyForm(posted(request), posted_files(request), initial=initial, amounts=amounts, phone_on_file=mask_phone(member.phone))
    context: dict[str, Any] = {
        "form": form,
        "campaign": campaign,
        "me": _identity(member),
        "education_options": EDUCATION_SUGGESTIONS,
        **campaign_state(campaign),
    }
    http_status = 200
    if request.method == "GET":
        existing = live_in(application_selectors.applicant_applications(id_hash), campaign)
        # What this application allows (修改, 撤回, or neither), as 我的申请 says it.
        context["existing"] = status_view(existing) if existing else None
        return page(request, "worker/apply.html", context)
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
        if uploading(request):
            return field_errors_answer(form, error.fields)
        form.add_domain_errors(error.fields)
        context["error"], http_status = FIELD_ERROR_SUMMARY, 400
    except Ineligible as error:
        throttle.record("submission", id_hash)
        if uploading(request):
            return ineligible_answer(request, checks(error.extra.get("checks")))
        context["ineligible"], http_status = checks(error.extra.get("checks")), 422
    except Conflict as error:
        waiting = request.session.get(session.DONE_KEY)
        if waiting and waiting.get("application_no") in error.message:
            # The same form sent again after its answer was lost on the way (a bad network):
            # the application was made, and its query password still waits to be shown once.
            messages.success(request, "您的申请已经提交成功（刚才的网络应答没有送达）。")
            return went(request, "worker:done")
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
        return went(request, "worker:done")
    context["files_again"] = FILES_AGAIN
    return page(request, "worker/apply.html", context, status=http_status)


@never_cache
def done(request: HttpRequest) -> HttpResponse:
    """The query password, once: it leaves the session as this page is built."""
    info = request.session.pop(session.DONE_KEY, None)
    if info:
        info["query_password"] = crypto.decrypt(info["query_password"])
    return page(request, "worker/done.html", {"info": info})


@never_cache
@session.applicant_required
def edit(request: HttpRequest, no: str) -> HttpResponse:
    """Correct an undecided application, resubmit a returned one, or fix the bank card after a
    failed payment (application_resubmit decides which)."""
    application = own(request, no)
    view = status_view(application)
    if not view["can_resubmit"]:
        # Often the back button after a resubmission: a plain note, not an alarm.
        messages.info(request, f"申请 {application.application_no} 现为“{view['status_label']}”，不需要也不能再修改。" + view["next_step"])
        return redirect("worker:mine")
    bank_only = application.status == Status.PAYMENT_FAILED
    again = [FIELD_FOR_KIND[AttachmentKind(kind)] for kind in application_selectors.requested_again(application)]
    shown = on_file(application)
    # Each file field whose stored file is gone (not after a failed payment: the card only).
    lost = [] if bank_only else [name for name, item in shown.items() if item["state"] == "missing"]
    context: dict[str, Any] = {
        "app": view,
        "bank_only": bank_only,
        "returned": _last_return(application),
        "education_options": EDUCATION_SUGGESTIONS,
        "on_file": shown,
        "again_fields": again,  # each marked 审核人员要求重新上传这份材料
        "lost_fields": lost,  # each marked 原来上传的这份材料在系统中找不到了
    }
    if bank_only:
        form: ApplyForm | BankFixForm = BankFixForm(
            posted(request), posted_files(request), initial={"bank_branch": application.bank_branch}
        )
    else:
        form = ApplyForm(
            posted(request),
            posted_files(request),
            initial=initial_from(application),
            amounts=level_amounts(application.campaign),
            editing=True,
            phone_on_file=mask_phone(application.phone),
            card_tail=application.bank_card_no[-4:],
            again=again,
            lost=lost,
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
        return page(request, "worker/edit.html", context)
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
        if uploading(request):
            return field_errors_answer(form, error.fields)
        form.add_domain_errors(error.fields)
        context["error"], http_status = FIELD_ERROR_SUMMARY, 400
    except Ineligible as error:
        throttle.record("submission", id_hash)
        if uploading(request):
            return ineligible_answer(request, checks(error.extra.get("checks")))
        context["ineligible"], http_status = checks(error.extra.get("checks")), 422
    except (Conflict, NotFound) as error:
        throttle.record("submission", id_hash)
        context["conflict"], http_status = error.message, error.status
    except (StorageUnavailable, throttle.Throttled) as error:
        context["error"], http_status = error.message, error.status
    else:
        throttle.record("submission", id_hash)
        if updated.status == Status.APPROVED and application_selectors.held_by_a_signal(updated):
            # Why is not said (another person's application may use that card): who decides is.
            done_word = "银行卡已更正，须经市总工会核实后发放，请留意短信通知"
        elif updated.status == Status.APPROVED:
            done_word = "银行卡已更正，将在下一批次发放"
        elif application.status == Status.RETURNED:
            done_word = "已重新提交，等待区县（产业）工会审核"
        else:  # corrected before any review
            done_word = "已修改，等待区县（产业）工会审核"
        messages.success(request, f"申请 {no} {done_word}。")
        return went(request, "worker:mine")
    context["files_again"] = (
        "审核人员要求重新上传的材料，请重新选择文件；其他材料如需更换也请重新选择，不选择则保留原来上传的。"
        if again
        else "如需更换材料，请重新选择文件；不选择则保留原来上传的材料。"
    )
    return page(request, "worker/edit.html", context, status=http_status)


def _last_return(application: Application) -> dict[str, Any] | None:
    if application.status != Status.RETURNED:
        return None
    rows = [row for row in application_selectors.history(application) if row["decision"] == "退回修改"]
    return rows[-1] if rows else None
