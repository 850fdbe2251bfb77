"""Staff review pages (desktop): the queue, one application, decisions, signals, materials.

The pages do what the review API does (``rewards/api/views_review.py``) through the same
services and selectors: every application is looked up inside the caller's organisation
subtree, anything outside it answers 404 and writes an ``access.denied`` audit entry, and
personal numbers appear in full only on the detail page, whose every view is audited.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from rewards.applications.labels import MATERIAL_LABELS_FULL
from rewards.applications.materials import FIELD_FOR_KIND
from rewards.applications.models import HARD_FLAGS, Application, AttachmentKind, FlagCode
from rewards.applications.selectors import requested_again
from rewards.applications.serving import MaterialMissing, MaterialPurged, material_response
from rewards.campaigns.models import CampaignUnit
from rewards.campaigns.selectors import current_campaign
from rewards.core.audit import audit
from rewards.core.errors import Conflict, InvalidInput, NotFound
from rewards.core.masking import mask_digit_runs
from rewards.core.memo import ttl_memo
from rewards.core.text import clean
from rewards.core.vocab import LEVEL_GRADE, Channel, Level, Status
from rewards.organisations.models import OrgKind, Role, StaffUser
from rewards.organisations.selectors import visible_organisations
from rewards.payments import selectors as payment_selectors
from rewards.review import selectors
from rewards.review.flags import ensure_signals
from rewards.review.services import (
    STAGE_ROLE,
    application_in_scope,
    flag_resolve,
    review_approve_many,
    review_decide,
    sees_full_numbers,
)

from . import payments, refusals
from .auth import safe_next, signed_in_staff, staff_required
from .batch_forms import resubmit_form_for, resubmit_form_name

#: Who may read the queue, an application and its materials: the same roles as the API.
READ_ROLES = frozenset(
    {Role.GRASSROOTS_CLERK, Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.AUDITOR, Role.FINANCE_OFFICER, Role.ECONOMIC_OFFICER}
)
DECIDE_ROLES = frozenset(STAGE_ROLE.values())
#: The scanned ID and bank cards show the numbers in full: only the reviewers of the chain
#: open them (DOMAIN.md §9); other readers see which materials there are.
MATERIAL_ROLES = DECIDE_ROLES
RESOLVE_ROLES = frozenset({Role.CITY_REVIEWER})  # API.md roles: "resolve flags" is the city's

#: Short labels for staff (the model's labels speak to the worker).
STATUS_LABELS = {
    Status.PENDING_GRASSROOTS: "待基层初审",
    Status.PENDING_DISTRICT: "待区县（产业）审核",
    Status.PENDING_CITY: "待市总终审",
    Status.APPROVED: "已通过待发放",
    Status.PAID: "已发放",
    Status.PAYMENT_FAILED: "发放失败",
    Status.RETURNED: "已退回",
    Status.REJECTED: "不予奖励",
    Status.WITHDRAWN: "已撤回",
}
DECISION_WORDS = {"approve": "通过", "return": "退回修改", "reject": "不予奖励"}
DECISION_DONE = {"approve": "已通过", "return": "已退回修改", "reject": "已作出不予奖励决定"}
OUTCOME_LABELS = {
    "approved": "已通过",
    "wrong_stage": "不在您的审核环节，或已被处理",
    "unresolved_flag": "有尚未处理的风险信号，须先处理",
    "not_found": "没有找到，或不在您的管辖范围内",
    "forbidden": "您的角色不能审核",
    "invalid_input": "提交的内容有误",
}
RULE_LABELS = {
    "member": "实名认证会员",
    "promotion": "晋级",
    "window": "发证时间",
    "issuer": "发证机关与职业范围",
    "once_per_campaign": "每年度仅限一次",
    "deadline": "申报期限",
}
FLAG_FILTERS = [("any", "任一未处理信号"), ("hard", "未处理的硬性信号"), *((code, f"{label}") for code, label in FlagCode.choices)]
AWARD_LEVELS = [(code, label) for code, label in reversed(Level.choices) if LEVEL_GRADE[Level(code)] <= 3]
FILTERS = ("status", "union", "level", "flag", "channel", "q", "per")
#: Rows a page: 50 unless the reviewer asks for more (批量通过 takes up to 200 at once).
PAGE_SIZES = ("50", "100", "200")
BULK_KEY = "staff_bulk_outcomes"
#: The materials in the order of the notice: ID card, certificate, bank card.
KIND_ORDER = {kind: index for index, kind in enumerate(AttachmentKind.values)}


# --- helpers -----------------------------------------------------------------------------


def _out_of_scope(request: HttpRequest, application_no: str, what: str) -> HttpResponse:
    """404 for anything outside the caller's subtree, recorded as an access denial (SECURITY.md 1)."""
    # A NUL is in no number, and PostgreSQL holds it neither in a query nor in a JSON detail:
    # what was asked for is recorded with it written out (\x00).
    application_no = application_no.replace("\x00", "\\x00")
    existing = Application.objects.filter(application_no=application_no[:20]).values_list("pk", flat=True).first()
    audit(
        "access.denied",
        actor=request.user,
        request=request,
        result="denied",
        object_type="applications.application",
        object_id=existing or "",
        detail={"application_no": mask_digit_runs(application_no[:20]), "what": what},  # a typed ID stays masked
    )
    return render(request, "staff/not_found.html", status=404)


