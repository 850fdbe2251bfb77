"""The demo's declarations and training plans (``make run``): every state, through the services, once."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.campaigns.models import OccupationDeclaration
from rewards.core import clock
from rewards.demo.programme import seed_programme
from rewards.training.models import TrainingPlan

pytestmark = pytest.mark.django_db


def test_demo_declarations_in_every_state_and_plans_with_progress(
    campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, business_day
):
    business_day("2020-10-15")
    seed_programme(campaign)
    seed_programme(campaign)  # again: nothing added

    states = sorted(OccupationDeclaration.objects.values_list("status", flat=True))
    assert states == ["approved", "approved", "pending", "pending", "rejected"]
    assert TrainingPlan.objects.count() == 5
    assert TrainingPlan.objects.filter(trained__gt=0).count() == 4
    # Dated as the demo tells it, before its business day (not the real day of seeding).
    today = dt.date(2020, 10, 15)
    for plan in TrainingPlan.objects.all():
        created, updated = (moment.astimezone(clock.SHANGHAI).date() for moment in (plan.created_at, plan.updated_at))
        assert created < today and created <= updated < today, (plan.occupation, created, updated)
    assert TrainingPlan.objects.get(occupation="养老护理员").updated_at == TrainingPlan.objects.get(occupation="养老护理员").created_at
