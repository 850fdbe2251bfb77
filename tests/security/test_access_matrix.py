"""The role × endpoint matrix over the whole application (SECURITY.md 2 and 5).

Every URL comes from Django's resolver. Each staff page and each staff or worker API endpoint is
tried with GET and POST (and PATCH where the view has it) by an anonymous client, a worker's
applicant token, and one user of each of the seven staff roles (plus a second finance officer:
the four-eyes rule makes the builder of a batch and another officer differ). The answer must be
what :data:`EXPECTED` says: allowed (neither 401 nor 403, and no 5xx) or refused — 401 with the
contract's JSON error on the API, the staff sign-in redirect on pages, 403 for a wrong role. A
method the view does not have answers 405 (or the refusal that comes before it).

:data:`EXPECTED` is written out per URL name and method from API.md's roles table and the code;
where the two differ the code's documented decision is followed (docs/decisions.md 10, 35, 45;
README "工作进度 (every staff role)"), noted next to the entry. A URL that the table or
:data:`PATH_KWARGS` does not know fails :func:`test_every_url_has_an_expected_row`: nobody adds an
endpoint without saying who may use it.

Then the separation of duties (SECURITY.md 5): an auditor's unsafe requests are refused and change
no row of any table; an administrator neither decides applications nor builds or approves
payment batches, and the Django admin registers neither; nobody approves their own batch.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from rewards.applications.models import Application, Flag
from rewards.core.models import AuditEvent
from rewards.organisations.models import Role
from rewards.payments.models import PaymentBatch, PaymentLine
from rewards.reports import renderers

from .adversarial_world import (
    Answer,
    World,
    anonymous,
    isolated,
    seed_world,
    send,
    url_patterns,
    view_methods,
    world_transaction,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
APPLICANT = "applicant"
CLERK = Role.GRASSROOTS_CLERK.value
DISTRICT = Role.DISTRICT_REVIEWER.value
CITY = Role.CITY_REVIEWER.value
FINANCE = Role.FINANCE_OFFICER.value  # finance.a: built the batch waiting for approval
FINANCE_B = "finance_officer (finance.b)"  # the other finance officer
ECONOMIC = Role.ECONOMIC_OFFICER.value
AUDITOR = Role.AUDITOR.value
ADMIN = Role.ADMIN.value
STAFF = frozenset({CLERK, DISTRICT, CITY, FINANCE, FINANCE_B, ECONOMIC, AUDITOR, ADMIN})
EVERYONE = frozenset({ANONYMOUS, APPLICANT, *STAFF})
PRINCIPAL_USERS = {
    CLERK: "xihu.clerk",
    DISTRICT: "xihu.reviewer",
    CITY: "city.reviewer",
    FINANCE: "finance.a",
    FINANCE_B: "finance.b",
    ECONOMIC: "economic",
    AUDITOR: "auditor",
    ADMIN: "admin",
}

# Who may do what. ``READERS``: API.md gives reading applications to the clerk (its own), the
# district and city reviewers and the auditor; the code also lets finance and economic officers
# read the queue, the detail and the printed annexes, masked (decisions.md 10).
READERS = frozenset({CLERK, DISTRICT, CITY, FINANCE, FINANCE_B, ECONOMIC, AUDITOR})
DECIDERS = frozenset({CLERK, DISTRICT, CITY})  # 初审, 预审/复审, 终审
RESOLVERS = frozenset({DISTRICT, CITY})
FINANCE_ROLES = frozenset({FINANCE, FINANCE_B})
# decisions.md 35: the unions their own, the city's reviewers, economic department and auditors all.
PROGRAMME_READERS = frozenset({DISTRICT, CITY, ECONOMIC, AUDITOR})
# README: 工作进度 for every staff role (API.md lists the district, economic, city and auditor).
PROGRESS_READERS = STAFF
BATCH_ENTRY = frozenset({CLERK, DISTRICT})
# The payment pages: finance changes, the auditor and the city's reviewers read (API.md: city
# "all reports", auditor "read everything").
PAYMENT_READERS = frozenset({FINANCE, FINANCE_B, AUDITOR, CITY})
CAMPAIGN_READERS = frozenset({ADMIN, AUDITOR})
AUDIT_LOG = frozenset({AUDITOR, ADMIN})  # decisions.md 45

#: URL name → method → who is allowed. Methods not listed are not routed: 405 (or the refusal
#: that comes first: 401, the sign-in redirect, 403).
EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    # public API
    "api:health": {"GET": EVERYONE},
    "api:campaign-current": {"GET": EVERYONE},
    "api:eligibility": {"POST": EVERYONE},
    "api:applicant-otp": {"POST": EVERYONE},
    "api:applicant-session": {"POST": EVERYONE},
    "api:applications-query": {"POST": EVERYONE},
    "api:auth-token": {"POST": EVERYONE},
    "api:schema": {"GET": EVERYONE},
    "api:docs": {"GET": EVERYONE},
    # the worker's API (applicant token)
    "api:applicant-applications": {"GET": frozenset({APPLICANT})},
    "api:applications": {"POST": frozenset({APPLICANT})},
    "api:application-resubmit": {"POST": frozenset({APPLICANT})},
    "api:application-withdraw": {"POST": frozenset({APPLICANT})},
    "api:application-query-password": {"POST": frozenset({APPLICANT})},
    # staff API
    "api:review-queue": {"GET": READERS},
    "api:review-detail": {"GET": READERS},
    "api:review-decision": {"POST": DECIDERS},
    "api:review-flag-resolve": {"POST": RESOLVERS},
    "api:review-attachment": {"GET": DECIDERS},  # scans show full numbers: reviewers only (DOMAIN.md §9)
    "api:review-annex3": {"GET": READERS},
    "api:review-resubmit": {"POST": frozenset({CLERK})},
    "api:batch-submissions": {"POST": BATCH_ENTRY},
    "api:payment-batches": {"POST": FINANCE_ROLES},
    "api:payment-batch-approve": {"POST": frozenset({FINANCE_B})},  # never the builder (finance.a)
    "api:payment-batch-cancel": {"POST": FINANCE_ROLES},
    "api:payment-batch-file": {"GET": FINANCE_ROLES},
    "api:payment-batch-results": {"POST": FINANCE_ROLES},
    "api:payment-line-reversal": {"POST": FINANCE_ROLES},
    "api:report-annex4-xlsx": {"GET": READERS},
    "api:report-annex4-pdf": {"GET": READERS},
    "api:occupation-declarations": {"GET": PROGRAMME_READERS, "POST": frozenset({DISTRICT})},
    "api:occupation-declaration": {"GET": PROGRAMME_READERS},
    "api:occupation-declaration-decision": {"POST": frozenset({ECONOMIC})},
    "api:report-annex5-xlsx": {"GET": PROGRAMME_READERS},
    "api:report-annex5-pdf": {"GET": PROGRAMME_READERS},
    "api:training-plans": {"GET": PROGRAMME_READERS, "POST": frozenset({DISTRICT})},
    "api:training-plans-summary": {"GET": PROGRAMME_READERS},
    "api:training-plan": {"GET": PROGRAMME_READERS, "PATCH": frozenset({DISTRICT})},
    "api:report-training-plans-xlsx": {"GET": PROGRAMME_READERS},
    "api:stats-progress": {"GET": PROGRESS_READERS},
    "api:report-annex1-xlsx": {"GET": PROGRESS_READERS},
    # public pages and the staff sign-in steps
    "web:home": {"GET": EVERYONE},
    "staff:login": {"GET": EVERYONE, "POST": EVERYONE},
    "staff:logout": {"GET": EVERYONE, "POST": EVERYONE},
    "staff:login_otp": {"GET": EVERYONE, "POST": EVERYONE},
    "staff:login_enrol": {"GET": EVERYONE, "POST": EVERYONE},
    # a staff user's own account
    "staff:account": {"GET": STAFF},
    "staff:account_mfa": {"GET": STAFF, "POST": STAFF},
    "staff:account_mfa_disable": {"POST": STAFF},
    "staff:password": {"GET": STAFF, "POST": STAFF},
    # review pages
    "staff:queue": {"GET": READERS},
    "staff:approve_many": {"POST": DECIDERS},
    "staff:detail": {"GET": READERS},
    "staff:decision": {"POST": DECIDERS},
    "staff:resolve_flag": {"POST": RESOLVERS},
    "staff:attachment": {"GET": DECIDERS},
    "staff:annex3": {"GET": READERS},
    "staff:annex4": {"GET": READERS},
    # 非通用性职业 and 培训计划
    "staff:declarations": {"GET": PROGRAMME_READERS},
    "staff:declare": {"POST": frozenset({DISTRICT})},
    "staff:declaration_decision": {"POST": frozenset({ECONOMIC})},
    "staff:annex5": {"GET": PROGRAMME_READERS},
    "staff:training": {"GET": PROGRAMME_READERS},
    "staff:training_create": {"POST": frozenset({DISTRICT})},
    "staff:training_xlsx": {"GET": PROGRAMME_READERS},
    "staff:training_edit": {"GET": frozenset({DISTRICT}), "POST": frozenset({DISTRICT})},
    # 工作进度
    "staff:progress": {"GET": PROGRESS_READERS},
    "staff:progress_export": {"GET": PROGRESS_READERS},
    # 单位统一申报
    "staff:batch": {"GET": BATCH_ENTRY, "POST": BATCH_ENTRY},
    "staff:batch_template": {"GET": BATCH_ENTRY},
    "staff:batch_entry": {"GET": BATCH_ENTRY, "POST": BATCH_ENTRY},
    "staff:batch_import": {"GET": BATCH_ENTRY},
    "staff:batch_save": {"POST": BATCH_ENTRY},
    "staff:batch_rejected": {"GET": BATCH_ENTRY},
    "staff:batch_resubmit": {"POST": frozenset({CLERK})},
    # 奖励核发
    "staff:payments": {"GET": PAYMENT_READERS},
    "staff:payment_build": {"POST": FINANCE_ROLES},
    "staff:payment_report": {"GET": PAYMENT_READERS},
    "staff:payment_reversal": {"POST": FINANCE_ROLES},
    "staff:payment_batch": {"GET": PAYMENT_READERS},
    "staff:payment_approve": {"POST": frozenset({FINANCE_B})},  # never the builder (finance.a)
    "staff:payment_cancel": {"POST": FINANCE_ROLES},
    "staff:payment_file": {"POST": FINANCE_ROLES},
    "staff:payment_results": {"POST": FINANCE_ROLES},
    # 年度活动设置: the administrator changes, the auditor reads
    "staff:campaigns": {"GET": CAMPAIGN_READERS},
    "staff:campaign_copy": {"POST": frozenset({ADMIN})},
    "staff:campaign_settings": {"GET": CAMPAIGN_READERS, "POST": frozenset({ADMIN})},
    "staff:campaign_units": {"GET": CAMPAIGN_READERS, "POST": frozenset({ADMIN})},
    "staff:campaign_sms": {"GET": CAMPAIGN_READERS, "POST": frozenset({ADMIN})},
    # 审计日志: read only; the chain check is a POST that reads (it records the check)
    "staff:audit": {"GET": AUDIT_LOG},
    "staff:audit_export": {"GET": AUDIT_LOG},
    "staff:audit_verify": {"GET": AUDIT_LOG, "POST": AUDIT_LOG},
    "staff:audit_entry": {"GET": AUDIT_LOG},
}

#: Worker pages (the mobile site, its own session): public, or for a signed-in worker only.
WORKER_PAGES = {
    "worker:index": "public",
    "worker:check": "public",
    "worker:signin": "public",
    "worker:signin_code": "public",
    "worker:status": "public",
    "worker:done": "public",
    "worker:signout": "public",
    "worker:apply": "worker",
    "worker:mine": "worker",
    "worker:edit": "worker",
    "worker:withdraw": "worker",
    "worker:query_password": "worker",
}
#: Routes covered elsewhere: the Django admin (:func:`test_the_django_admin_is_for_administrators_only`),
#: whose sign-in and password pages send to the staff ones, and the benchmark-only endpoint
#: (present only with ``BENCH_ENDPOINTS``, which production refuses).
ELSEWHERE = {"admin/login/", "admin/password_change/", "api:bench-discard"}
#: Names the resolver may lack (settings-dependent).
OPTIONAL = {"api:bench-discard"}
#: Endpoints about the caller's own sign-in and account: an auditor may use them (they change
#: the auditor's own session, password or authenticator, no business data).
OWN_ACCOUNT = {
    "staff:login",
    "staff:logout",
    "staff:login_otp",
    "staff:login_enrol",
    "staff:account",
    "staff:account_mfa",
    "staff:account_mfa_disable",
    "staff:password",
}
#: POSTs that read: the chain check records itself in the audit log and changes nothing else.
READING_POSTS = {"staff:audit_verify"}
#: Sign-in steps get a fresh client per request: a logout would end the shared session.
FRESH_SESSION = {"staff:login", "staff:logout", "staff:login_otp", "staff:login_enrol"}
#: Endpoints that take credentials: empty ones answer 401 (or the form again) to anyone.
SIGN_IN = FRESH_SESSION | {"api:auth-token", "api:applicant-session", "api:applicant-otp"}


def path_kwargs(world: World) -> dict[str, dict[str, Any]]:
    """Path parameters per URL name: objects of 西湖区 (every matrix role's own subtree)."""
    apps = world.apps
    pending = apps["xihu_online_pending"]
    flag = Flag.objects.filter(application=pending).values_list("code", flat=True).first()
    attachment = pending.attachments.values_list("pk", flat=True).first()
    assert flag and attachment, "the seeded application should have a signal and materials"
    own = {"no": apps["xihu_online_returned"].application_no}  # the applicant's own
    batch_app = {"no": apps["xihu_batch_district"].application_no}
    returned_batch = {"no": apps["xihu_batch_returned"].application_no}
    built = {"no": world.payment_built.batch_no}
    sent = {"no": world.payment_sent.batch_no}
    reference = world.lines["xihu_online_paid"].reference
    entry = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {
        "api:application-resubmit": own,
        "api:application-withdraw": own,
        "api:application-query-password": own,
        "api:review-detail": batch_app,
        "api:review-decision": batch_app,
        "api:review-annex3": batch_app,
        "api:review-resubmit": returned_batch,
        "api:review-flag-resolve": {"no": pending.application_no, "flag": flag},
        "api:review-attachment": {"no": pending.application_no, "attachment_id": attachment},
        "api:payment-batch-approve": built,
        "api:payment-batch-cancel": built,
        "api:payment-batch-file": sent,
        "api:payment-batch-results": sent,
        "api:payment-line-reversal": {"reference": reference},
        "api:occupation-declaration": {"declaration_id": world.declarations["xihu"].pk},
        "api:occupation-declaration-decision": {"declaration_id": world.declarations["xihu"].pk},
        "api:training-plan": {"plan_id": world.plans["xihu"].pk},
        "staff:detail": batch_app,
        "staff:decision": batch_app,
        "staff:annex3": batch_app,
        "staff:batch_resubmit": returned_batch,
        "staff:resolve_flag": {"no": pending.application_no, "code": flag},
        "staff:attachment": {"no": pending.application_no, "attachment_id": attachment},
        "staff:declaration_decision": {"declaration_id": world.declarations["xihu"].pk},
        "staff:training_edit": {"plan_id": world.plans["xihu"].pk},
        "staff:batch_import": {"import_id": world.imports["xihu"].pk},
        "staff:batch_save": {"import_id": world.imports["xihu"].pk},
        "staff:batch_rejected": {"import_id": world.imports["xihu"].pk},
        "staff:payment_reversal": {"reference": reference},
        "staff:payment_batch": {"batch_no": world.payment_built.batch_no},
        "staff:payment_approve": {"batch_no": world.payment_built.batch_no},
        "staff:payment_cancel": {"batch_no": world.payment_built.batch_no},
        "staff:payment_file": {"batch_no": world.payment_sent.batch_no},
        "staff:payment_results": {"batch_no": world.payment_sent.batch_no},
        "staff:campaign_settings": {"year": 2020},
        "staff:campaign_units": {"year": 2020},
        "staff:campaign_sms": {"year": 2020},
        "staff:audit_entry": {"entry_id": entry},
        "worker:edit": own,
        "worker:withdraw": own,
        "worker:query_password": own,
    }


#: Parameters the path table must give for each URL name that has them (checked against the
#: resolver without seeding anything).
PATH_PARAMS = {
    "api:application-resubmit": {"no"},
    "api:application-withdraw": {"no"},
    "api:application-query-password": {"no"},
    "api:review-detail": {"no"},
    "api:review-decision": {"no"},
    "api:review-annex3": {"no"},
    "api:review-resubmit": {"no"},
    "api:review-flag-resolve": {"no", "flag"},
    "api:review-attachment": {"no", "attachment_id"},
    "api:payment-batch-approve": {"no"},
    "api:payment-batch-cancel": {"no"},
    "api:payment-batch-file": {"no"},
    "api:payment-batch-results": {"no"},
    "api:payment-line-reversal": {"reference"},
    "api:occupation-declaration": {"declaration_id"},
    "api:occupation-declaration-decision": {"declaration_id"},
    "api:training-plan": {"plan_id"},
    "staff:detail": {"no"},
    "staff:decision": {"no"},
    "staff:annex3": {"no"},
    "staff:batch_resubmit": {"no"},
    "staff:resolve_flag": {"no", "code"},
    "staff:attachment": {"no", "attachment_id"},
    "staff:declaration_decision": {"declaration_id"},
    "staff:training_edit": {"plan_id"},
    "staff:batch_import": {"import_id"},
    "staff:batch_save": {"import_id"},
    "staff:batch_rejected": {"import_id"},
    "staff:payment_reversal": {"reference"},
    "staff:payment_batch": {"batch_no"},
    "staff:payment_approve": {"batch_no"},
    "staff:payment_cancel": {"batch_no"},
    "staff:payment_file": {"batch_no"},
    "staff:payment_results": {"batch_no"},
    "staff:campaign_settings": {"year"},
    "staff:campaign_units": {"year"},
    "staff:campaign_sms": {"year"},
    "staff:audit_entry": {"entry_id"},
    "worker:edit": {"no"},
    "worker:withdraw": {"no"},
    "worker:query_password": {"no"},
}

#: POST bodies that take a request past its form checks to the rule under test.
BODIES: dict[str, dict[str, str]] = {
    "staff:payment_approve": {"confirm": "1"},  # else a 400 before the four-eyes rule
    "staff:decision": {"decision": "approve"},
    "api:review-decision": {"decision": "approve"},
}


def is_api(name: str) -> bool:
    return name.startswith("api:")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), world_transaction():
        yield seed_world()