def _decided_meanwhile(application: Application, last: Any) -> str:
    """Why a decision was not saved: who decided the application, when, and where it stands now."""
    now = f"该申请现为“{STATUS_LABELS[Status(application.status)]}”"
    if last is None:
        return f"您的决定没有保存：{now}，不在您的审核环节。"
    who = " ".join(part for part in (last.organisation.name if last.organisation else "", str(last.actor) if last.actor else "") if part)
    when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
    return f"您的决定没有保存：{who or '其他审核人员'}已于 {when} 作出“{DECISION_WORDS.get(last.decision, last.decision)}”决定，{now}。"


def _own_stage(user: StaffUser) -> str:
    """The status that waits for the caller's decision ("" for roles that do not decide)."""
    return next((str(status) for status, role in STAGE_ROLE.items() if role == user.role), "")


def _can_decide(user: StaffUser, status: str, channel: str) -> bool:
    if STAGE_ROLE.get(Status(status)) != user.role:
        return False
    return not (channel == Channel.ONLINE and status == Status.PENDING_GRASSROOTS)


def _unions_for(user: StaffUser) -> list[str]:
    """The district/industry unions the caller sees, in the current campaign's Annex 1 order;
    unions outside that campaign (an earlier year's, or a new one not yet in it) after them."""
    names = list(visible_organisations(user).filter(kind=OrgKind.DISTRICT).order_by("position", "name").values_list("name", flat=True))
    campaign = current_campaign() if len(names) > 1 else None  # a district sees its own name only
    if campaign is None:
        return names
    order = _annex1_order(campaign.pk)
    return sorted(names, key=lambda name: order.get(name, len(order)))  # stable: the others keep their order


@ttl_memo(ttl=5.0)
def _annex1_order(campaign_id: int) -> dict[str, int]:
    """Union name → its place in the campaign's Annex 1 (read once every few seconds, not per page)."""
    names = CampaignUnit.objects.filter(campaign_id=campaign_id).order_by("position").values_list("organisation__name", flat=True)
    return {name: index for index, name in enumerate(names)}


def _clean_filters(request: HttpRequest, unions: list[str], own_stage: str) -> dict[str, str]:
    raw = {name: clean(request.GET.get(name) or "")[:60] for name in FILTERS}  # no NUL reaches a query
    if "status" not in request.GET and own_stage:
        raw["status"] = own_stage  # the queue opens on what waits for the caller
    return {
        "status": raw["status"] if raw["status"] in Status.values else "",
        "union": raw["union"] if raw["union"] in unions else "",
        "level": raw["level"] if raw["level"] in Level.values else "",
        "flag": raw["flag"] if raw["flag"] in dict(FLAG_FILTERS) else "",
        "channel": raw["channel"] if raw["channel"] in Channel.values else "",
        "q": raw["q"],
        "per": raw["per"] if raw["per"] in PAGE_SIZES[1:] else "",  # "" is the default, 50
    }


def _query(filters: dict[str, str], **changes: Any) -> str:
    """The query string of the queue with ``changes`` applied; status is always kept (even empty)."""
    values = {**filters, **changes}
    return urlencode({key: value for key, value in values.items() if value or key == "status"})


# --- the queue -----------------------------------------------------------------------------


