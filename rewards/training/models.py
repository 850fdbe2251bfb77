"""高技能人才培训 (the notice's section 一, DOMAIN.md §7): each district/industry union records
its training plan for the year, one row per occupation and level (planned trainees, online or
offline, the special fund budget), and its progress (trained, certified, spent). There are no
quotas: the city only sees the totals."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from rewards.campaigns.models import Campaign, occupation_key
from rewards.core import clock
from rewards.core.vocab import Level
from rewards.organisations.models import Organisation


class TrainingMode(models.TextChoices):
    """培训方式: the notice asks for mainly online training during the epidemic."""

    ONLINE = "online", "线上"
    OFFLINE = "offline", "线下"
    BOTH = "both", "线上线下结合"


#: The levels a high-skill training plan aims at (高技能人才: 高级工 and above).
PLAN_LEVELS = (Level.SENIOR_WORKER, Level.TECHNICIAN, Level.SENIOR_TECHNICIAN)


class TrainingPlan(models.Model):
    """One line of a union's training plan: an occupation at a level, and how far it has got."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="training_plans", verbose_name="年度")
    union = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="training_plans", verbose_name="工会")
    occupation = models.CharField("培训职业（工种）", max_length=100)
    occupation_key = models.CharField(max_length=100, editable=False)
    level = models.CharField("培训等级", max_length=30, choices=Level.choices)
    planned_trainees = models.PositiveIntegerField("计划培训人数")
    mode = models.CharField("培训方式", max_length=10, choices=TrainingMode.choices)
    budget = models.DecimalField("专项资金预算（元）", max_digits=12, decimal_places=2)
    trained = models.PositiveIntegerField("已培训人数", default=0)
    certified = models.PositiveIntegerField("已取证人数", default=0)
    spent = models.DecimalField("已支出（元）", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    #: The campaign's time (decisions 84 and 256): with APP_TODAY, a plan is entered and updated on
    #: the business date. ``save`` sets ``updated_at`` as ``auto_now`` did.
    created_at = models.DateTimeField("录入时间", default=clock.business_now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=clock.business_now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更新人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "培训计划"
        verbose_name_plural = "培训计划"
        ordering = ["campaign", "union", "pk"]
        indexes = [models.Index(fields=["campaign", "union"])]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "union", "occupation_key", "level"], name="training_plan_once"),
            models.CheckConstraint(condition=models.Q(planned_trainees__gte=1), name="training_plan_some_trainees"),
            models.CheckConstraint(condition=models.Q(certified__lte=models.F("trained")), name="training_certified_within_trained"),
            models.CheckConstraint(condition=models.Q(budget__gte=Decimal("0")), name="training_budget_not_negative"),
            models.CheckConstraint(condition=models.Q(spent__gte=Decimal("0")), name="training_spent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.union} · {self.occupation} · {self.get_level_display()}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.occupation_key = occupation_key(self.occupation)
        self.updated_at = clock.business_now()
        super().save(*args, **kwargs)