@pytest.fixture(autouse=True)
def _quick_pdfs(monkeypatch):  # type: ignore[no-untyped-def]
    """Who may print is judged here, not what is printed (the canary crawl reads real PDFs):
    WeasyPrint's second per file would make the matrix minutes long."""
    monkeypatch.setattr(renderers, "pdf", lambda template, context: b"%PDF-1.7 stub")


# --- every URL is known -----------------------------------------------------------------------


def test_every_url_has_an_expected_row():
    """A new URL fails here until :data:`EXPECTED` (or :data:`WORKER_PAGES`) says who may use it
    and :data:`PATH_PARAMS` and :func:`path_kwargs` give its path parameters."""
    routes = [route for route in url_patterns() if route.namespace != "admin"]  # the Django admin: its own test
    names = Counter(route.name for route in routes)
    problems = [f"{name}: {count} routes share this name" for name, count in names.items() if count > 1]
    for route in routes:
        known = route.name in EXPECTED or route.name in WORKER_PAGES or route.name in ELSEWHERE
        if not known:
            problems.append(f"{route.name} (/{route.route}) is not in EXPECTED: add who may use it (per method) from API.md's roles table")
        if route.params and set(route.params) != PATH_PARAMS.get(route.name, set()):
            problems.append(
                f"{route.name} (/{route.route}) has path parameters {sorted(route.params)}: "
                "add them to PATH_PARAMS and path_kwargs() (an object of 西湖区), and to the probes of test_cross_union_probes.py"
            )
    present = {route.name for route in routes}
    stale = sorted((set(EXPECTED) | set(WORKER_PAGES) | set(PATH_PARAMS) | ELSEWHERE) - present - OPTIONAL)
    problems += [f"{name} is in the tables but no longer routed: remove it" for name in stale]
    assert not problems, "URL table out of date:\n" + "\n".join(problems)


