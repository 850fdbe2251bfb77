"""Mass assignment on everything but applications (SECURITY.md 4).

Bodies carrying server-owned fields are sent to the occupation declarations and their decisions,
the training plans, the payment batches, the campaign settings and a staff user's own account
pages; the database afterwards holds the server's values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from rewards.campaigns.models import Campaign, OccupationDeclaration
from rewards.core.memo import clear_all
from rewards.payments.models import PaymentBatch
from rewards.payments.services import payment_batch_cancel
from rewards.training.models import TrainingPlan

from ._mass_assignment import _api, server_owned
from .adversarial_world import DECLARATION_DAY, isolated, send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_pdfs")]


def test_declarations_and_their_decisions_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = {**server_owned(world), "union": world.orgs["shangcheng"].name, "opinion": "自批", "decided_at": "2020-08-01"}
    with isolated(), override_settings(APP_TODAY=DECLARATION_DAY):
        clear_all()
        answer = _api(
            world, "POST", "api:occupation-declarations", {}, {"occupation": "网约配送员", "reason": "平台经济。", **cheat}, "xihu.reviewer"
        )
        assert answer.status == 201, answer.text()
        created = OccupationDeclaration.objects.get(occupation="网约配送员")
        assert (created.status, created.union_id, created.declared_by.username, created.decided_by_id, created.opinion) == (
            "pending",
            world.orgs["xihu"].pk,
            "xihu.reviewer",
            None,
            "",
        )
        answer = send(
            world.client_for("xihu.reviewer"),
            "POST",
            reverse("staff:declare"),
            data={"occupation": "电子竞技员", "reason": "数字经济。", **cheat},
        )
        assert answer.status == 302, answer.status
        created = OccupationDeclaration.objects.get(occupation="电子竞技员")
        assert (created.status, created.union_id, created.decided_by_id) == ("pending", world.orgs["xihu"].pk, None)
    declaration = world.declarations["xihu"]
    with isolated():
        answer = _api(
            world,
            "POST",
            "api:occupation-declaration-decision",
            {"declaration_id": declaration.pk},
            {
                "decision": "approve",
                **cheat,
                "status": "rejected",
                "occupation": "改过的职业",
                "union_id": str(world.orgs["shangcheng"].pk),
            },
            "economic",
        )
        assert answer.status == 200, answer.text()
        after = OccupationDeclaration.objects.get(pk=declaration.pk)
        assert (after.status, after.occupation, after.union_id, after.decided_by.username) == (
            "approved",
            declaration.occupation,
            declaration.union_id,
            "economic",
        )


def test_training_plans_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = {**server_owned(world), "union": world.orgs["shangcheng"].name, "trained": "999", "certified": "999", "spent": "1.00"}
    plan = {"year": "2020", "occupation": "焊工", "level": "technician", "planned_trainees": "10", "mode": "online", "budget": "1000"}
    with isolated():
        answer = _api(world, "POST", "api:training-plans", {}, {**plan, **cheat}, "xihu.reviewer")
        assert answer.status == 201, answer.text()
        created = TrainingPlan.objects.get(pk=answer.json()["id"])
        assert (created.union_id, created.campaign_id, created.created_by.username) == (
            world.orgs["xihu"].pk,
            world.campaign.pk,
            "xihu.reviewer",
        )
        assert (created.trained, created.certified, created.spent) == (0, 0, Decimal("0.00"))
    with isolated():  # the page
        answer = send(
            world.client_for("xihu.reviewer"), "POST", reverse("staff:training_create"), data={**cheat, **plan, "occupation": "钳工"}
        )
        assert answer.status == 302, answer.status
        created = TrainingPlan.objects.get(occupation="钳工")
        assert (created.union_id, created.trained, created.spent) == (world.orgs["xihu"].pk, 0, Decimal("0.00"))
    existing = world.plans["xihu"]
    with isolated():
        answer = _api(
            world, "PATCH", "api:training-plan", {"plan_id": existing.pk}, {**server_owned(world), "trained": "5"}, "xihu.reviewer"
        )
        assert answer.status == 200, answer.text()
        after = TrainingPlan.objects.get(pk=existing.pk)
        assert (after.pk, after.union_id, after.campaign_id, after.trained) == (existing.pk, existing.union_id, existing.campaign_id, 5)
    with isolated():  # the page
        answer = send(
            world.client_for("xihu.reviewer"),
            "POST",
            reverse("staff:training_edit", kwargs={"plan_id": existing.pk}),
            data={**server_owned(world), "trained": "6"},
        )
        assert answer.status == 302, answer.status
        after = TrainingPlan.objects.get(pk=existing.pk)
        assert (after.union_id, after.campaign_id, after.trained) == (existing.union_id, existing.campaign_id, 6)


def test_payment_batches_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = server_owned(world)
    with isolated():
        payment_batch_cancel(user=world.users["finance.a"], batch_no=world.payment_built.batch_no)
        answer = _api(world, "POST", "api:payment-batches", {}, cheat, "finance.a")
        assert answer.status == 201, answer.text()
        batch = PaymentBatch.objects.get(batch_no=answer.json()["batch_no"])
        lines = list(batch.lines.select_related("application"))
        assert (batch.status, batch.approved_by_id, batch.built_by.username) == ("built", None, "finance.a")
        assert batch.count == len(lines) and batch.total_amount == sum(line.application.amount for line in lines)
        assert all(line.amount == line.application.amount for line in lines)


def test_campaign_settings_keep_their_year_and_locked_values(world):  # type: ignore[no-untyped-def]
    from rewards.web.staff.campaign_forms import CampaignSettingsForm

    campaign = Campaign.objects.get(year=2020)
    amounts = {award.level: award.amount for award in campaign.level_awards.all()}
    form = CampaignSettingsForm(campaign=campaign, amounts=amounts, locked=True, readonly=False)
    data: dict[str, Any] = {}
    for name, value in form.initial.items():
        if isinstance(value, list | tuple):
            data[name] = list(value)
        elif value is not None:
            data[name] = str(value)
    data["title"] = campaign.title + "（修订）"
    cheat = {**server_owned(world), "year": "2099", "opens_on": "2020-01-01", "main_window_start": "2000-01-01"}
    for field_name in list(data):
        if field_name.startswith("amount"):
            cheat[field_name] = "9999.00"
    with isolated():
        answer = send(world.client_for("admin"), "POST", reverse("staff:campaign_settings", kwargs={"year": 2020}), data={**data, **cheat})
        after = Campaign.objects.get(pk=campaign.pk)
        assert answer.status == 302 and after.title == data["title"], (answer.status, answer.text()[:2000])  # the form was taken
        assert (after.year, after.opens_on, after.main_window_start) == (2020, campaign.opens_on, campaign.main_window_start)
        assert {award.level: award.amount for award in after.level_awards.all()} == amounts
        assert not Campaign.objects.filter(year=2099).exists()


def test_a_staff_user_cannot_give_themselves_a_role_or_a_union(world):  # type: ignore[no-untyped-def]
    """The own-account pages (password, second factor) take no role or organisation."""
    from tests.conftest import PASSWORD

    cheat = {**server_owned(world), "is_staff": "on", "is_superuser": "on", "username": "admin2"}
    user = world.users["xihu.clerk"]
    client = world.client_for("xihu.clerk", fresh=True)
    with isolated():
        send(
            client,
            "POST",
            reverse("staff:password"),
            data={**cheat, "old_password": PASSWORD, "new_password1": "Another-horse-2021", "new_password2": "Another-horse-2021"},
        )
        send(client, "POST", reverse("staff:account_mfa"), data={**cheat, "code": "000000"})
        user.refresh_from_db()
        assert (user.role, user.organisation_id, user.is_staff, user.is_superuser, user.username) == (
            "grassroots_clerk",
            world.orgs["xihu_grassroots"].pk,
            False,
            False,
            "xihu.clerk",
        )
