"""培训计划 pages (the notice's section 一): a district/industry union records its plan lines for
the year and updates their progress; the city (reviewers, economic department, auditors) sees the
totals per union and each union's lines; the table downloads as an xlsx.

The same services as the API (``rewards/training``): roles, scope, validation and audit are
decided there; refusals are shown in Chinese next to the fields at fault.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import campaign_for_year, current_campaign
from rewards.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rewards.core.vocab import Level
from rewards.organisations.models import Organisation, OrgKind, StaffUser
from rewards.organisations.selectors import get_organisation_in_scope
from rewards.reports.access import organisation_or_denial
from rewards.reports.downloads import download_response
from rewards.training.export import training_export
from rewards.training.models import PLAN_LEVELS, TrainingMode, TrainingPlan
from rewards.training.selectors import READ_ROLES, plan_in_scope, plan_list, plan_totals, union_totals
from rewards.training.services import LABELS, PLAN_FIELDS, PROGRESS_FIELDS, RECORD_ROLES, training_plan_create, training_plan_update

from . import refusals
from .auth import not_found_recorded, signed_in_staff, staff_required

#: A union's refused new plan line, kept for the page (refusals.keep).
CREATE_FORM = "training_plan_create"
LEVEL_CHOICES = [(code, Level(code).label) for code in PLAN_LEVELS]


def _message(exc: DomainError) -> str:
    return exc.message if not exc.fields else "请按提示修改标出的内容。"


def _is_union(user: StaffUser) -> bool:
    organisation = user.organisation
    return organisation is not None and organisation.kind == OrgKind.DISTRICT


def _campaign(value: str | None) -> tuple[Campaign | None, str]:
    try:
        return campaign_for_year(value), ""
    except (InvalidInput, NotFound) as exc:
        return current_campaign(), exc.message if not exc.fields else "；".join(t for ts in exc.fields.values() for t in ts)


def _years() -> list[int]:
    return list(Campaign.objects.order_by("-year").values_list("year", flat=True))


def _form_context() -> dict[str, Any]:
    return {"levels": LEVEL_CHOICES, "modes": TrainingMode.choices}


def _render_plans(request: HttpRequest, campaign: Campaign, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = signed_in_staff(request)
    if _is_union(user):
        plans = plan_list(user, campaign=campaign, union=user.organisation)
        context = {
            "campaign": campaign,
            "years": _years(),
            "union": user.organisation,
            "plans": plans,
            "total": plan_totals(plans),
            "can_record": user.role in RECORD_ROLES,
            "form": {"level": "senior_worker", "mode": "both"},
            "errors": {},
            "form_error": "",
            **_form_context(),
            **extra,
        }
        return render(request, "staff/training/union.html", context, status=status)
    union: Organisation | None = None
    error = ""
    name = (request.GET.get("union") or "").strip()[:120]
    if name:
        try:
            union = get_organisation_in_scope(user, name)
        except NotFound as exc:
            error = exc.message
    rows, total = union_totals(user, campaign=campaign)
    chosen = plan_list(user, campaign=campaign, union=union) if union is not None else []
    context = {
        "campaign": campaign,
        "years": _years(),
        "rows": rows,
        "total": total,
        "union": union,
        "plans": chosen,
        "union_total": plan_totals(chosen),
        "filter_error": error,
        **extra,
    }
    return render(request, "staff/training/city.html", context, status=status)


def _plan_not_found(request: HttpRequest, plan_id: int) -> HttpResponse:
    """404 for a plan outside the caller's union, recorded as an access denial (SECURITY.md 1)."""
    return not_found_recorded(request, what="training_plan", model=TrainingPlan, pk=plan_id)


def _union_in_scope(request: HttpRequest, name: str) -> Organisation:
    """The union asked for by name; one outside the caller's subtree (or none of that name) is a
    NotFound recorded as an access denial (SECURITY.md 1)."""
    return organisation_or_denial(user=signed_in_staff(request), request=request, name=name, what="training_export", param="union")


@require_GET
@staff_required(roles=READ_ROLES)
def plans(request: HttpRequest) -> HttpResponse:
    """培训计划: the union's own lines, or the city's totals per union."""
    campaign, error = _campaign(request.GET.get("year"))
    if campaign is None:
        return render(request, "staff/declarations/no_campaign.html")
    if error:
        messages.error(request, error)
    refused = refusals.take(request, CREATE_FORM)
    if refused is None:
        return _render_plans(request, campaign)
    values = refused["values"]
    form = {str(key): str(value) for key, value in (values.get("form") or {}).items()}
    return _render_plans(request, campaign, form=form, errors=_errors(values.get("errors")), form_error=refused["message"])


def _errors(kept: object) -> dict[str, list[str]]:
    """The fields' messages as kept in the session (a dict of lists of sentences)."""
    if not isinstance(kept, dict):
        return {}
    return {str(field): [str(text) for text in texts] for field, texts in kept.items() if isinstance(texts, list)}


def _posted(request: HttpRequest, fields: tuple[str, ...]) -> dict[str, str]:
    return {field: (request.POST.get(field) or "").strip()[:200] for field in fields if field in request.POST}


