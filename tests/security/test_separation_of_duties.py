"""The separation of duties (SECURITY.md 5), on the access matrix's world and roles table.

An auditor's unsafe requests are refused and change no row of any table; an administrator neither
decides applications nor builds or approves payment batches, and the Django admin registers
neither; nobody approves their own batch; the Django admin is for administrators only.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from rewards.applications.models import Application
from rewards.payments.models import PaymentBatch, PaymentLine

from ._matrix import (
    ADMIN,
    ANONYMOUS,
    APPLICANT,
    AUDITOR,
    BODIES,
    EXPECTED,
    OWN_ACCOUNT,
    PRINCIPAL_USERS,
    READING_POSTS,
    STAFF,
    _send_as,
    assert_signed_in,
    is_api,
    path_kwargs,
)
from .adversarial_world import anonymous, isolated, send, url_patterns

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_pdfs")]

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
