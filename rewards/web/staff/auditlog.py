"""审计日志 pages for the auditor and the administrator: search the log, read one entry with its
hashes, check the hash chain, export a search. Read-only: nothing here changes an entry (the
model refuses it anyway); the only entries written are ``audit.verify`` (a chain check) and
``audit.export`` (an xlsx), as docs/decisions.md records. Searches and single entries are not
audited: they show no personal numbers, and an entry per page view would bury the log.

The chain check walks the log in steps of ``VERIFY_STEP_ROWS`` entries, one request each
(about a second), so a log of a million entries shows its progress instead of timing out;
the position between steps travels signed in the page, never in the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url

from rewards.applications.models import Application
from rewards.campaigns.selectors import current_campaign
from rewards.core import anchor, clock
from rewards.core.audit import audit, verify_chain_step
from rewards.core.models import AuditEvent
from rewards.core.text import clean, fold_width
from rewards.organisations.models import Role, StaffUser
from rewards.reports import auditlog
from rewards.reports.auditlog import AuditFilters
from rewards.reports.downloads import download_response

from .auth import signed_in_staff, staff_required

#: Who reads the audit log (API.md "Roles": the auditor reads everything; the administrator
#: answers for the system). Reviewers and finance officers are among those it watches.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})
VERIFY_SALT = "staff.audit.verify"
#: A chain check left half-way may be continued for this long.
VERIFY_MAX_AGE = 2 * 60 * 60
#: Problems carried from step to step and listed on the page (the count is always complete).
VERIFY_LISTED = 50

_ACTION = re.compile(r"[a-z0-9_.]{1,80}")
_OBJECT_TYPE = re.compile(r"[a-z0-9_]{1,30}\.[a-z0-9_]{1,40}")
_WORD = re.compile(r"[a-z_]{1,20}")
_ENTRY_IN_PROBLEM = re.compile(r"第 (\d+) 条")


# --- the search --------------------------------------------------------------------------------


def _day(value: str, label: str, errors: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label}“{value}”不是有效日期，请按 年-月-日 填写，如 {clock.today().isoformat()}。")
        return None


def parse_filters(query: Any) -> tuple[AuditFilters, list[str]]:
    """The search form's values, cleaned; errors for what cannot be searched as typed."""

    def text(name: str, length: int) -> str:
        # Control characters (a NUL) can be in no stored value, and PostgreSQL refuses them in a query.
        return clean(query.get(name) or "")[:length]

    errors: list[str] = []
    role = text("role", 40)
    organisation = text("organisation", 12)
    action = text("action", 80)
    object_type = text("object_type", 72)
    result = text("result", 20)
    date_from = _day(text("date_from", 10), "开始日期", errors)
    date_to = _day(text("date_to", 10), "结束日期", errors)
    if date_from and date_to and date_from > date_to:
        errors.append("开始日期晚于结束日期。")
    filters = AuditFilters(
        actor=text("actor", 60),
        role=role if role in auditlog.ROLE_LABELS or role == auditlog.NO_ROLE else "",
        organisation=int(organisation) if organisation.isdecimal() else None,
        object_type=object_type if _OBJECT_TYPE.fullmatch(object_type) else "",
        object_id=fold_width(text("object_id", 64)).replace(" ", ""),
        # Typed with full-width digits (a Chinese input method) or in groups: the number it spells.
        application_no=fold_width(text("application_no", 20)).replace(" ", ""),
        action=action if _ACTION.fullmatch(action) else "",
        result=result if _WORD.fullmatch(result) else "",
        date_from=date_from,
        date_to=date_to,
    )
    return filters, errors


def _cursor(request: HttpRequest, name: str) -> int | None:
    value = (request.GET.get(name) or "").strip()
    return int(value) if value.isdecimal() and len(value) < 19 else None


def cursor_of(query: dict[str, str]) -> str:
    """A short fingerprint of the filters a page was drawn under, which the pager's htmx requests
    send with their cursor (``of``): a cursor is an entry's id in one search's order and means
    nothing in another's. Not a secret: a forged one draws what the same address without it would."""
    return hashlib.sha256(urlencode(sorted(query.items())).encode()).hexdigest()[:16]


