"""Worker pages (职工端, mobile-first): the notice, the self-check, and what every worker page
shares (:mod:`.pages`). SMS sign-in is in :mod:`.signin`, the Annex 3 application with its materials and its
corrections in :mod:`.apply`, the status query and "my applications" in :mod:`.applications`.

Views stay thin: they read the form, call the same services as the API and turn the domain's
errors into Chinese messages next to the fields. Every page is ``no-store``: most of them show
personal data, and the others hold a form that may.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from rewards.campaigns.selectors import current_campaign, level_amounts
from rewards.core import throttle
from rewards.core.audit import client_ip
from rewards.core.errors import InvalidInput
from rewards.core.vocab import Issuer, Level
from rewards.eligibility.fields import RULE_FIELDS
from rewards.eligibility.services import judge, public_checks

from .forms import CheckForm
from .pages import FIELD_ERROR_SUMMARY, campaign_state, checks, no_campaign, page, posted

# 申报通知 ---------------------------------------------------------------------------------


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    if campaign is None:
        return no_campaign(request)
    amounts = level_amounts(campaign)
    context = {
        "campaign": campaign,
        "levels": [(str(label), amounts[code]) for code, label in reversed(Level.choices) if code in amounts],
        "counted_issuers": [str(Issuer(code).label) for code in campaign.counted_issuers],
        "occupation_issuers": [str(Issuer(code).label) for code in campaign.occupation_issuers],
        **campaign_state(campaign),
    }
    return page(request, "worker/index.html", context)


# 资格自测 ---------------------------------------------------------------------------------


@never_cache
def check(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    if campaign is None:
        return no_campaign(request)
    form = CheckForm(posted(request))
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
                "checks": checks(public_checks(decision)),  # nothing more about a stranger's ID number
            }
    # htmx swaps only the form and its result; without JavaScript the whole page comes back.
    template = "worker/_check_area.html" if getattr(request, "htmx", False) else "worker/check.html"
    return page(request, template, context)