# --- the matrix -------------------------------------------------------------------------------


def _send_as(world: World, principal: str, route_name: str, method: str, url: str, data: dict[str, Any]) -> Answer:
    if is_api(route_name):
        token = ""
        if principal == APPLICANT:
            token = world.applicant_token
        elif principal in STAFF:
            token = world.token_for(PRINCIPAL_USERS[principal])
        return send(anonymous(), method, url, data=data, token=token)
    if principal in (ANONYMOUS, APPLICANT):
        return send(anonymous(), method, url, data=data)
    return send(world.client_for(PRINCIPAL_USERS[principal], fresh=route_name in FRESH_SESSION), method, url, data=data)


def _judge(route_name: str, method: str, principal: str, answer: Answer, allowed: frozenset[str] | None) -> str:
    """ "" when the answer is the expected one, else why not."""
    status = answer.status
    if status >= 500:
        return f"{status} {answer.error}".strip()
    if route_name in SIGN_IN:
        return ""  # the sign-in steps answer everyone (a form, a refusal of the credentials, the next step)
    api = is_api(route_name)
    refused_anonymously = (
        status == 401 and answer.json_code() == "not_authenticated"
        if api
        else status == 302 and answer.location.startswith(reverse("staff:login"))
    )
    if allowed is None:  # a method the view does not have
        if status == 405 or (status == 403 and principal in STAFF) or refused_anonymously:
            return ""
        return f"{status}: expected 405 for a method that is not routed"
    if principal in allowed:
        if status in (401, 403) or (not api and refused_anonymously):
            return f"{status}: {principal} should be allowed"
        return ""
    if principal in (ANONYMOUS, APPLICANT) or (api and principal in STAFF and APPLICANT in allowed):
        if refused_anonymously:
            return ""
        return f"{status}: expected {'401 not_authenticated' if api else 'the redirect to the staff sign-in'}"
    if status != 403:
        return f"{status}: expected 403 for {principal}"
    if api and answer.json_code() != "forbidden":
        return f"403 without the contract's error (code {answer.json_code()!r})"
    return ""


