"""非通用性职业 pages (附件5): a district/industry union declares its occupations (places left and
the deadline shown) and follows the economic department's answers; the economic department sees
every pending one with its reason and decides with an opinion; the city's reviewers and auditors
read. Everyone here may download Annex 5.

The same services as the API (``rewards/campaigns/declarations.py``, ``rewards/reports/annex5.py``):
roles, scope, deadline, limit and audit are decided there; refusals are shown in Chinese.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rewards.campaigns.declarations import (
    DECIDE_ROLES,
    DECLARE_ROLES,
    READ_ROLES,
    declaration_deadline,
    declaration_list,
    occupation_declaration_decide,
    occupation_declaration_withdraw,
    occupation_declare,
    union_quota,
)
from rewards.campaigns.models import Campaign, DeclarationStatus, OccupationDeclaration
from rewards.campaigns.selectors import campaign_for_year, campaign_units, current_campaign
from rewards.core import clock
from rewards.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rewards.organisations.models import Organisation, OrgKind, StaffUser
from rewards.organisations.selectors import get_organisation_in_scope
from rewards.reports.annex5 import FORMATS, annex5_export
from rewards.reports.downloads import download_response

from . import refusals
from .auth import not_found_recorded, signed_in_staff, staff_required

STATUS_LABELS = dict(DeclarationStatus.choices)
#: The economic department's refused decision, kept for the page (refusals.keep).
DECISION_FORM = "declaration_decision"
#: A union's refused declaration (with what was typed) or withdrawal.
DECLARE_FORM = "declaration_declare"


def _message(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput) and exc.fields:
        return "；".join(text for texts in exc.fields.values() for text in texts)
    return exc.message


def _own_union(user: StaffUser) -> Organisation | None:
    """The caller's district or industry union (the page that declares), or None (the city's page)."""
    organisation = user.organisation
    return organisation if organisation is not None and organisation.kind == OrgKind.DISTRICT else None


def _campaign(request: HttpRequest) -> tuple[Campaign | None, str]:
    try:
        return campaign_for_year(request.GET.get("year")), ""
    except (InvalidInput, NotFound) as exc:
        fallback = current_campaign()
        return fallback, _message(exc)


def _years() -> list[int]:
    return list(Campaign.objects.order_by("-year").values_list("year", flat=True))


def _union_context(request: HttpRequest, campaign: Campaign, union: Organisation, **extra: Any) -> dict[str, Any]:
    user = signed_in_staff(request)
    rows = declaration_list(user, campaign=campaign, union=union)
    quota = union_quota(campaign, union)
    current = current_campaign()
    counts = Counter(row.status for row in rows)
    return {
        "campaign": campaign,
        "years": _years(),
        "union": union,
        "rows": rows,
        "quota": quota,
        "counts": {status: counts.get(status, 0) for status in DeclarationStatus.values},
        "deadline": declaration_deadline(campaign),
        # After the deadline a withdrawn declaration cannot be made again this year (the withdrawal's confirmation says so).
        "deadline_passed": quota.today > declaration_deadline(campaign),
        "can_declare": bool(current and current.pk == campaign.pk and not quota.closed_reason and quota.remaining > 0),
        "is_current": bool(current and current.pk == campaign.pk),
        # A campaign copied ahead (next year's, before its opening date) is not 往年, and its places
        # are not "no longer" open: declaring has not started.
        "not_open": quota.today < campaign.opens_on,
        "form": {"occupation": "", "reason": ""},
        "form_error": "",
        **extra,
    }


def _city_context(request: HttpRequest, campaign: Campaign, **extra: Any) -> dict[str, Any]:
    user = signed_in_staff(request)
    status = request.GET.get("status", "")
    status = status if status in DeclarationStatus.values else ""
    union_name = (request.GET.get("union") or "").strip()[:120]
    union: Organisation | None = None
    error = ""
    if union_name:
        try:
            union = get_organisation_in_scope(user, union_name)
        except NotFound as exc:
            error = exc.message
    everything = declaration_list(user, campaign=campaign)
    pending = [row for row in everything if row.status == DeclarationStatus.PENDING]
    shown = [row for row in everything if (union is None or row.union_id == union.pk) and (not status or row.status == status)]
    per_union: dict[int, Counter[str]] = {}
    for row in everything:
        per_union.setdefault(row.union_id, Counter())[row.status] += 1
    # 申报 counts what a union put forward, as its Annex 5 lists it: a withdrawn one was not.
    put_forward = [status for status in DeclarationStatus.values if status != DeclarationStatus.WITHDRAWN]
    units: list[dict[str, Any]] = [
        {
            "union": unit.organisation,
            "total": sum(per_union.get(unit.organisation_id, Counter()).get(key, 0) for key in put_forward),
            **{key: per_union.get(unit.organisation_id, Counter()).get(key, 0) for key in DeclarationStatus.values},
        }
        for unit in campaign_units(campaign)
    ]
    unit_total = {key: sum(unit[key] for unit in units) for key in ("total", *DeclarationStatus.values)}
    context: dict[str, Any] = {
        "campaign": campaign,
        "years": _years(),
        "pending": pending,
        "rows": shown,
        "units": units,
        "unit_total": unit_total,
        "declaring_units": sum(1 for unit in units if unit["total"]),
        "totals": Counter(row.status for row in everything),
        "chosen": {"union": union.name if union else "", "status": status},
        "statuses": DeclarationStatus.choices,
        "can_decide": getattr(user, "role", "") in DECIDE_ROLES,
        "filter_error": error,
        "decision_error": {},
        **extra,
    }
    # A refusal about a declaration no longer among the pending cards (withdrawn or decided
    # meanwhile) has no card to stand beside: it is shown at the top of the page.
    decided = context["decision_error"]
    context["decision_notice"] = decided.get("message", "") if decided and not any(row.pk == decided.get("id") for row in pending) else ""
    return context


def _page(request: HttpRequest, campaign: Campaign | None, *, status: int = 200, **extra: Any) -> HttpResponse:
    if campaign is None:
        return render(request, "staff/declarations/no_campaign.html", status=status)
    union = _own_union(signed_in_staff(request))
    if union is not None:
        return render(request, "staff/declarations/union.html", _union_context(request, campaign, union, **extra), status=status)
    return render(request, "staff/declarations/city.html", _city_context(request, campaign, **extra), status=status)


@require_GET
@staff_required(roles=READ_ROLES)
def declarations(request: HttpRequest) -> HttpResponse:
    """非通用性职业: the union's own page, or the city's list with the pending ones first."""
    campaign, error = _campaign(request)
    if error:
        messages.error(request, error)
    return _page(request, campaign, **_refused_forms(request))


def _refused_forms(request: HttpRequest) -> dict[str, Any]:
    """A refused decision (the city's page) or declaration or withdrawal (the union's), with what
    was typed, shown once."""
    shown: dict[str, Any] = {}
    refused = refusals.take(request, DECISION_FORM)
    if refused is not None:
        values = refused["values"]
        shown["decision_error"] = {
            "id": values.get("id"),
            "message": refused["message"],
            "decision": str(values.get("decision") or ""),
            "opinion": str(values.get("opinion") or ""),
        }
    refused = refusals.take(request, DECLARE_FORM)
    if refused is not None:
        values = refused["values"]
        shown["form"] = {"occupation": str(values.get("occupation") or ""), "reason": str(values.get("reason") or "")}
        shown["form_error"] = refused["message"]
    return shown


@require_POST
@staff_required(roles=DECLARE_ROLES)
def declare(request: HttpRequest) -> HttpResponse:
    """申报一项 for the caller's union, in the current campaign."""
    occupation = (request.POST.get("occupation") or "")[:200]
    reason = (request.POST.get("reason") or "")[:2000]
    try:
        declaration = occupation_declare(user=signed_in_staff(request), occupation=occupation, reason=reason, request=request)
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:  # told on the page (POST-redirect-GET)
        refusals.keep(request, DECLARE_FORM, message=_message(exc), values={"occupation": occupation, "reason": reason})
        return redirect(f"{reverse('staff:declarations')}#declare-title")
    messages.success(request, f"已申报“{declaration.occupation}”，等待市总工会经济部审核。")
    return redirect("staff:declarations")


