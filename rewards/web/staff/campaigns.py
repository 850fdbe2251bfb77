"""年度活动设置 pages for the city union's administrator (read-only for the auditor): the
campaigns, copying the last one into the next year, and one campaign's settings, its Annex 1
table (units, order, guidance numbers) and its SMS texts.

Every change goes through ``rewards.campaigns.setup`` (one transaction, one audit entry, the
lock rule); its refusals are shown in Chinese next to the fields they concern."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from rewards.campaigns.models import Campaign, CampaignUnit
from rewards.campaigns.selectors import parse_year
from rewards.campaigns.setup import selectors, sms
from rewards.campaigns.setup.common import ensure_may_change
from rewards.campaigns.setup.fields import LABELS, LEVEL_AMOUNTS, SMS_TEMPLATES
from rewards.campaigns.setup.services import campaign_settings_problems, campaign_update
from rewards.campaigns.setup.sms import clean_texts
from rewards.campaigns.setup.units import campaign_units_update
from rewards.campaigns.setup.year_copy import campaign_copy, latest_copy_year
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rewards.organisations.models import Organisation, Role, StaffUser

from .auth import forbidden, signed_in_staff, staff_required
from .campaign_forms import (
    INTO,
    KEEP,
    REMOVE,
    CampaignSettingsForm,
    PostedUnit,
    posted_sms,
    posted_units,
    sms_rows,
    unit_rows,
)

#: Who changes campaign settings (API.md "Roles": admins own them).
MANAGE_ROLES = frozenset({Role.ADMIN})
#: Who may read them: also the auditor, who changes nothing.
READ_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
#: The settings the lock rule fixes (services.LOCKED_FIELDS), in the words of the page.
LOCKED_SUMMARY = "发文日期（开始受理）、发证时间范围、补申报范围及其参照年度、发证机关、奖励标准（等级和金额）"


def _can_change(user: StaffUser) -> bool:
    try:
        ensure_may_change(user)
    except Forbidden:
        return False
    return True


def _deny(request: HttpRequest) -> HttpResponse:
    """The auditor reads these pages but may not post them: the project's 403 page, audited."""
    audit("access.denied", request=request, result="denied", detail={"path": request.path[:200], "reason": "role"})
    return forbidden(request)


def _campaign(year: int) -> Campaign | None:
    return Campaign.objects.filter(year=year).first()


def _not_found(request: HttpRequest, year: int) -> HttpResponse:
    return render(request, "staff/campaigns/not_found.html", {"year": year}, status=404)


def _common(request: HttpRequest, campaign: Campaign, tab: str) -> dict[str, Any]:
    usage = selectors.campaign_usage(campaign)
    units = list(CampaignUnit.objects.filter(campaign=campaign).values_list("guidance", flat=True))
    return {
        "campaign": campaign,
        "usage": usage,
        "tab": tab,
        "can_change": _can_change(signed_in_staff(request)),
        "unit_count": len(units),
        "guidance_total": sum(units),
        "locked_summary": LOCKED_SUMMARY,
        "today": clock.today(),
    }


def _changed_labels(names: list[str]) -> str:
    labels = []
    for name in names:
        if name.startswith("sms_"):
            continue
        label = LABELS.get(name, name)
        if label not in labels:
            labels.append(label)
    return "、".join(labels)


# --- the campaigns, and copying one into the next year --------------------------------------


@require_http_methods(["GET"])
@staff_required(roles=READ_ROLES)
def campaign_list(request: HttpRequest) -> HttpResponse:
    summaries = selectors.campaign_summaries()
    # The latest campaign is copied, into the next year or a later one (decision 218).
    latest = max((summary.campaign.year for summary in summaries), default=None)
    targets = list(range(latest + 1, max(latest_copy_year(), latest + 1) + 1)) if latest is not None else []
    return render(
        request,
        "staff/campaigns/list.html",
        {
            "summaries": summaries,
            "latest": latest,
            "targets": targets,
            "default_target": max(latest + 1, clock.today().year) if latest is not None else None,
            "can_change": _can_change(signed_in_staff(request)),
            "today": clock.today(),
        },
    )