def test_role_endpoint_matrix(world, capsys, record_property):  # type: ignore[no-untyped-def]
    kwargs = path_kwargs(world)
    failures: list[str] = []
    tried = Counter[str]()
    for route in url_patterns():
        if route.name not in EXPECTED:
            continue  # the worker pages and the admin: their own tests below
        url = reverse(route.name, kwargs=kwargs.get(route.name, {}))
        allowed_by_method = EXPECTED[route.name]
        methods = ["GET", "POST"] + (["PATCH"] if "PATCH" in allowed_by_method or "PATCH" in view_methods(route) else [])
        principals = sorted(EVERYONE) if is_api(route.name) else sorted(EVERYONE - {APPLICANT})
        if all(roles == EVERYONE for roles in allowed_by_method.values()):
            principals = [ANONYMOUS, APPLICANT, CITY] if is_api(route.name) else [ANONYMOUS, CITY]  # public: one of each kind
        for method in methods:
            for principal in principals:
                with isolated():
                    answer = _send_as(world, principal, route.name, method, url, BODIES.get(route.name, {}))
                tried["requests"] += 1
                problem = _judge(route.name, method, principal, answer, allowed_by_method.get(method))
                if problem:
                    failures.append(f"{method} {url} ({route.name}) as {principal}: {problem}")
        tried["endpoints"] += 1
    summary = (
        f"access matrix: endpoints={tried['endpoints']} principals={len(EVERYONE)} requests={tried['requests']} failures={len(failures)}"
    )
    record_property("matrix_endpoints", tried["endpoints"])
    record_property("matrix_requests", tried["requests"])
    record_property("matrix_failures", len(failures))
    with capsys.disabled():
        print(f"\n{summary}")
    assert_signed_in(world)
    assert not failures, f"{len(failures)} answers differ from the roles table:\n" + "\n".join(failures)


