"""Worker pages (职工端, mobile-first): the notice, the self-check, and what every worker page
shares. SMS sign-in is in :mod:`.signin`, the Annex 3 application with its materials and its
corrections in :mod:`.apply`, the status query and "my applications" in :mod:`.applications`.

Views stay thin: they read the form, call the same services as the API and turn the domain's
errors into Chinese messages next to the fields. Every page is ``no-store``: most of them show
personal data, and the others hold a form that may.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import current_campaign, level_amounts
from rewards.core import clock, throttle
from rewards.core.audit import client_ip
from rewards.core.errors import InvalidInput
from rewards.core.vocab import Issuer, Level
from rewards.eligibility.fields import RULE_FIELDS
from rewards.eligibility.services import judge, public_checks

from . import session
from .forms import CheckForm, WorkerForm

RULE_TITLES = {
    "member": "工会实名认证会员",
    "promotion": "本年度晋级",
    "window": "发证时间",
    "issuer": "发证机关与职业范围",
    "once_per_campaign": "每年度仅限一次",
    "deadline": "申报时间",
}
FIELD_ERROR_SUMMARY = "填写的内容有误，请按红色提示修改。"
FILES_AGAIN = "为保护您的信息，页面不会保留已选择的文件：请重新选择三份材料后再提交。"
#: worker.js sends the application form with this header (an upload it can show the progress
#: of): the answer is then JSON for the outcomes it shows in place, and a page for the others.
UPLOAD_HEADER = "X-Worker-Upload"


def _uploading(request: HttpRequest) -> bool:
    return request.headers.get(UPLOAD_HEADER) == "1"


def field_errors_answer(form: WorkerForm, errors: dict[str, list[str]]) -> JsonResponse:
    """Field errors as the page's script shows them in place (the precheck's answer too), so a
    refused material or a typo found by the submission leaves the other photos chosen."""
    on_form = {name: texts for name, texts in errors.items() if name in form.fields}
    elsewhere = [
        form.shown_elsewhere.get(name, "") + message for name, texts in errors.items() if name not in form.fields for message in texts
    ]
    return JsonResponse(
        {"ok": False, "message": FIELD_ERROR_SUMMARY, "fields": on_form, "other": elsewhere},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


def _went(request: HttpRequest, to: str) -> HttpResponse:
    """Where a sent form goes next: a redirect, or for the script's upload the address to open."""
    url = reverse(to)
    if _uploading(request):
        return JsonResponse({"ok": True, "next": url})
    return redirect(url)


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST, even an empty one (``request.POST or None`` left a form posted
    empty unbound, and its error display then failed with a 500); None for a GET."""
    return request.POST if request.method == "POST" else None


def _posted_files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def _page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HttpResponse:
    context = dict(context or {})
    context.setdefault("signed_in", bool(request.session.get(session.SESSION_KEY)))
    return render(request, template, context, status=status)


def _checks(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Rule results with the rule's Chinese title, in the rules' order. A rule the self-check
    could not judge (withheld until the member check passes) is shown as 未判断, not as failed."""
    return [
        {**row, "title": RULE_TITLES.get(str(row.get("rule")), str(row.get("rule"))), "judged": row.get("judged", True)}
        for row in rows or []
    ]


def me(request: HttpRequest) -> str:
    """The signed-in worker's ID hash (set by :func:`session.applicant_required`)."""
    return str(request.applicant_id_hash)  # type: ignore[attr-defined]


def _no_campaign(request: HttpRequest) -> HttpResponse:
    return _page(request, "worker/no_campaign.html", status=404)


def _campaign_state(campaign: Campaign) -> dict[str, Any]:
    today = clock.today()
    return {
        "today": today,
        "days_left": (campaign.application_deadline - today).days,
        "not_open": today < campaign.opens_on,
        "closed": today > campaign.application_deadline,
    }


# 申报通知 ---------------------------------------------------------------------------------


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    if campaign is None:
        return _no_campaign(request)
    amounts = level_amounts(campaign)
    context = {
        "campaign": campaign,
        "levels": [(str(label), amounts[code]) for code, label in reversed(Level.choices) if code in amounts],
        "counted_issuers": [str(Issuer(code).label) for code in campaign.counted_issuers],
        "occupation_issuers": [str(Issuer(code).label) for code in campaign.occupation_issuers],
        **_campaign_state(campaign),
    }
    return _page(request, "worker/index.html", context)


# 资格自测 ---------------------------------------------------------------------------------


@never_cache
def check(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    if campaign is None:
        return _no_campaign(request)
    form = CheckForm(_posted(request))
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
                "checks": _checks(public_checks(decision)),  # nothing more about a stranger's ID number
            }
    # htmx swaps only the form and its result; without JavaScript the whole page comes back.
    template = "worker/_check_area.html" if getattr(request, "htmx", False) else "worker/check.html"
    return _page(request, template, context)
