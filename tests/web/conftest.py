"""Fixtures of the worker pages' tests (test_worker_*.py), and of the batch pages' (``workers``,
``clerk``: test_batch_*.py).

``client`` is a Django test client on the host the worker's site is served from (127.0.0.1);
``today`` sets the business day inside the 2020 campaign. ``private_storage`` is not autouse: the
worker modules name it in their ``pytestmark``."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.core.audit import audit
from tests import factories

from ._audit_log import Request, signed_in
from ._worker import HOST

#: The employer of the 西湖精密机械 grassroots union (the batch pages' tests).
EMPLOYER = "杭州西湖精密机械有限公司"


@pytest.fixture
def private_storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The materials of these tests go to their own folder, not the shared test storage."""
    location = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": location}}


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def today(business_day, campaign):  # type: ignore[no-untyped-def]
    """Inside the 2020 campaign (2020-10-15, 61 days before the deadline)."""
    return campaign


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    """Six verified members employed by the 西湖精密机械 grassroots union's employer."""
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer=EMPLOYER) for _ in range(6)]


@pytest.fixture
def clerk(grassroots_clerk) -> Client:  # type: ignore[no-untyped-def]
    """That union's clerk, signed in to the staff pages."""
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(grassroots_clerk)
    return staff


@pytest.fixture
def audit_story(campaign, xihu, xihu_grassroots, grassroots_clerk, xihu_reviewer, shangcheng_reviewer, city_reviewer, finance_a):  # type: ignore[no-untyped-def]
    """Eight entries of several people, roles, organisations, objects, actions and results,
    after the ones setting up the cast wrote. Returns them by name, and the two applications."""
    first = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_city")
    second = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="rejected")
    entries = {
        "approve": audit("review.approve", request=Request(xihu_reviewer, "10.1.1.1"), obj=first, detail={"from": "pending_district"}),
        "reject": audit("review.reject", request=Request(city_reviewer, "10.1.1.2"), obj=second, detail={"from": "pending_city"}),
        "build": audit("payment.batch_build", actor=finance_a, object_type="payments.paymentbatch", object_id=7, detail={"count": 6}),
        "file": audit("payment.file_download", actor=finance_a, object_type="payments.paymentbatch", object_id=7, detail={"format": "csv"}),
        "denied": audit(
            "access.denied",
            request=Request(shangcheng_reviewer, "10.9.9.9"),
            obj=first,
            result="denied",
            detail={"application_no": first.application_no, "what": "detail"},
        ),
        "failed_login": audit("staff.login", result="failed", actor_label="wang.li", detail={"channel": "web"}),
        "submit": audit("application.submit", obj=second, actor_label="applicant", detail={"channel": "online"}),
        "import": audit("batch.import", actor=grassroots_clerk, object_type="batches.batchimport", object_id=3, detail={"accepted": 2}),
    }
    return {"entries": entries, "first": first, "second": second}


@pytest.fixture
def auditor_client(auditor) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(auditor)