def test_worker_pages_need_a_worker_session(world):  # type: ignore[no-untyped-def]
    """The mobile pages: the public ones answer anyone; the others send to the SMS sign-in, even a
    signed-in staff user (a staff session is not a worker's)."""
    kwargs = path_kwargs(world)
    failures = []
    for name, access in WORKER_PAGES.items():
        url = reverse(name, kwargs=kwargs.get(name, {}))
        for who in ("anonymous", "staff"):
            for method in ("GET", "POST"):
                # A fresh session each time: the worker's sign-out ends the session it runs in.
                client = anonymous() if who == "anonymous" else world.client_for("city.reviewer", fresh=True)
                with isolated():
                    answer = send(client, method, url)
                if answer.status >= 500:
                    failures.append(f"{method} {url} as {who}: {answer.status} {answer.error}")
                elif access == "worker" and answer.status != 405 and not answer.location.startswith(reverse("worker:signin")):
                    failures.append(f"{method} {url} as {who}: {answer.status}, expected the worker sign-in")
    assert not failures, "\n".join(failures)


# --- separation of duties (SECURITY.md 5) -------------------------------------------------------


#: Tables whose rows a refused request may add: the audit log (the refusal is recorded), its
#: chain head, and the session store.
BOOKKEEPING = {"core.auditevent", "core.auditchainhead", "sessions.session"}


