"""The list pages read a fixed number of statements however many rows they show: a page that
read one more statement per row (an N+1) would slow down exactly when a union is busiest. Each
page is read with a few rows and again with more; the counts must be equal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rewards.applications.models import ApplicationEvent, Flag, FlagCode
from rewards.core.audit import audit
from rewards.payments.services import payment_batch_build
from tests.factories import make_application, make_member

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def statements(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    client.get(url, params or {})  # warm the per-process caches (campaign, organisations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def applications(campaign: Any, union: Any, n: int, *, status: str, reviewer: Any = None) -> list[Any]:
    """``n`` applications of ``union`` in ``status``, each with a history row and a soft signal."""
    made = []
    for _ in range(n):
        application = make_application(campaign=campaign, member=make_member(union=union), status=status)
        ApplicationEvent.objects.create(
            application=application, at=timezone.now(), stage="district", decision="", to_status=status, actor=reviewer
        )
        Flag.objects.create(application=application, code=FlagCode.PHONE_SHARED, message="手机号码用于多份申请", raised_at=timezone.now())
        made.append(application)
    return made


def same_count(read: Callable[[], int], grow: Callable[[int], object]) -> tuple[int, int]:
    grow(2)
    few = read()
    grow(7)
    many = read()
    return few, many


@pytest.mark.parametrize("status", ["pending_district", "approved"])
def test_the_district_queue(campaign, xihu, xihu_reviewer, status):
    client = signed_in(xihu_reviewer)
    few, many = same_count(
        lambda: statements(client, "/staff/", {"status": status}),
        lambda n: applications(campaign, xihu, n, status=status, reviewer=xihu_reviewer),
    )
    assert few == many


def test_the_city_queue(campaign, xihu, city_reviewer):
    client = signed_in(city_reviewer)
    few, many = same_count(
        lambda: statements(client, "/staff/", {"status": "pending_city"}),
        lambda n: applications(campaign, xihu, n, status="pending_city"),
    )
    assert few == many


def test_the_detail_page_with_a_long_history(campaign, xihu, xihu_reviewer):
    client = signed_in(xihu_reviewer)
    (application,) = applications(campaign, xihu, 1, status="pending_district", reviewer=xihu_reviewer)

    def more_history(n: int) -> None:
        for _ in range(n):
            ApplicationEvent.objects.create(
                application=application,
                at=timezone.now(),
                stage="district",
                decision="return",
                opinion="请补充材料。",
                to_status="returned",
                actor=xihu_reviewer,
                materials=["bank_card"],
            )

    few, many = same_count(lambda: statements(client, f"/staff/applications/{application.application_no}"), more_history)
    assert few == many


def test_a_payment_batch_page(campaign, xihu, finance_a):
    client = signed_in(finance_a)
    batches: list[str] = []

    def grow(n: int) -> None:
        applications(campaign, xihu, n, status="approved")
        batch, _ = payment_batch_build(user=finance_a, campaign=campaign)
        batches.append(batch.batch_no)

    grow(2)
    few = statements(client, f"/staff/payments/{batches[0]}/")
    listed_one = statements(client, "/staff/payments/")
    grow(7)
    many = statements(client, f"/staff/payments/{batches[1]}/")
    assert few == many
    grow(1)
    assert len(batches) == 3 and statements(client, "/staff/payments/") == listed_one  # the list of batches: one, then three


def test_the_audit_log(campaign, xihu, xihu_reviewer, auditor):
    client = signed_in(auditor)

    def grow(n: int) -> None:
        for application in applications(campaign, xihu, n, status="pending_district"):
            audit("application.view", actor=xihu_reviewer, obj=application, detail={})

    few, many = same_count(lambda: statements(client, "/staff/audit"), grow)
    assert few == many


def test_the_training_plans_and_the_declarations(campaign, xihu, xihu_reviewer, economic_officer):
    from decimal import Decimal

    from rewards.campaigns.models import OccupationDeclaration
    from rewards.training.models import TrainingPlan

    made = iter(range(1000))

    def grow(n: int) -> None:
        for _ in range(n):
            index = next(made)
            TrainingPlan.objects.create(
                campaign=campaign,
                union=xihu,
                occupation=f"车工{index}",
                occupation_key=f"车工{index}",
                level="senior_worker",
                planned_trainees=20,
                mode="online",
                budget=Decimal("1000.00"),
                created_by=xihu_reviewer,
                updated_by=xihu_reviewer,
            )
            OccupationDeclaration.objects.create(
                campaign=campaign,
                union=xihu,
                occupation=f"茶艺师{index}",
                occupation_key=f"茶艺师{index}",
                reason="本区茶产业需要。",
                declared_by=xihu_reviewer,
            )

    district, city = signed_in(xihu_reviewer), signed_in(economic_officer)
    few, many = same_count(
        lambda: (
            statements(district, "/staff/training/") + statements(district, "/staff/occupations/") + statements(city, "/staff/occupations/")
        ),
        grow,
    )
    assert few == many
