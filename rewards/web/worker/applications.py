"""Worker pages: the status query by ID number and query password (查询进度), and the signed-in
worker's own applications (我的申请) with withdrawal and a new query password.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from rewards.applications import selectors as application_selectors
from rewards.applications.models import Application
from rewards.applications.services import application_withdraw, query_password_reissue, resubmission_deadline
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import current_campaign
from rewards.core import clock, crypto, throttle
from rewards.core.audit import client_ip
from rewards.core.errors import Conflict, InvalidInput, NotFound
from rewards.core.masking import mask_bank_card
from rewards.core.vocab import Channel, Level, Status
from rewards.registries.selectors import member_by_id_hash

from . import session
from .forms import StatusForm
from .pages import campaign_state, me, page, posted

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


def status_view(application: Application) -> dict[str, Any]:
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
    form = StatusForm(posted(request))
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
            return page(request, "worker/status.html", context, status=400)
        except NotFound:
            context["error"] = "身份证号码或查询密码不正确，请核对后重新输入。"
            return page(request, "worker/status.html", context, status=404)
        except throttle.Throttled as error:
            context["error"] = error.message
            return page(request, "worker/status.html", context, status=429)
        return page(request, "worker/status_result.html", {"app": status_view(application)})
    return page(request, "worker/status.html", context)


def live_in(applications: list[Application], campaign: Campaign) -> Application | None:
    return next((app for app in applications if app.campaign_id == campaign.pk and app.status != Status.WITHDRAWN), None)


# 我的申请 -------------------------------------------------------------------------------------


def own(request: HttpRequest, application_no: str) -> Application:
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
        and live_in(applications, campaign) is None
        and not campaign_state(campaign)["closed"]
        and not campaign_state(campaign)["not_open"]
    )
    rows = [status_view(application) for application in applications]
    _card_notice(request, rows)
    context = {
        "rows": rows,
        "can_apply": can_apply,
        "campaign": campaign,
        "name": member.name if member else "",
        # Why there is no 申请 button, when the dates are the reason.
        **(campaign_state(campaign) if campaign is not None else {}),
    }
    return page(request, "worker/mine.html", context)


def _card_notice(request: HttpRequest, rows: list[dict[str, Any]]) -> None:
    """The note kept for one application (a refused withdrawal) goes inside its card, once."""
    notice = request.session.pop(session.CARD_NOTICE_KEY, None)
    if not isinstance(notice, dict):
        return
    for row in rows:
        if row["application_no"] == notice.get("application_no"):
            row["notice"] = {"message": str(notice.get("message") or ""), "tone": str(notice.get("tone") or "info")}
            return
    messages.info(request, str(notice.get("message") or ""))  # its card is gone: said at the top


def _told_on_card(request: HttpRequest, no: str, message: str, *, tone: str) -> HttpResponse:
    """Back to 我的申请 at the application's card, which says ``message`` (a worker with several
    applications sees which one it is about, not a line at the top of the page)."""
    request.session[session.CARD_NOTICE_KEY] = {"application_no": no, "message": message, "tone": tone}
    return redirect(f"{reverse('worker:mine')}#app-{no}")


@never_cache
@session.applicant_required
def withdraw(request: HttpRequest, no: str) -> HttpResponse:
    application = own(request, no)
    view = status_view(application)
    if request.method == "GET" and not view["can_withdraw"]:
        # Often the back button after 确认撤回: a plain note on 我的申请, not the question again.
        if application.status == Status.WITHDRAWN:
            return _told_on_card(request, no, f"申请 {no} 已经撤回，不需要再撤回。" + view["next_step"], tone="info")
        said = f"申请 {no} 现为“{view['status_label']}”，已有审核意见的申请不能撤回。" + view["next_step"]
        return _told_on_card(request, no, said, tone="info")
    if request.method == "POST":
        try:
            application_withdraw(application_no=no, applicant_id_hash=me(request), request=request)
        except Conflict as error:  # a reviewer decided meanwhile, or withdrawn in another tab
            return _told_on_card(request, no, f"撤回没有成功：{error.message}", tone="error")
        except NotFound as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"申请 {no} 已撤回。" + application_selectors.again_after_withdrawal(application.campaign.application_deadline)
            )
        return redirect("worker:mine")
    return page(request, "worker/withdraw.html", {"app": view})


@never_cache
@session.applicant_required
def query_password(request: HttpRequest, no: str) -> HttpResponse:
    """GET: the confirmation, or the new password once; POST: issue a new one."""
    application = own(request, no)
    view = status_view(application)
    if not view["can_reissue_password"]:
        messages.error(request, "这份申请不需要查询密码：单位统一申报和已撤回的申请请登录后在“我的申请”中查看。")
        return redirect("worker:mine")
    if request.method == "POST":
        password = query_password_reissue(application_no=no, applicant_id_hash=me(request), request=request)
        request.session[session.NEW_PASSWORD_KEY] = {"application_no": no, "query_password": crypto.encrypt(password)}
        return redirect("worker:query_password", no=no)
    shown = request.session.pop(session.NEW_PASSWORD_KEY, None)
    new_password = crypto.decrypt(shown["query_password"]) if shown and shown.get("application_no") == no else None
    return page(request, "worker/query_password.html", {"app": view, "password": new_password})