def fingerprint() -> dict[str, Any]:
    """Row counts of every table (one query), and the states that decisions and payments move."""
    tables = sorted(
        {model._meta.db_table for model in django_apps.get_models() if model._meta.managed and model._meta.label_lower not in BOOKKEEPING}
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    return {
        **counts,
        "application statuses": sorted(Application.objects.values_list("application_no", "status", "amount")),
        "batch statuses": sorted(PaymentBatch.objects.values_list("batch_no", "status", "approved_by_id")),
        "line statuses": sorted(PaymentLine.objects.values_list("reference", "status")),
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key in before if before[key] != after.get(key)]


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def test_an_auditor_reads_but_never_changes_anything(world):  # type: ignore[no-untyped-def]
    kwargs = path_kwargs(world)
    failures = []
    tried = 0
    for route in url_patterns():
        if route.name not in EXPECTED or route.name in OWN_ACCOUNT:
            continue
        allowed = EXPECTED[route.name]
        if not is_api(route.name) and not route.name.startswith("staff:"):
            continue
        if is_api(route.name) and not any(
            STAFF & roles and APPLICANT not in roles and ANONYMOUS not in roles for roles in allowed.values()
        ):
            continue  # public and worker endpoints: not the auditor's
        url = reverse(route.name, kwargs=kwargs.get(route.name, {}))
        for method in UNSAFE:
            with isolated():
                before = fingerprint()
                answer = _send_as(world, AUDITOR, route.name, method, url, BODIES.get(route.name, {}))
                changed = _diff(before, fingerprint())
            tried += 1
            reading = route.name in READING_POSTS and method == "POST"
            if answer.status not in (403, 405) and not (reading and answer.status < 500):
                failures.append(f"{method} {url} ({route.name}): {answer.status} {answer.error}, expected 403 or 405")
            if changed:
                failures.append(f"{method} {url} ({route.name}) changed {changed}")
    assert not failures, "\n".join(failures)


def test_an_administrator_neither_decides_nor_pays(world):  # type: ignore[no-untyped-def]
    kwargs = path_kwargs(world)
    deciding_and_paying = [
        "api:review-decision",
        "api:review-flag-resolve",
        "api:review-resubmit",
        "api:payment-batches",
        "api:payment-batch-approve",
        "api:payment-batch-cancel",
        "api:payment-batch-results",
        "api:payment-line-reversal",
        "staff:decision",
        "staff:approve_many",
        "staff:resolve_flag",
        "staff:batch_resubmit",
        "staff:payment_build",
        "staff:payment_approve",
        "staff:payment_cancel",
        "staff:payment_file",
        "staff:payment_results",
        "staff:payment_reversal",
    ]
    bodies = {
        "api:review-decision": {"decision": "approve"},
        "staff:decision": {"decision": "approve"},
        "staff:approve_many": {"application_no": world.apps["xihu_online_city"].application_no},
        "staff:payment_approve": {"confirm": "1"},
    }
    failures = []
    for name in deciding_and_paying:
        url = reverse(name, kwargs=kwargs.get(name, {}))
        with isolated():
            before = fingerprint()
            answer = _send_as(world, ADMIN, name, "POST", url, bodies.get(name, {}))
            changed = _diff(before, fingerprint())
        if answer.status != 403 or changed:
            failures.append(f"POST {url} as admin: {answer.status}, changed {changed}")
    with isolated():
        answer = _send_as(
            world, ADMIN, "api:payment-batch-file", "GET", reverse("api:payment-batch-file", kwargs=kwargs["api:payment-batch-file"]), {}
        )
    if answer.status != 403:
        failures.append(f"the bank file as admin: {answer.status}")
    # Nor through the Django admin: applications, their history and payments are not registered.
    for model in (
        Application,
        PaymentBatch,
        PaymentLine,
        *[m for m in django_apps.get_models() if m._meta.app_label in ("applications", "payments", "batches")],
    ):
        if model in admin.site._registry:
            failures.append(f"{model._meta.label} is editable in the Django admin")
    assert not failures, "\n".join(failures)


def test_nobody_approves_their_own_payment_batch(world):  # type: ignore[no-untyped-def]
    batch = world.payment_built
    api_url = reverse("api:payment-batch-approve", kwargs={"no": batch.batch_no})
    page_url = reverse("staff:payment_approve", kwargs={"batch_no": batch.batch_no})
    builder = world.token_for("finance.a")
    assert batch.built_by.username == "finance.a"
    with isolated():
        answer = send(anonymous(), "POST", api_url, token=builder)
        assert (answer.status, answer.json_code()) == (403, "forbidden"), answer.text()
        answer = send(world.client_for("finance.a"), "POST", page_url, data={"confirm": "1"})
        assert answer.status == 403, answer.status
        assert PaymentBatch.objects.get(pk=batch.pk).status == "built"
    with isolated():
        answer = send(anonymous(), "POST", api_url, token=world.token_for("finance.b"))
        assert answer.status == 200, answer.text()
        approved = PaymentBatch.objects.get(pk=batch.pk)
        assert approved.status == "approved" and approved.approved_by.username == "finance.b"


def test_the_django_admin_is_for_administrators_only(world):  # type: ignore[no-untyped-def]
    failures = []
    for principal, username in [(ANONYMOUS, ""), *PRINCIPAL_USERS.items()]:
        client = world.client_for(username) if username else anonymous()
        with isolated():
            answer = send(client, "GET", "/admin/")
        if principal == ADMIN:
            if answer.status != 200:
                failures.append(f"/admin/ as admin: {answer.status}")
        elif answer.status != 302 or not answer.location.startswith(("/admin/login/", reverse("staff:login"))):
            failures.append(f"/admin/ as {principal}: {answer.status} {answer.location}")
    assert not failures, "\n".join(failures)
    assert_signed_in(world)


def assert_signed_in(world: World) -> None:
    """The shared page sessions are still signed in (else a refusal above proved nothing)."""
    for principal, username in PRINCIPAL_USERS.items():
        with isolated():
            answer = send(world.client_for(username), "GET", reverse("staff:account"))
        assert answer.status == 200, f"{principal}'s session ended during the run: {answer.status} {answer.location}"