@require_POST
@staff_required(roles=MANAGE_ROLES)
def campaign_copy_view(request: HttpRequest) -> HttpResponse:
    # The one check of a year (decision 268): "20211" or "2021x" is refused, not cut to 2021.
    try:
        from_year = parse_year(request.POST.get("from_year"), field="from_year")
        target = parse_year(request.POST.get("to_year"), field="to_year")
    except InvalidInput:
        messages.error(request, "请从列表中选择年度（四位数字，例如 2021）。")
        return redirect("staff:campaigns")
    if from_year is None:
        messages.error(request, "请选择要复制的年度。")
        return redirect("staff:campaigns")
    # Without a target year (an older form): the next year, as before.
    to_year = target if target is not None else from_year + 1
    try:
        campaign = campaign_copy(from_year=from_year, to_year=to_year, acting_user=signed_in_staff(request), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:campaigns")
    years = campaign.year - from_year
    skipped = (
        (f"{from_year + 1}年度" if years == 2 else f"{from_year + 1}—{campaign.year - 1}年度") + "没有建立，这些年度的活动不在本平台办理。"
        if years > 1
        else ""
    )
    # A copy into a later year may leave a deadline behind today (decision 218): the 基本设置
    # page names them for as long as they stay so; the message points to it, once.
    past = "有截止日已过，请按下方的提示修改。" if selectors.copied_past_dates(campaign, clock.today()) else ""
    messages.success(
        request,
        f"已将{from_year}年度复制为{campaign.year}年度：所有日期顺延{years}年，奖励标准、发证机关、短信内容和"
        f"{campaign.units.count()}个区县（市）/产业工会及其指导数照搬{from_year}年度。{skipped}{past}请逐项核对后保存；"
        "工会的撤并和新设请在“任务分解（附件1）”中调整。",
    )
    return redirect("staff:campaign_settings", year=campaign.year)


# --- settings -------------------------------------------------------------------------------


def _settings_form(request: HttpRequest, campaign: Campaign, usage: Any, data: Any = None) -> CampaignSettingsForm:
    amounts = {award.level: award.amount for award in campaign.level_awards.all()}
    return CampaignSettingsForm(
        data, campaign=campaign, amounts=amounts, locked=usage.locked, readonly=not _can_change(signed_in_staff(request))
    )


def _show_problems(form: CampaignSettingsForm, problems: dict[str, list[str]]) -> list[str]:
    """The service's refusals on the fields they concern; those about the amount table are returned."""
    amount_errors: list[str] = []
    for name, texts in problems.items():
        for text in texts:
            if name == LEVEL_AMOUNTS:
                amount_errors.append(text)
            else:
                form.add_error(form.field_for(name), text)
    return amount_errors


@require_http_methods(["GET", "POST"])
@staff_required(roles=READ_ROLES)
def campaign_settings(request: HttpRequest, year: int) -> HttpResponse:
    """基本设置: title, document number, dates, windows, amounts, issuers, declarations."""
    campaign = _campaign(year)
    if campaign is None:
        return _not_found(request, year)
    context = _common(request, campaign, "settings")
    status = 200
    amount_errors: list[str] = []
    if request.method == "POST":
        if not context["can_change"]:
            return _deny(request)
        form = _settings_form(request, campaign, context["usage"], request.POST)
        try:
            if not form.is_valid():
                # The service's checks still run on what the form could read: one round of errors.
                status = 400
                problems = campaign_settings_problems(
                    year=year, values=form.values(), unknown=form.unread(), acting_user=signed_in_staff(request)
                )
                amount_errors = _show_problems(form, problems)
            else:
                change = campaign_update(year=year, values=form.values(), acting_user=signed_in_staff(request), request=request)
                if change.changed:
                    messages.success(request, f"已保存{year}年度设置：{_changed_labels(list(change.changed))}。")
                else:
                    messages.info(request, "没有任何改动。")
                return redirect("staff:campaign_settings", year=year)
        except (InvalidInput, Conflict) as exc:
            status = exc.status
            amount_errors = _show_problems(form, exc.fields or {"": [exc.message]})
        except NotFound:
            return _not_found(request, year)
    else:
        form = _settings_form(request, campaign, context["usage"])
    context.update(
        {
            "form": form,
            "amount_errors": amount_errors,
            "error_summary": form.error_summary(amount_errors) if status != 200 else [],
            "locked_fields": form.locked_names,
            "makeup_roster": selectors.makeup_roster(campaign),
            "past_dates": selectors.copied_past_dates(campaign, context["today"]),
        }
    )
    return render(request, "staff/campaigns/settings.html", context, status=status)


# --- the Annex 1 table ----------------------------------------------------------------------


def _table_rows(campaign: Campaign, posted: list[PostedUnit] | None, usage: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The rows to show: the campaign's units, or what was posted (a refusal keeps the edits)."""
    if posted is None:
        units = CampaignUnit.objects.filter(campaign=campaign).select_related("organisation").order_by("position")
        posted = [
            PostedUnit(
                organisation_id=unit.organisation_id,
                name=unit.organisation.name,
                guidance=str(unit.guidance),
                action=KEEP,
                order=unit.position,
                is_new=False,
            )
            for unit in units
        ]
    names = dict(
        Organisation.objects.filter(pk__in=[row.organisation_id for row in posted if row.organisation_id]).values_list("pk", "name")
    )
    in_campaign = set(CampaignUnit.objects.filter(campaign=campaign).values_list("organisation_id", flat=True))
    rows = []
    for index, row in enumerate(posted, start=1):
        applications = usage.applications_by_union.get(row.organisation_id, 0) if row.organisation_id else 0
        declarations = usage.declarations_by_union.get(row.organisation_id, 0) if row.organisation_id else 0
        rows.append(
            {
                "index": index - 1,
                "position": index,
                "organisation_id": row.organisation_id or "",
                "name": names.get(row.organisation_id, row.name) if row.organisation_id else row.name,
                "guidance": row.guidance,
                "action": row.action,
                "merge_into": row.merge_into(),
                "is_new": row.is_new,
                "added": bool(row.organisation_id) and row.organisation_id not in in_campaign,
                "applications": applications,
                "declarations": declarations,
                "stays": bool(applications or declarations),
                "errors": errors.get(f"unit-{index}", []),
            }
        )
    return rows


def _units_context(request: HttpRequest, campaign: Campaign, context: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    listed = {row["organisation_id"] for row in rows if row["organisation_id"]}
    context.update(
        {
            "rows": rows,
            "targets": [row for row in rows if row["organisation_id"]],
            "addable": [org for org in selectors.district_unions() if org.pk not in listed],
            "posted_total": sum(int(row["guidance"]) for row in rows if str(row["guidance"]).isdecimal() and row["action"] != REMOVE),
            "keep": KEEP,
            "remove": REMOVE,
            "into": INTO,
        }
    )
    return context


@require_http_methods(["GET", "POST"])
@staff_required(roles=READ_ROLES)
def campaign_units(request: HttpRequest, year: int) -> HttpResponse:
    """任务分解（附件1）: remove, merge, add and reorder unions; edit the guidance numbers."""
    campaign = _campaign(year)
    if campaign is None:
        return _not_found(request, year)
    context = _common(request, campaign, "units")
    if request.method == "GET":
        rows = _table_rows(campaign, None, context["usage"], {})
        return render(request, "staff/campaigns/units.html", _units_context(request, campaign, context, rows))
    if not context["can_change"]:
        return _deny(request)
    posted = posted_units(request.POST)
    service_rows, errors = unit_rows(posted)
    status = 400
    problems: list[str] = []
    if not errors:
        try:
            change = campaign_units_update(year=year, rows=service_rows, acting_user=signed_in_staff(request), request=request)
        except (InvalidInput, Conflict) as exc:
            status = exc.status
            errors = dict(exc.fields)
            problems = [text for name, texts in errors.items() if not name.startswith("unit-") for text in texts]
            if not errors:
                problems = [exc.message]
        except NotFound:
            return _not_found(request, year)
        else:
            if change.changed:
                total = change.detail["total"]
                messages.success(
                    request,
                    f"已保存{year}年度任务分解表：{change.detail['units']['new']}个工会，指导数合计 {total['new']:,}"
                    + (f"（原 {total['old']:,}）" if total["old"] != total["new"] else "")
                    + "。",
                )
            else:
                messages.info(request, "任务分解表没有任何改动。")
            return redirect("staff:campaign_units", year=year)
    context = _common(request, campaign, "units")
    rows = _table_rows(campaign, posted, context["usage"], errors)
    context.update({"problems": problems or [text for texts in errors.values() for text in texts]})
    return render(request, "staff/campaigns/units.html", _units_context(request, campaign, context, rows), status=status)


# --- SMS texts ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(roles=READ_ROLES)
def campaign_sms(request: HttpRequest, year: int) -> HttpResponse:
    """短信内容: each text the campaign sends, with the parameters it must keep."""
    campaign = _campaign(year)
    if campaign is None:
        return _not_found(request, year)
    context = _common(request, campaign, "sms")
    context["sms_samples"] = json.dumps(sms.SAMPLE_VALUES, ensure_ascii=False)
    overrides = dict(campaign.sms_templates or {})
    if request.method == "GET":
        context["texts"] = sms_rows(overrides)
        return render(request, "staff/campaigns/sms.html", context)
    if not context["can_change"]:
        return _deny(request)
    posted = posted_sms(request.POST)
    cleaned = clean_texts(posted)
    errors = cleaned.errors
    status = 400
    if not errors:
        try:
            change = campaign_update(
                year=year, values={SMS_TEMPLATES: cleaned.overrides}, acting_user=signed_in_staff(request), request=request
            )
        except (InvalidInput, Conflict) as exc:
            status = exc.status
            errors = dict(exc.fields) or {"": [exc.message]}
        except NotFound:
            return _not_found(request, year)
        else:
            if change.changed:
                old, new = change.changed[SMS_TEMPLATES]
                codes = [code for code in sorted(set(old) | set(new)) if old.get(code) != new.get(code)]
                labels = "、".join(row.label for row in sms_rows(new) if row.code in codes)
                messages.success(request, f"已保存{year}年度短信内容：{labels}。此后发出的短信使用新内容，已发出的不变。")
            else:
                messages.info(request, "短信内容没有任何改动。")
            return redirect("staff:campaign_sms", year=year)
    context["texts"] = sms_rows(overrides, posted={code: text or "" for code, text in posted.items()}, errors=errors)
    context["problems"] = [text for texts in errors.values() for text in texts]
    return render(request, "staff/campaigns/sms.html", context, status=status)
