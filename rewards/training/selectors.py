"""Reads of training plans, scoped: a district/industry union sees its own; the city's reviewers,
economic department and auditors see every union's, with the totals per union in Annex 1 order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from rewards.campaigns.models import Campaign, CampaignUnit
from rewards.core.errors import Forbidden, NotFound
from rewards.organisations.models import Organisation, Role, StaffUser
from rewards.organisations.selectors import scope_to_subtree

from .models import TrainingPlan

#: API.md "Roles": the union records its own; the economic department sees plans and progress;
#: the city's reviewers and auditors read everything.
READ_ROLES = frozenset({Role.DISTRICT_REVIEWER, Role.ECONOMIC_OFFICER, Role.CITY_REVIEWER, Role.AUDITOR})
ZERO = Decimal("0.00")


@dataclass
class Totals:
    """One union's (or the city's) figures: plan lines, people and money."""

    label: str
    union: Organisation | None = None
    plans: int = 0
    planned: int = 0
    trained: int = 0
    certified: int = 0
    budget: Decimal = ZERO
    spent: Decimal = ZERO

    def add(self, other: Totals) -> None:
        self.plans += other.plans
        self.planned += other.planned
        self.trained += other.trained
        self.certified += other.certified
        self.budget += other.budget
        self.spent += other.spent

    @property
    def trained_rate(self) -> float | None:
        """已培训 / 计划 in per cent; None with nothing planned."""
        return round(self.trained * 100 / self.planned, 1) if self.planned else None

    @property
    def certified_rate(self) -> float | None:
        """已取证 / 已培训 in per cent; None with nobody trained."""
        return round(self.certified * 100 / self.trained, 1) if self.trained else None


def require_read(user: StaffUser) -> None:
    if user.role not in READ_ROLES:
        raise Forbidden("您的角色不能查看培训计划。")


def plans_visible(user: StaffUser) -> QuerySet[TrainingPlan]:
    require_read(user)
    return scope_to_subtree(TrainingPlan.objects.all(), user, org_field="union")


def plan_list(user: StaffUser, *, campaign: Campaign, union: Organisation | None = None) -> list[TrainingPlan]:
    queryset = plans_visible(user).filter(campaign=campaign)
    if union is not None:
        queryset = queryset.filter(union=union)
    return list(queryset.select_related("campaign", "union").order_by("union__position", "union__name", "pk"))


def plan_in_scope(user: StaffUser, plan_id: int | str) -> TrainingPlan:
    try:
        pk = int(str(plan_id))
    except ValueError:
        raise NotFound("没有找到该培训计划，或不在您的管辖范围内。") from None
    plan = plans_visible(user).select_related("campaign", "union").filter(pk=pk).first()
    if plan is None:
        raise NotFound("没有找到该培训计划，或不在您的管辖范围内。")
    return plan


def plan_totals(plans: list[TrainingPlan], label: str = "合计") -> Totals:
    totals = Totals(label=label)
    for plan in plans:
        totals.add(
            Totals(
                label="",
                plans=1,
                planned=plan.planned_trainees,
                trained=plan.trained,
                certified=plan.certified,
                budget=plan.budget,
                spent=plan.spent,
            )
        )
    return totals


def union_totals(user: StaffUser, *, campaign: Campaign) -> tuple[list[Totals], Totals]:
    """One row per union of the campaign the caller may see (Annex 1 order, unions without a
    plan included with zeros), and the total of those rows."""
    scoped = plans_visible(user).filter(campaign=campaign)
    sums: dict[int, Mapping[str, Any]] = {
        row["union_id"]: row
        for row in scoped.order_by()
        .values("union_id")
        .annotate(
            plans=Count("pk"),
            planned=Sum("planned_trainees"),
            trained=Sum("trained"),
            certified=Sum("certified"),
            budget=Sum("budget"),
            spent=Sum("spent"),
        )
    }
    units = scope_to_subtree(CampaignUnit.objects.filter(campaign=campaign), user, org_field="organisation")
    rows: list[Totals] = []
    for unit in units.select_related("organisation").order_by("position"):
        found = sums.pop(unit.organisation_id, {})
        rows.append(_row(unit.organisation, found))
    if sums:  # plans of a union no longer listed in the campaign: shown, never dropped
        for union in Organisation.objects.filter(pk__in=sums).order_by("name"):
            rows.append(_row(union, sums[union.pk]))
    total = Totals(label="合计")
    for row in rows:
        total.add(row)
    return rows, total


def _row(union: Organisation, found: Mapping[str, Any]) -> Totals:
    return Totals(
        label=union.name,
        union=union,
        plans=found.get("plans") or 0,
        planned=found.get("planned") or 0,
        trained=found.get("trained") or 0,
        certified=found.get("certified") or 0,
        budget=found.get("budget") or ZERO,
        spent=found.get("spent") or ZERO,
    )
