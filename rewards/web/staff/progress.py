"""工作进度 (the progress dashboard): Annex 1 with live figures, the charts by union, level,
occupation, channel, migrant workers and week, the deadline countdowns, and every table as xlsx.

The same reads and exports as the API (``rewards/reports/progress.py`` and ``annex1.py``): the
city's staff see every union, a union's staff its own line. The charts are drawn in the browser
by Apache ECharts, installed from the npm registry at install time (package-lock.json) and
served by Django's staticfiles from this server, never a CDN; without it the page shows the
same figures as tables and says why.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from rewards.campaigns.declarations import READ_ROLES as DECLARATION_READ_ROLES
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import campaign_for_year, parse_year
from rewards.core import clock
from rewards.core.errors import InvalidInput, NotFound
from rewards.reports.annex1 import progress_table_export
from rewards.reports.downloads import download_response
from rewards.reports.progress import PROGRESS_ROLES, Breakdown, Dashboard, dashboard, week_labels

from .auth import signed_in_staff, staff_required
from .refusals import error_text

#: Where the install step puts ECharts for staticfiles (Makefile: scripts/npm-assets.sh).
ECHARTS = "vendor/echarts/echarts.min.js"


@lru_cache(maxsize=1)
def _echarts_found() -> bool:
    return bool(finders.find(ECHARTS)) or staticfiles_storage.exists(ECHARTS)


def echarts_url() -> str | None:
    """The script's URL when it was installed; None and the page falls back to its tables."""
    return static(ECHARTS) if _echarts_found() else None


def countdown(label: str, deadline: dt.date | None, today: dt.date) -> dict[str, Any] | None:
    """Days left until a deadline that includes its whole day (Asia/Shanghai, APP_TODAY aware)."""
    if deadline is None:
        return None
    days = (deadline - today).days
    if days > 0:
        text = f"还有 {days} 天"
    elif days == 0:
        text = "今天截止（24时前）"
    else:
        text = f"已截止 {-days} 天"
    return {"label": label, "deadline": deadline, "days": days, "text": text, "passed": days < 0}


def countdowns(campaign: Campaign, today: dt.date, *, declarations: bool = True) -> list[dict[str, Any]]:
    """The application deadline always; the declaration deadline while it is ahead, for those who
    follow declarations (a clerk or a finance officer cannot open them)."""
    shown = [countdown("奖励申报截止", campaign.application_deadline, today)]
    declaration = countdown("非通用性职业申报截止", campaign.declaration_deadline, today) if declarations else None
    if declaration is not None and not declaration["passed"]:
        shown.append(declaration)
    return [item for item in shown if item is not None]


def _series(breakdown: Breakdown) -> dict[str, Any]:
    return {
        "labels": [label for label, _ in breakdown.rows],
        "submitted": [tally.submitted for _, tally in breakdown.rows],
        "approved": [tally.approved for _, tally in breakdown.rows],
        "paid": [tally.paid for _, tally in breakdown.rows],
    }


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the charts draw (the same figures as the tables under them), for ``json_script``."""
    rows = board.progress.rows
    return {
        "unions": {
            "labels": [row.label for row in rows],
            "guidance": [row.guidance for row in rows],
            "submitted": [row.tally.submitted for row in rows],
            "approved": [row.tally.approved for row in rows],
            "paid": [row.tally.paid for row in rows],
        },
        "levels": _series(board.levels),
        "channels": _series(board.channels),
        "migrants": _series(board.migrants),
        "occupations": _series(board.occupations),
        "weeks": {
            **week_labels(board.weeks),
            "starts": [week.start.isoformat() for week in board.weeks],
            "submitted": [week.submitted for week in board.weeks],
            "cumulative": [week.cumulative for week in board.weeks],
        },
    }


@require_GET
@staff_required(roles=PROGRESS_ROLES)
def progress_page(request: HttpRequest) -> HttpResponse:
    """工作进度: the dashboard of one campaign (the current one unless a year is chosen)."""
    user = signed_in_staff(request)
    years = list(Campaign.objects.order_by("-year").values_list("year", flat=True))
    try:
        campaign = campaign_for_year(request.GET.get("year"))
    except (InvalidInput, NotFound) as exc:
        return render(request, "staff/progress.html", {"years": years, "error": error_text(exc)}, status=exc.status)
    today = clock.today()
    board = dashboard(user, campaign, today=today)
    total = board.progress.total
    context: dict[str, Any] = {
        "years": years,
        "campaign": campaign,
        "board": board,
        "scope": board.progress.scope,
        "rows": board.progress.rows,
        "total": total,
        "breakdowns": [board.levels, board.channels, board.migrants],
        "occupations": board.occupations,
        "weeks": board.weeks,
        "countdowns": countdowns(campaign, today, declarations=getattr(user, "role", "") in DECLARATION_READ_ROLES),
        "today": today,
        "charts": chart_data(board),
        "echarts_url": echarts_url(),
        "export_url": reverse("staff:progress_export"),
    }
    return render(request, "staff/progress.html", context)


@require_GET
@staff_required(roles=PROGRESS_ROLES)
def progress_export(request: HttpRequest) -> HttpResponse:
    """One table of the dashboard (``table``: annex1, level, channel, migrant, occupation, week, all) as xlsx."""
    year = request.GET.get("year") or ""
    table = (request.GET.get("table") or "annex1").strip()[:20]
    try:
        parse_year(year)
    except InvalidInput as exc:  # the export of a year that is not one: said here, not on another year's page
        years = list(Campaign.objects.order_by("-year").values_list("year", flat=True))
        return render(request, "staff/progress.html", {"years": years, "error": error_text(exc)}, status=exc.status)
    try:
        generated = progress_table_export(user=signed_in_staff(request), table=table, year=year, request=request)
    except (InvalidInput, NotFound) as exc:
        messages.error(request, error_text(exc))
        return redirect(reverse("staff:progress") + (f"?year={year.strip()}" if year.strip() else ""))
    return download_response(generated)
