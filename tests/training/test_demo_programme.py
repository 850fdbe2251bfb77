"""The demo's declarations and training plans (``make run``): every state, through the services, once."""

from __future__ import annotations

import pytest

from rewards.campaigns.models import OccupationDeclaration
from rewards.demo.programme import seed_programme
from rewards.training.models import TrainingPlan

pytestmark = pytest.mark.django_db


def test_demo_declarations_in_every_state_and_plans_with_progress(
    campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, business_day
):
    seed_programme(campaign)
    seed_programme(campaign)  # again: nothing added

    states = sorted(OccupationDeclaration.objects.values_list("status", flat=True))
    assert states == ["approved", "approved", "pending", "pending", "rejected"]
    assert TrainingPlan.objects.count() == 5
    assert TrainingPlan.objects.filter(trained__gt=0).count() == 4