@require_GET
@staff_required(roles=READ_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    """审核列表: filters, counts per status, 50 rows a page, 批量通过 for the caller's stage."""
    user = signed_in_staff(request)
    unions = _unions_for(user)
    own_stage = _own_stage(user)
    filters = _clean_filters(request, unions, own_stage)
    counts = selectors.status_counts(user, filters)
    total = selectors.total_from_counts(counts, filters.get("status", ""))  # no second COUNT
    per = int(filters["per"] or selectors.PAGE_SIZE)
    number = Paginator(range(total), per).get_page(request.GET.get("page")).number  # the page shown, past the end or not
    paginator = Paginator(selectors.queue_page_query(user, filters, matches=total, end=number * per), per)
    paginator.__dict__["count"] = total
    page = paginator.get_page(number)
    rows = selectors.queue_rows(list(page.object_list), with_resolved=True)
    outcomes: dict[str, str] = request.session.pop(BULK_KEY, {})
    detail_url = reverse("staff:detail", args=["0"])[:-1]  # the address of each row's detail, reversed once
    for row in rows:
        row["detail_url"] = detail_url + quote(row["application_no"])
        row["status_label"] = STATUS_LABELS[Status(row["status"])]
        row["channel_label"] = Channel(row["channel"]).label
        row["level_label"] = Level(row["new_level"]).label
        row["amount_fixed"] = row["status"] in (Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED)
        row["flag_items"] = [{"code": code, "label": FlagCode(code).label, "hard": code in HARD_FLAGS} for code in row["flags"]]
        row["resolved_items"] = [{"code": code, "label": FlagCode(code).label} for code in row["resolved_flags"]]
        row["can_approve"] = _can_decide(user, row["status"], row["channel"]) and not (
            row["status"] == Status.PENDING_CITY and any(item["hard"] for item in row["flag_items"])
        )
        row["outcome"] = OUTCOME_LABELS.get(outcomes.get(row["application_no"], ""), "")
        # Written here, not with the template's date filter: 50 of those cost the page 3 ms.
        row["submitted_text"] = timezone.localtime(row["submitted_at"]).strftime("%Y-%m-%d %H:%M") if row["submitted_at"] else ""
    tabs = [{"value": "", "label": "全部", "count": sum(counts.values()), "query": _query(filters, status="", page="")}]
    tabs += [
        {
            "value": str(status),
            "label": STATUS_LABELS[status],
            "count": counts.get(status, 0),
            "query": _query(filters, status=str(status), page=""),
        }
        for status in Status
    ]
    bulk = None
    if outcomes:
        approved = [no for no, outcome in outcomes.items() if outcome == "approved"]
        # Where a refused one stands now (decided meanwhile by someone else, say): read, not guessed.
        moved = [no for no, outcome in outcomes.items() if outcome == "wrong_stage"]
        now = dict(selectors.queue(user, {}).filter(application_no__in=moved).values_list("application_no", "status")) if moved else {}
        bulk = {
            "approved": approved,
            "refused": [
                {
                    "application_no": no,
                    "reason": f"该申请现为“{STATUS_LABELS[Status(now[no])]}”，已不在您的审核环节（可能已由他人处理）"
                    if no in now
                    else OUTCOME_LABELS.get(outcome, outcome),
                }
                for no, outcome in outcomes.items()
                if outcome != "approved"
            ],
        }
    here = f"{reverse('staff:queue')}?{_query(filters, page=page.number if page.number > 1 else '')}"
    context = {
        "filters": filters,
        "tabs": tabs,
        "rows": rows,
        "page": page,
        "count": page.paginator.count,
        "unions": unions,
        "levels": AWARD_LEVELS,
        "flag_filters": FLAG_FILTERS,
        "channels": Channel.choices,
        "page_sizes": PAGE_SIZES,
        "own_stage": own_stage,
        "can_bulk": any(row["can_approve"] for row in rows),
        "sees_full_numbers": sees_full_numbers(signed_in_staff(request)),
        "bulk": bulk,
        # A search that finds nothing under the tab shown but something under others says so.
        "found_elsewhere": sum(counts.values()) if filters["q"] and filters["status"] and not page.paginator.count else 0,
        "all_query": _query(filters, status="", page=""),
        "here": here,
        "prev_query": _query(filters, page=page.previous_page_number()) if page.has_previous() else "",
        "next_query": _query(filters, page=page.next_page_number()) if page.has_next() else "",
    }
    response = render(request, "staff/queue.html", context)
    if getattr(request, "htmx", False):  # the address of what is drawn: each filter once, none empty but status, the page shown
        push_url(response, here)
    return response


@require_POST
@staff_required(roles=DECIDE_ROLES)
def approve_many(request: HttpRequest) -> HttpResponse:
    """批量通过: each selected application in its own transaction; outcomes shown on the queue."""
    back = safe_next(request, request.POST.get("next")) or reverse("staff:queue")
    numbers = list(dict.fromkeys(no.strip()[:20] for no in request.POST.getlist("application_no") if no.strip()))[:200]
    if not numbers:
        messages.warning(request, "请先勾选要通过的申请。")
        return redirect(back)
    outcomes = review_approve_many(user=signed_in_staff(request), application_nos=numbers, request=request)
    refused = [number for number, outcome in outcomes.items() if outcome == "wrong_stage"]
    for application in selectors.queue(signed_in_staff(request), {}).filter(application_no__in=refused) if refused else []:
        if selectors.is_repeat(selectors.last_decision(application), user=signed_in_staff(request), decision="approve"):
            outcomes[application.application_no] = "approved"  # passed by this reviewer moments ago: the form sent twice
    for number, outcome in outcomes.items():
        if outcome == "not_found":
            existing = Application.objects.filter(application_no=number).values_list("pk", flat=True).first()
            audit(
                "access.denied",
                actor=request.user,
                request=request,
                result="denied",
                object_type="applications.application",
                object_id=existing or "",
                detail={"application_no": mask_digit_runs(number), "what": "approve_many"},
            )
    request.session[BULK_KEY] = outcomes
    approved = sum(1 for outcome in outcomes.values() if outcome == "approved")
    if approved == len(outcomes):
        messages.success(request, f"已批量通过 {approved:,} 份申请。")
    else:
        messages.warning(
            request, f"勾选 {len(outcomes):,} 份，通过 {approved:,} 份，其余 {len(outcomes) - approved:,} 份未能通过，原因见下方。"
        )
    return redirect(back)


# --- one application ------------------------------------------------------------------------


def _opinion_boxes(events: list[Any]) -> list[dict[str, Any]]:
    """The three opinion boxes of Annex 3, each from the latest decision at that level."""
    boxes = [
        {"title": "基层工会意见", "status": Status.PENDING_GRASSROOTS, "event": None},
        {"title": "区县市（产业）工会意见", "status": Status.PENDING_DISTRICT, "event": None},
        {"title": "市总工会意见", "status": Status.PENDING_CITY, "event": None},
    ]
    for event in events:
        for box in boxes:
            if event.decision and event.from_status == box["status"]:
                box["event"] = event
    return boxes


def _detail_context(request: HttpRequest, application: Application) -> dict[str, Any]:
    user = signed_in_staff(request)
    full_numbers = sees_full_numbers(user)
    data = selectors.detail(application, full=full_numbers, reader=user)
    events = list(application.events.select_related("organisation", "actor").order_by("at", "id"))
    history = [
        {**row, "organisation": event.organisation.name if event.organisation else "", "actor": str(event.actor) if event.actor else ""}
        for row, event in zip(data["history"], events, strict=False)
    ]
    for row, event in zip(history, events, strict=False):
        row["decision_code"] = event.decision
    materials = [
        {
            **att,
            "url": reverse("staff:attachment", args=[application.application_no, att["id"]]),
            "is_pdf": att["content_type"] == "application/pdf",
        }
        for att in sorted(data["attachments"], key=lambda att: KIND_ORDER.get(att["kind"], 9))
    ]
    file_states = {FIELD_FOR_KIND[AttachmentKind(att["kind"])]: att["file_state"] for att in data["attachments"]}
    resubmit_form = resubmit_form_for(user, application)
    unresolved_hard = [flag for flag in data["flags"] if flag["hard"] and not flag["resolved"]]
    can_decide = _can_decide(user, application.status, application.channel)
    for check in data["checks"]:
        check["label"] = RULE_LABELS.get(str(check.get("rule", "")), str(check.get("rule", "")))
    return {
        "app": data,
        "application": application,
        "status_label": STATUS_LABELS[Status(application.status)],
        "channel_label": Channel(application.channel).label,
        "gender_label": application.get_gender_display(),
        "new_level_label": application.get_new_level_display(),
        "previous_level_label": application.get_previous_level_display() if application.previous_level else "",
        "issuer_label": application.get_issuer_display(),
        "amount_fixed": application.status in (Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED),
        "history": history,
        "boxes": _opinion_boxes(events),
        "materials": materials,
        "can_open_materials": user.role in MATERIAL_ROLES,
        "any_material_open": any(att["file_state"] == "available" for att in data["attachments"]),
        "checks_passed": all(check.get("passed") for check in data["checks"]),
        "unresolved_hard": unresolved_hard,
        "can_decide": can_decide,
        "material_choices": list(MATERIAL_LABELS_FULL.items()),
        "approve_blocked": can_decide and application.status == Status.PENDING_CITY and bool(unresolved_hard),
        "can_resolve": user.role in RESOLVE_ROLES,
        "stage_label": STATUS_LABELS.get(Status(application.status), ""),
        "resubmit_form": resubmit_form,  # 单位统一申报: a returned batch row
        # Its file fields the latest return asked for again, and those whose file is gone (marked
        # as on the worker's page).
        "again_fields": [FIELD_FOR_KIND[AttachmentKind(kind)] for kind in requested_again(application)],
        "lost_fields": [name for name, state in file_states.items() if state == "missing"] if resubmit_form else [],
        "payments": payment_selectors.application_lines(application),
        "full_numbers": full_numbers,
        "can_open_batches": user.role in payments.READ_ROLES,
    }


def _render_detail(request: HttpRequest, application: Application, *, status: int = 200, **extra: Any) -> HttpResponse:
    """For a reviewer the page shows full numbers: every such rendering is an audited full view."""
    ensure_signals(application)
    if sees_full_numbers(signed_in_staff(request)):
        audit("application.view_full", obj=application, request=request, actor=request.user, detail={"channel": "web"})
    context = _detail_context(request, application)
    context.update(extra)
    return render(request, "staff/detail.html", context, status=status)


@require_GET
@staff_required(roles=READ_ROLES)
def detail(request: HttpRequest, no: str) -> HttpResponse:
    try:
        application = application_in_scope(signed_in_staff(request), no)
    except NotFound:
        return _out_of_scope(request, no, "detail")
    return _render_detail(request, application, **_refused_forms(request, application))


def _decision_form(application_no: str) -> str:
    return f"decision:{application_no}"


def _flag_form(application_no: str) -> str:
    return f"flag:{application_no}"


def _refused_forms(request: HttpRequest, application: Application) -> dict[str, Any]:
    """A refused decision, signal note or resubmission of this application, with what was typed, shown once."""
    application_no = application.application_no
    shown: dict[str, Any] = {}
    decision = refusals.take(request, _decision_form(application_no))
    if decision is not None:
        values = decision["values"]
        shown.update(
            decision_error=decision["message"],
            decision_value=str(values.get("decision") or ""),
            opinion_value=str(values.get("opinion") or ""),
            materials_value=[str(kind) for kind in values.get("materials") or []],
        )
    flag = refusals.take(request, _flag_form(application_no))
    if flag is not None:
        values = flag["values"]
        shown["flag_error"] = {"code": str(values.get("code") or ""), "message": flag["message"], "note": str(values.get("note") or "")}
    resubmission = refusals.take(request, resubmit_form_name(application_no))
    if resubmission is not None:
        values = resubmission["values"]
        form = resubmit_form_for(signed_in_staff(request), application, values.get("data") or {})
        if form is not None:  # still the clerk's returned application
            form.is_valid()
            form.add_domain_errors({str(name): [str(text) for text in texts] for name, texts in (values.get("errors") or {}).items()})
            shown["resubmit_form"] = form
            shown["resubmit_ineligible"] = values.get("ineligible") or []
            shown["resubmit_error"] = resubmission["message"]
        else:  # no longer returned (decided, or resubmitted from another tab): no form to stand beside
            messages.warning(request, f"修改没有提交：{resubmission['message']}")
    return shown


@require_http_methods(["GET", "POST"])
@staff_required(roles=DECIDE_ROLES)
def decide(request: HttpRequest, no: str) -> HttpResponse:
    """通过 / 退回修改 / 不予奖励, with the services' refusals shown on the page."""
    try:
        application = application_in_scope(signed_in_staff(request), no)
    except NotFound:
        return _out_of_scope(request, no, "decision")
    if request.method == "GET":  # the address a refused decision was shown at, opened again
        return redirect(f"{reverse('staff:detail', args=[no])}#decision")
    decision = (request.POST.get("decision") or "").strip()
    opinion = request.POST.get("opinion") or ""
    again = request.POST.getlist("materials")
    try:
        application = review_decide(
            user=signed_in_staff(request), application_no=no, decision=decision, opinion=opinion, materials=again, request=request
        )
    except NotFound:
        return _out_of_scope(request, no, "decision")
    except (InvalidInput, Conflict) as exc:
        application = application_in_scope(signed_in_staff(request), no)  # as it stands now
        message = exc.message
        if isinstance(exc, InvalidInput) and exc.fields:
            message = "；".join(text for texts in exc.fields.values() for text in texts)
        if isinstance(exc, InvalidInput) and "decision" in exc.fields:  # the API's words name its codes
            message = "请选择一项决定：通过、退回修改或不予奖励。"
        if isinstance(exc, Conflict) and exc.code == "wrong_stage":
            last = selectors.last_decision(application)
            if selectors.is_repeat(last, user=signed_in_staff(request), decision=decision):  # the same form sent twice
                messages.info(request, f"该决定已经保存，重复提交的没有再次处理。该申请现为“{STATUS_LABELS[Status(application.status)]}”。")
                return redirect("staff:detail", no=application.application_no)
            message = _decided_meanwhile(application, last)
        elif isinstance(exc, Conflict):  # decided meanwhile, say in another tab: say that this one was not
            message = f"您的决定没有保存：{message}"
        # Told on the application's page, not at this address (POST-redirect-GET): a reload or
        # the Back button then opens the page instead of posting the decision again.
        values = {"decision": decision[:20], "opinion": opinion[:500], "materials": [kind[:20] for kind in again[:3]]}
        refusals.keep(request, _decision_form(application.application_no), message=message, values=values)
        return redirect(f"{reverse('staff:detail', args=[application.application_no])}#decision")
    messages.success(request, f"{DECISION_DONE[decision]}。该申请现为“{STATUS_LABELS[Status(application.status)]}”。")
    return redirect("staff:detail", no=application.application_no)


@require_http_methods(["GET", "POST"])
@staff_required(roles=RESOLVE_ROLES)
def resolve_flag(request: HttpRequest, no: str, code: str) -> HttpResponse:
    """处理风险信号: a written note, kept with its author and time."""
    try:
        application = application_in_scope(signed_in_staff(request), no)
    except NotFound:
        return _out_of_scope(request, no, "flag_resolve")
    if request.method == "GET":  # the address a refused note was shown at, opened again
        return redirect(f"{reverse('staff:detail', args=[no])}#signals")
    note = request.POST.get("note") or ""
    try:
        flag = flag_resolve(user=signed_in_staff(request), application_no=no, code=code, note=note, request=request)
    except NotFound:
        # The application is there (looked up above); the signal is not: worked out again since
        # the page was opened (the registry row arrived, the other application was withdrawn).
        messages.info(request, "该风险信号已不存在：系统重新核查后不再提示（相关情况已变化），无需处理。")
        return redirect(f"{reverse('staff:detail', args=[no])}#signals")
    except (InvalidInput, Conflict) as exc:
        values = {"code": code[:40], "note": note[:1000]}
        refusals.keep(request, _flag_form(application.application_no), message=refusals.error_text(exc), values=values)
        return redirect(f"{reverse('staff:detail', args=[application.application_no])}#signals")
    messages.success(request, f"已处理风险信号“{flag.get_code_display()}”。")
    return redirect(f"{reverse('staff:detail', args=[no])}#signals")


@xframe_options_sameorigin  # PDFs open in a frame of the detail page
@require_GET
@staff_required(roles=MATERIAL_ROLES)
def attachment(request: HttpRequest, no: str, attachment_id: int) -> HttpResponseBase:
    """One material, only to staff whose subtree holds the application; never cached."""
    try:
        application = application_in_scope(signed_in_staff(request), no)
    except NotFound:
        return _out_of_scope(request, no, "attachment")
    item = application.attachments.filter(pk=attachment_id).first()
    if item is None:
        return render(request, "staff/not_found.html", status=404)
    try:
        response = material_response(item, name=f"{application.application_no}-{item.kind}", framed_by_self=True)
    except MaterialPurged as exc:  # destroyed at the end of retention: said so, not 缺失
        context = {"message": exc.message, "application": application, "title": "材料已销毁"}
        return render(request, "staff/material_missing.html", context, status=exc.status)
    except MaterialMissing as exc:  # opened from the viewer's frame or a new window: a page of its own
        return render(request, "staff/material_missing.html", {"message": exc.message, "application": application}, status=exc.status)
    audit(
        "application.view_attachment",
        obj=application,
        request=request,
        actor=request.user,
        detail={"attachment": item.pk, "kind": item.kind},
    )
    return response