def _last_checks(limit: int = 5) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="audit.verify").select_related("actor").order_by("-id")[:limit])


@require_GET
@staff_required(roles=AUDIT_ROLES)
def audit_log(request: HttpRequest) -> HttpResponse:
    """审计日志: the search, newest first, 50 entries a page."""
    filters, errors = parse_filters(request.GET)
    query = filters.as_query()
    before, after = _cursor(request, "before"), _cursor(request, "after")
    # The pager asks with the filter form as it stands (hx-include) and names the filters its
    # cursor belongs to: changed meanwhile (an answer still on its way), the new search starts at
    # its newest entries instead of somewhere in the middle. A link's href carries its own filters.
    restarted = (before is not None or after is not None) and request.GET.get("of", cursor_of(query)) != cursor_of(query)
    if restarted:
        before = after = None
    page = None
    if not errors:
        page = auditlog.search_page(filters, before=before, after=after)
    missing_application = (
        bool(filters.application_no) and page is not None and not page.rows and _application_missing(filters.application_no)
    )
    labels = auditlog.object_type_labels()
    shared = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    # By the Chinese name; the code only where two kinds of record share a name.
    object_types = sorted(
        ((code, f"{label}（{code}）" if label in shared else label) for code, label in labels.items()), key=lambda item: item[1]
    )
    context = {
        "filters": filters,
        "errors": errors,
        "page": page,
        "missing_application": missing_application,
        "actions": auditlog.action_choices(auditlog.present_actions()),
        "roles": [*auditlog.ROLE_LABELS.items(), (auditlog.NO_ROLE, "无（职工本人或系统）")],
        "organisations": auditlog.organisation_choices(),
        "results": auditlog.RESULT_LABELS.items(),
        "object_types": object_types,
        "query": urlencode(query),
        "cursor_of": cursor_of(query),
        "restarted": restarted,
        "newer_query": urlencode({**query, "after": page.newer_than}) if page and page.newer_than else "",
        "older_query": urlencode({**query, "before": page.older_than}) if page and page.older_than else "",
        "export_limit": auditlog.EXPORT_LIMIT,
        "last_check": next(iter(_last_checks(1)), None),
        "filtered": not filters.empty,
        # The placeholder's number is one of this year's campaign (2026000001), not the demo's.
        "example_application_no": f"{campaign.year if (campaign := current_campaign()) else clock.today().year}000001",
    }
    response = render(request, "staff/audit/log.html", context, status=400 if errors else 200)
    if getattr(request, "htmx", False):  # the address of what is drawn: the filters and the cursor used
        cursor = {"after": after} if after is not None else {"before": before} if before is not None else {}
        push_url(response, f"{reverse('staff:audit')}?{urlencode({**query, **cursor})}".rstrip("?"))
    return response


def _application_missing(application_no: str) -> bool:
    return not Application.objects.filter(application_no=application_no).exists()