@require_POST
@staff_required(roles=RECORD_ROLES)
def plan_create(request: HttpRequest) -> HttpResponse:
    """录入一条培训计划 for the caller's union."""
    data = _posted(request, ("year", *PLAN_FIELDS))
    campaign, _ = _campaign(data.get("year"))
    try:
        plan = training_plan_create(user=signed_in_staff(request), data=data, request=request)
    except (InvalidInput, Conflict, Forbidden) as exc:
        if campaign is None:
            return render(request, "staff/declarations/no_campaign.html", status=exc.status)
        # Told on the page (POST-redirect-GET): a reload or Back does not post the line again.
        refusals.keep(request, CREATE_FORM, message=_message(exc), values={"form": data, "errors": exc.fields})
        return redirect(f"{reverse('staff:training')}?year={campaign.year}#new-title")
    messages.success(request, f"已录入培训计划：{plan.occupation}（{Level(plan.level).label}），计划培训 {plan.planned_trainees:,} 人。")
    return redirect(f"{reverse('staff:training')}?year={plan.campaign.year}")


@require_http_methods(["GET", "POST"])
@staff_required(roles=RECORD_ROLES)
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """更新进度 (and the plan itself) of one line of the caller's union."""
    try:
        plan = plan_in_scope(signed_in_staff(request), plan_id)
    except NotFound:
        return _plan_not_found(request, plan_id)
    values: dict[str, Any] = {field: getattr(plan, field) for field in (*PLAN_FIELDS, *PROGRESS_FIELDS)}
    errors: dict[str, list[str]] = {}
    error = ""
    if request.method == "POST":
        data = _posted(request, (*PLAN_FIELDS, *PROGRESS_FIELDS))
        try:
            plan = training_plan_update(
                user=signed_in_staff(request), plan_id=plan.pk, data=data, request=request, seen=_seen(request.POST.get("seen"))
            )
        except NotFound:
            return _plan_not_found(request, plan_id)
        except (Conflict, InvalidInput, Forbidden) as exc:
            # Told on this page opened again (POST-redirect-GET): a reload or Back does not post it again.
            if isinstance(exc, Conflict) and exc.code == "plan_changed":
                # Someone saved it meanwhile: today's figures in the form, what was typed named.
                kept: dict[str, Any] = {"form": None, "errors": {}}
                message = f"{exc.message}{_typed_instead(exc.extra.get('changes', {}))}"
            else:
                kept, message = {"form": data, "errors": exc.fields}, _message(exc)
            refusals.keep(request, _edit_form(plan.pk), message=message, values=kept)
            return redirect("staff:training_edit", plan_id=plan.pk)
        messages.success(request, f"已更新培训计划：{plan.occupation}（{Level(plan.level).label}）。")
        return redirect(f"{reverse('staff:training')}?year={plan.campaign.year}")
    refused = refusals.take(request, _edit_form(plan.pk))
    if refused is not None:
        values.update({str(key): str(value) for key, value in (refused["values"].get("form") or {}).items()})
        errors, error = _errors(refused["values"].get("errors")), refused["message"]
    context = {
        "plan": plan,
        "form": values,
        "seen": plan.updated_at.isoformat(),
        "errors": errors,
        "form_error": error,
        **_form_context(),
    }
    return render(request, "staff/training/edit.html", context)


def _edit_form(plan_id: int) -> str:
    return f"training_plan:{plan_id}"


def _seen(value: str | None) -> dt.datetime | None:
    """The plan's 更新时间 as the form was drawn (a hidden field); None when absent or unreadable."""
    try:
        return dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None


def _typed_instead(changes: dict[str, Any]) -> str:
    """What the refused form would have changed, in the form's words, to type again."""
    shown = []
    for field, value in changes.items():
        if field == "level":
            value = Level(value).label
        elif field == "mode":
            value = TrainingMode(value).label
        elif isinstance(value, Decimal):
            value = f"{value:,.2f}"
        elif isinstance(value, int):
            value = f"{value:,}"
        shown.append(f"{LABELS[field]} {value}")
    return f"下面是现在的数字；您填写的与之不同的是：{'，'.join(shown)}。请核对后重新填写并保存。" if shown else ""


@require_GET
@staff_required(roles=READ_ROLES)
def plans_xlsx(request: HttpRequest) -> HttpResponse:
    """培训计划表 (xlsx) as the page shows it: the union's own, one union's, or every union's."""
    user = signed_in_staff(request)
    campaign, error = _campaign(request.GET.get("year"))
    union: Organisation | None = None
    name = (request.GET.get("union") or "").strip()[:120]
    try:
        if error or campaign is None:
            raise NotFound(error or "目前没有奖励活动。")
        if name:
            union = _union_in_scope(request, name)
        elif _is_union(user):
            union = user.organisation
    except NotFound as exc:
        messages.error(request, exc.message)
        return redirect("staff:training")
    return download_response(training_export(user=signed_in_staff(request), campaign=campaign, union=union, request=request))
