"""What every worker page shares: rendering a page (with whether a worker is signed in), the
form data of a POST, the answer to the page script's upload (field errors in place, or where to go
next), the signed-in worker, the campaign's state, and the rules' Chinese titles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from rewards.campaigns.models import Campaign
from rewards.core import clock

from . import session
from .forms import WorkerForm

RULE_TITLES = {
    "member": "工会实名认证会员",
    "promotion": "晋级",  # when: rule 3's window, not a calendar year (decision 227)
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


def uploading(request: HttpRequest) -> bool:
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


def ineligible_answer(request: HttpRequest, rule_checks: list[dict[str, Any]]) -> JsonResponse:
    """A submission the rules refused, for the page's script to show above the form as the page
    would (``worker/_outcome.html``): the photos stay chosen, as for a typo (a date typed a year
    wrong fails a rule, not a field check)."""
    outcome = render_to_string("worker/_outcome.html", {"ineligible": rule_checks}, request=request)
    return JsonResponse(
        {"ok": False, "message": "", "fields": {}, "other": [], "outcome": outcome},
        status=422,
        json_dumps_params={"ensure_ascii": False},
    )


def went(request: HttpRequest, to: str) -> HttpResponse:
    """Where a sent form goes next: a redirect, or for the script's upload the address to open."""
    url = reverse(to)
    if uploading(request):
        return JsonResponse({"ok": True, "next": url})
    return redirect(url)


def posted(request: HttpRequest) -> Any:
    """The form data of a POST, even an empty one (``request.POST or None`` left a form posted
    empty unbound, and its error display then failed with a 500); None for a GET."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HttpResponse:
    context = dict(context or {})
    context.setdefault("signed_in", bool(request.session.get(session.SESSION_KEY)))
    return render(request, template, context, status=status)


def checks(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Rule results with the rule's Chinese title, in the rules' order. A rule the self-check
    could not judge (withheld until the member check passes) is shown as 未判断, not as failed."""
    return [
        {**row, "title": RULE_TITLES.get(str(row.get("rule")), str(row.get("rule"))), "judged": row.get("judged", True)}
        for row in rows or []
    ]


def me(request: HttpRequest) -> str:
    """The signed-in worker's ID hash (set by :func:`session.applicant_required`)."""
    return str(request.applicant_id_hash)  # type: ignore[attr-defined]


def no_campaign(request: HttpRequest) -> HttpResponse:
    return page(request, "worker/no_campaign.html", status=404)


def campaign_state(campaign: Campaign) -> dict[str, Any]:
    today = clock.today()
    return {
        "today": today,
        "days_left": (campaign.application_deadline - today).days,
        "not_open": today < campaign.opens_on,
        "closed": today > campaign.application_deadline,
    }
