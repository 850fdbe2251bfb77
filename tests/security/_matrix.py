"""The roles table of the access matrix (SECURITY.md 2 and 5), shared by
test_access_matrix_roles.py, test_separation_of_duties.py, the cross-union probes and the canary
crawl.

:data:`EXPECTED` is written out per URL name and method from API.md's roles table and the code;
where the two differ the code's documented decision is followed (docs/decisions.md 10, 35, 45;
README "工作进度 (every staff role)"), noted next to the entry. A URL that the table or
:data:`PATH_PARAMS` does not know fails ``test_every_url_has_an_expected_row``: nobody adds an
endpoint without saying who may use it.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from rewards.applications.models import Flag
from rewards.core.models import AuditEvent
from rewards.organisations.models import Role

from .adversarial_world import Answer, World, anonymous, isolated, send

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
RESOLVERS = frozenset({CITY})  # API.md roles: "resolve flags" is the city reviewer's
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
    "api:applicant-session": {"POST": EVERYONE, "DELETE": frozenset({APPLICANT})},
    "api:applications-query": {"POST": EVERYONE},
    "api:auth-token": {"POST": EVERYONE, "DELETE": STAFF},
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
    "api:occupation-declaration-withdraw": {"POST": frozenset({DISTRICT})},
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
    "web:favicon": {"GET": EVERYONE},
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
    "staff:decision": {"GET": DECIDERS, "POST": DECIDERS},  # GET goes back to the application (decision 167)
    "staff:resolve_flag": {"GET": RESOLVERS, "POST": RESOLVERS},
    "staff:attachment": {"GET": DECIDERS},
    "staff:annex3": {"GET": READERS},
    "staff:annex4": {"GET": READERS},
    # 非通用性职业 and 培训计划
    "staff:declarations": {"GET": PROGRAMME_READERS},
    "staff:declare": {"POST": frozenset({DISTRICT})},
    "staff:declaration_decision": {"POST": frozenset({ECONOMIC})},
    "staff:declaration_withdraw": {"POST": frozenset({DISTRICT})},
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
    "staff:batch_discard": {"POST": BATCH_ENTRY},
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
    "worker:precheck": "worker_json",  # the form's script: 401 and what to do, the form kept
    "worker:alive": "worker_json",
    "worker:mine": "worker",
    "worker:edit": "worker",
    "worker:material": "worker",  # the worker's own current material, for the edit page
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
    "api:auth-token",  # signing in, and out (DELETE ends the caller's own token)
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
    own_attachment = apps["xihu_online_returned"].attachments.filter(current=True).values_list("pk", flat=True).first()
    assert own_attachment, "the applicant's own application should have materials"
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
        "api:occupation-declaration-withdraw": {"declaration_id": world.declarations["xihu"].pk},
        "api:training-plan": {"plan_id": world.plans["xihu"].pk},
        "staff:detail": batch_app,
        "staff:decision": batch_app,
        "staff:annex3": batch_app,
        "staff:batch_resubmit": returned_batch,
        "staff:resolve_flag": {"no": pending.application_no, "code": flag},
        "staff:attachment": {"no": pending.application_no, "attachment_id": attachment},
        "staff:declaration_decision": {"declaration_id": world.declarations["xihu"].pk},
        "staff:declaration_withdraw": {"declaration_id": world.declarations["xihu"].pk},
        "staff:training_edit": {"plan_id": world.plans["xihu"].pk},
        "staff:batch_import": {"import_id": world.imports["xihu"].pk},
        "staff:batch_save": {"import_id": world.imports["xihu"].pk},
        "staff:batch_discard": {"import_id": world.imports["xihu"].pk},
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
        "worker:material": {**own, "attachment_id": own_attachment},
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
    "api:occupation-declaration-withdraw": {"declaration_id"},
    "api:training-plan": {"plan_id"},
    "staff:detail": {"no"},
    "staff:decision": {"no"},
    "staff:annex3": {"no"},
    "staff:batch_resubmit": {"no"},
    "staff:resolve_flag": {"no", "code"},
    "staff:attachment": {"no", "attachment_id"},
    "staff:declaration_decision": {"declaration_id"},
    "staff:declaration_withdraw": {"declaration_id"},
    "staff:training_edit": {"plan_id"},
    "staff:batch_import": {"import_id"},
    "staff:batch_save": {"import_id"},
    "staff:batch_discard": {"import_id"},
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
    "worker:material": {"no", "attachment_id"},
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


def assert_signed_in(world: World) -> None:
    """The shared page sessions are still signed in (else a refusal above proved nothing)."""
    for principal, username in PRINCIPAL_USERS.items():
        with isolated():
            answer = send(world.client_for(username), "GET", reverse("staff:account"))
        assert answer.status == 200, f"{principal}'s session ended during the run: {answer.status} {answer.location}"
