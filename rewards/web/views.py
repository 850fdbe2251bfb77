"""Pages. The worker pages and the staff pages arrive with the channels that use them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from rewards.campaigns.selectors import campaign_units, current_campaign, level_amounts
from rewards.core import clock
from rewards.core.vocab import Issuer, Level


@require_safe  # a page to read: other methods answer 405
def home(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    context: dict = {"campaign": campaign, "today": clock.today()}
    if campaign is not None:
        amounts = level_amounts(campaign)
        context["levels"] = [(label, amounts[code]) for code, label in reversed(Level.choices) if code in amounts]
        context["units"] = campaign_units(campaign)
        context["guidance_total"] = sum(unit.guidance for unit in context["units"])
        context["counted_issuers"] = [Issuer(code).label for code in campaign.counted_issuers]
        context["days_left"] = (campaign.application_deadline - context["today"]).days
    return render(request, "web/home.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, asked for by browsers on their own (a PDF or JSON opened in a tab):
    the icon the pages link, an SVG."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))
