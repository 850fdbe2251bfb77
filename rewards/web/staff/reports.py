"""Staff pages for the printed annexes: Annex 3 from an application's page, and the Annex 4
form (填报单位, year, one table per grassroots union, Excel or PDF).

The same services as the API (``rewards/reports``): scope, masking and audit are decided
there; the files are generated on demand and never cached.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import current_campaign, parse_year
from rewards.core.errors import InvalidInput, NotFound
from rewards.organisations.models import OrgKind, StaffUser
from rewards.organisations.selectors import visible_organisations
from rewards.reports.access import REPORT_ROLES
from rewards.reports.annex3 import annex3_pdf
from rewards.reports.annex4 import FORMATS, annex4_export, listed
from rewards.reports.downloads import download_response

from .auth import signed_in_staff, staff_required
from .refusals import error_text


@require_GET
@staff_required(roles=REPORT_ROLES)
def annex3(request: HttpRequest, no: str) -> HttpResponse:
    """打印申请表（附件3）."""
    try:
        generated = annex3_pdf(user=signed_in_staff(request), application_no=no, request=request)
    except NotFound:
        return render(request, "staff/not_found.html", status=404)
    return download_response(generated)


def _organisation_groups(user: StaffUser) -> list[dict[str, Any]]:
    """The units the caller may print for, grouped by district/industry union."""
    organisations = list(visible_organisations(user).exclude(kind=OrgKind.CITY).order_by("path"))
    districts: dict[int, dict[str, Any]] = {org.pk: {"district": org, "units": []} for org in organisations if org.kind == OrgKind.DISTRICT}
    loose: list[Any] = []
    for org in organisations:
        if org.kind == OrgKind.GRASSROOTS:
            group = districts.get(org.parent_id or 0)
            (group["units"] if group else loose).append(org)
    groups = sorted(districts.values(), key=lambda group: (group["district"].position, group["district"].name))
    for group in groups:
        group["units"].sort(key=lambda org: org.name)
    if loose:
        groups.append({"district": None, "units": sorted(loose, key=lambda org: org.name)})
    return groups


def _unit_counts(user: StaffUser, campaign: Campaign | None) -> list[dict[str, Any]]:
    """How many batch applications each submitting unit in the caller's subtree has this year."""
    if campaign is None:
        return []
    queryset = listed(user=user, campaign=campaign)
    rows = (
        queryset.order_by()
        .values("submitting_org__name", "submitting_org__parent__name")
        .annotate(n=Count("pk"))
        .order_by("submitting_org__parent__name", "submitting_org__name")
    )
    return [{"unit": row["submitting_org__name"], "district": row["submitting_org__parent__name"], "count": row["n"]} for row in rows]


@require_GET
@staff_required(roles=REPORT_ROLES)
def annex4(request: HttpRequest) -> HttpResponse:
    """汇总表（附件4）: the form, and the download when a format button was pressed."""
    user = signed_in_staff(request)
    campaigns = list(Campaign.objects.order_by("-year").values_list("year", flat=True))
    current = current_campaign()
    org = (request.GET.get("org") or "").strip()[:120]
    year = (request.GET.get("year") or (str(current.year) if current else "")).strip()
    per_unit = (request.GET.get("per_unit") or "") in ("1", "on", "true")
    if not org and user.organisation and user.organisation.kind != OrgKind.CITY:
        org = user.organisation.name
    error = ""
    status = 200
    file_format = request.GET.get("download", "")
    try:
        year_number = parse_year(year)  # a year that is not one is refused before anything is looked up
    except InvalidInput as exc:
        year_number, error, status, file_format = None, error_text(exc), exc.status, ""
    if file_format:
        try:
            generated = annex4_export(
                user=user,
                org=org,
                year=year,
                per_unit=per_unit,
                file_format=file_format if file_format in FORMATS else "",
                request=request,
            )
            return download_response(generated)
        except InvalidInput as exc:
            error = error_text(exc)
            status = 400
        except NotFound as exc:
            error = exc.message
            status = 404
    year_campaign = Campaign.objects.filter(year=year_number).first() if year_number else None
    context = {
        "groups": _organisation_groups(user),
        "campaigns": campaigns,
        "chosen": {"org": org, "year": year, "per_unit": per_unit},
        "error": error,
        "unit_counts": _unit_counts(user, year_campaign),
        "year_shown": year_campaign.year if year_campaign else None,
        "is_grassroots": bool(user.organisation and user.organisation.kind == OrgKind.GRASSROOTS),
    }
    return render(request, "staff/annex4.html", context, status=status)