@require_POST
@staff_required(roles=DECLARE_ROLES)
def withdraw(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """撤回 one of the union's own declarations still waiting for the economic department."""
    try:
        declaration = occupation_declaration_withdraw(user=signed_in_staff(request), declaration_id=declaration_id, request=request)
    except NotFound:  # another union's declaration
        return not_found_recorded(request, what="occupation_declaration", model=OccupationDeclaration, pk=declaration_id)
    except (Conflict, Forbidden) as exc:  # told on the page (POST-redirect-GET)
        refusals.keep(request, DECLARE_FORM, message=_message(exc))
        return redirect(f"{reverse('staff:declarations')}#declare-title")
    campaign = declaration.campaign
    if clock.today() > declaration_deadline(campaign):
        messages.success(request, f"已撤回“{declaration.occupation}”的申报。{campaign.year}年度的申报已截止，不能再申报。")
    else:
        messages.success(request, f"已撤回“{declaration.occupation}”的申报，名额已空出。")
    return redirect("staff:declarations")


@require_POST
@staff_required(roles=DECIDE_ROLES)
def decide(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """经济部: 备案同意 or 不同意 with an opinion."""
    decision = (request.POST.get("decision") or "").strip()
    opinion = (request.POST.get("opinion") or "")[:1000]
    try:
        declaration = occupation_declaration_decide(
            user=signed_in_staff(request), declaration_id=declaration_id, decision=decision, opinion=opinion, request=request
        )
    except NotFound:
        return render(request, "staff/not_found.html", {"what": "occupation_declaration"}, status=404)
    except (InvalidInput, Conflict) as exc:
        message = _message(exc)
        if isinstance(exc, InvalidInput) and "decision" in exc.fields:  # the API's words name its codes
            message = "请选择“备案同意”或“不同意”。"
        if isinstance(exc, Conflict):
            message = _not_pending_message(declaration_id, message)
        # Told on the page, not at this address (POST-redirect-GET): a reload or Back opens the
        # page instead of posting the decision again. The opinion is kept encrypted.
        values = {"id": declaration_id, "decision": decision[:20], "opinion": opinion[:500]}
        refusals.keep(request, DECISION_FORM, message=message, values=values)
        return redirect(f"{reverse('staff:declarations')}#declaration-{declaration_id}")
    verdict = "备案同意" if declaration.status == DeclarationStatus.APPROVED else "不同意"
    messages.success(request, f"已{verdict}{declaration.union.name}申报的“{declaration.occupation}”。")
    return redirect("staff:declarations")


def _not_pending_message(declaration_id: int, message: str) -> str:
    """Why a decision was not saved on a declaration no longer pending (the district withdrew it
    meanwhile, or another officer decided it), naming the declaration: its card is gone from the
    page, so the words are shown at the top."""
    declaration = OccupationDeclaration.objects.select_related("union").filter(pk=declaration_id).first()
    if declaration is None:
        return f"{message}您的决定未保存。"
    named = f"{declaration.union.name}申报的“{declaration.occupation}”"
    if declaration.status == DeclarationStatus.WITHDRAWN:
        return f"{named}已被撤回，您的决定未保存。"
    if declaration.status != DeclarationStatus.PENDING:
        label = DeclarationStatus(declaration.status).label
        return f"{named}已审核（{label}），您的决定未保存。"
    return f"{message}您的决定未保存。"


@require_GET
@staff_required(roles=READ_ROLES)
def annex5(request: HttpRequest) -> HttpResponse:
    """附件5 as Excel or PDF: the union's own, one union's, or every declaring union's."""
    file_format = request.GET.get("format", "xlsx")
    try:
        generated = annex5_export(
            user=signed_in_staff(request),
            union=request.GET.get("union", ""),
            year=request.GET.get("year"),
            file_format=file_format if file_format in FORMATS else "",
            request=request,
        )
    except (InvalidInput, NotFound) as exc:
        messages.error(request, _message(exc))
        query = {"year": request.GET["year"]} if request.GET.get("year") else {}
        return redirect(reverse("staff:declarations") + (f"?{urlencode(query)}" if query else ""))
    return download_response(generated)