@require_GET
@staff_required(roles=AUDIT_ROLES)
def audit_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One entry: every field, the detail, its hashes and whether they hold."""
    view = auditlog.entry_view(entry_id)
    if view is None:
        return render(request, "staff/audit/not_found.html", status=404)
    event = view.row.event
    context = {
        "view": view,
        "row": view.row,
        "event": event,
        "object_query": urlencode({"object_type": event.object_type, "object_id": event.object_id}) if event.object_id else "",
        # No link for a label that had to be masked: the number would sit in the URL.
        "actor_query": urlencode({"actor": event.actor_label})
        if event.actor_label and auditlog.mask_stray_numbers(event.actor_label) == event.actor_label
        else "",
        "can_open_application": signed_in_staff(request).role != Role.ADMIN,
    }
    return render(request, "staff/audit/entry.html", context)


@require_GET
@staff_required(roles=AUDIT_ROLES)
def audit_export(request: HttpRequest) -> HttpResponse:
    """导出 the current search as xlsx (the newest ``EXPORT_LIMIT`` entries); audited."""
    filters, errors = parse_filters(request.GET)
    if errors:
        messages.error(request, "查询条件有误，未导出：" + "".join(errors))
        return redirect(f"{reverse('staff:audit')}?{urlencode(filters.as_query())}")
    return download_response(auditlog.audit_log_export(user=signed_in_staff(request), filters=filters, request=request))


# --- the chain check -------------------------------------------------------------------------


def _problem_items(problems: list[str]) -> list[dict[str, Any]]:
    items = []
    for problem in problems:
        found = _ENTRY_IN_PROBLEM.search(problem)
        items.append({"text": problem, "entry_id": int(found.group(1)) if found else None})
    return items


def _start_state(user: StaffUser) -> dict[str, Any]:
    return {
        "user": user.pk,
        "after": 0,
        "hash": "",
        "unkeyed": 0,
        "plain": 0,
        "keyed": False,
        "entries": 0,
        "count": 0,
        "problems": [],
        "total": AuditEvent.objects.count(),
        "started": time.time(),
    }


def _finish(request: HttpRequest, state: dict[str, Any]) -> dict[str, Any]:
    """The check is over: the chain walked is compared with the audit anchor outside the database
    (read only: the page never writes the anchor, ``manage.py audit_verify`` does), then one
    ``audit.verify`` entry (as ``manage.py audit_verify`` writes)."""
    seconds = round(time.time() - float(state["started"]), 1)
    check = anchor.check_chain(SimpleNamespace(entries=state["entries"]))
    state["count"] += len(check.problems)
    listed = state["problems"][: max(0, VERIFY_LISTED - len(check.problems))]
    with transaction.atomic():
        audit(
            "audit.verify",
            actor=request.user,
            request=request,
            object_type="core.auditevent",
            result="ok" if not state["count"] else "failed",
            detail={
                "entries": state["entries"],
                "problems": state["count"],
                "seconds": seconds,
                "channel": "web",
                "anchor": "missing" if check.missing else "failed" if check.problems else "ok",
            },
        )
    return {
        "done": True,
        "intact": not state["count"],
        "entries": state["entries"],
        "count": state["count"],
        # The anchor's own first, without a link: the entries they name may be gone.
        "problems": [{"text": problem, "entry_id": None} for problem in check.problems] + _problem_items(listed),
        "hidden": max(0, state["count"] - len(check.problems) - len(listed)),
        "seconds": seconds,
        "anchored": check.newest,
        "anchor_missing": check.missing,
    }


@require_http_methods(["GET", "POST"])
@staff_required(roles=AUDIT_ROLES)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """校验审计链: GET explains and offers the button; each POST walks one step and either shows
    the result or how far it got, with the signed position of the next step."""
    user = signed_in_staff(request)
    context: dict[str, Any] = {"checks": _last_checks()}
    if request.method == "GET":
        return render(request, "staff/audit/verify.html", context)
    state: dict[str, Any] | None
    if request.POST.get("state"):
        try:
            state = signing.loads(request.POST["state"], salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
        except signing.BadSignature:
            state = None
        if state is None or state.get("user") != user.pk:
            context["error"] = "这次校验已过期或无效，请重新开始校验。"
            return render(request, "staff/audit/verify.html", context, status=400)
    else:
        state = _start_state(user)
    step = verify_chain_step(
        after_id=int(state["after"]),
        previous_hash=str(state["hash"]),
        unkeyed=int(state.get("unkeyed", 0)),
        plain=int(state.get("plain", 0)),
        keyed=bool(state.get("keyed", False)),
    )
    state["after"], state["hash"] = step.last_id, step.last_hash
    state["unkeyed"], state["plain"], state["keyed"] = step.unkeyed, step.plain, step.keyed
    state["entries"] += step.report.entries
    state["count"] += step.report.problem_count
    state["problems"] = (state["problems"] + step.report.problems)[:VERIFY_LISTED]
    if step.done:
        context["outcome"] = _finish(request, state)
        context["checks"] = _last_checks()
    else:
        total = max(int(state["total"]), state["entries"], 1)
        context["progress"] = {
            "entries": state["entries"],
            "total": total,
            "percent": min(99, state["entries"] * 100 // total),
            "count": state["count"],
            "state": signing.dumps(state, salt=VERIFY_SALT, compress=True),
        }
    return render(request, "staff/audit/verify.html", context)
