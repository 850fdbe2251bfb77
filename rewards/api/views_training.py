"""高技能人才培训计划 through the API: a union records and updates its plans; the city reads them
with the totals per union; the table as an xlsx."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.request import Request
from rest_framework.response import Response

from rewards.campaigns.selectors import campaign_for_year
from rewards.core.vocab import Level
from rewards.organisations.models import Organisation
from rewards.organisations.selectors import get_organisation_in_scope
from rewards.reports.downloads import download_response
from rewards.training.export import training_export
from rewards.training.models import PLAN_LEVELS, TrainingMode, TrainingPlan
from rewards.training.selectors import Totals, plan_in_scope, plan_list, plan_totals, plans_visible, union_totals
from rewards.training.services import training_plan_create, training_plan_update

from .auth import staff_user
from .parsers import request_body
from .schema import errors
from .views_reports import FileView
from .views_review import StaffView


class PlanSerializer(rf.Serializer):
    id = rf.IntegerField()
    year = rf.IntegerField()
    union = rf.CharField()
    occupation = rf.CharField()
    level = rf.ChoiceField(choices=[(code, Level(code).label) for code in PLAN_LEVELS])
    level_label = rf.CharField()
    planned_trainees = rf.IntegerField()
    mode = rf.ChoiceField(choices=TrainingMode.choices)
    mode_label = rf.CharField()
    budget = rf.CharField(help_text="元，两位小数")
    trained = rf.IntegerField()
    certified = rf.IntegerField()
    spent = rf.CharField(help_text="元，两位小数")
    updated_at = rf.DateTimeField()


class TotalsSerializer(rf.Serializer):
    union = rf.CharField()
    plans = rf.IntegerField()
    planned_trainees = rf.IntegerField()
    trained = rf.IntegerField()
    certified = rf.IntegerField()
    budget = rf.CharField()
    spent = rf.CharField()


class PlanListSerializer(rf.Serializer):
    year = rf.IntegerField()
    count = rf.IntegerField()
    totals = TotalsSerializer()
    results = PlanSerializer(many=True)


class SummarySerializer(rf.Serializer):
    year = rf.IntegerField()
    unions = TotalsSerializer(many=True)
    total = TotalsSerializer()


def plan_body(plan: TrainingPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "year": plan.campaign.year,
        "union": plan.union.name,
        "occupation": plan.occupation,
        "level": plan.level,
        "level_label": Level(plan.level).label,
        "planned_trainees": plan.planned_trainees,
        "mode": plan.mode,
        "mode_label": TrainingMode(plan.mode).label,
        "budget": f"{plan.budget:.2f}",
        "trained": plan.trained,
        "certified": plan.certified,
        "spent": f"{plan.spent:.2f}",
        "updated_at": plan.updated_at,
    }


def totals_body(row: Totals) -> dict[str, Any]:
    return {
        "union": row.label,
        "plans": row.plans,
        "planned_trainees": row.planned,
        "trained": row.trained,
        "certified": row.certified,
        "budget": f"{row.budget:.2f}",
        "spent": f"{row.spent:.2f}",
    }


def _union(request: Request) -> Organisation | None:
    name = request.query_params.get("union", "")
    return get_organisation_in_scope(request.user, name) if name else None


YEAR = OpenApiParameter("year", int, description="年度，默认当前活动")
UNION = OpenApiParameter("union", str, description="区县（市）、产业工会名称（市总用）")
PLAN_IN: dict[str, rf.Field] = {
    "occupation": rf.CharField(max_length=100),
    "level": rf.ChoiceField(choices=[(code, Level(code).label) for code in PLAN_LEVELS]),
    "planned_trainees": rf.IntegerField(min_value=1),
    "mode": rf.ChoiceField(choices=TrainingMode.choices),
    "budget": rf.CharField(help_text="专项资金预算，元"),
}


class PlansView(StaffView):
    @extend_schema(
        operation_id="training_plans_list",
        summary="培训计划（区县（产业）工会看本工会的，市总看全部）",
        parameters=[YEAR, UNION],
        responses={200: PlanListSerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        plans_visible(staff_user(request))  # 403 first
        campaign = campaign_for_year(request.query_params.get("year"))
        plans = plan_list(staff_user(request), campaign=campaign, union=_union(request))
        return Response(
            {
                "year": campaign.year,
                "count": len(plans),
                "totals": totals_body(plan_totals(plans)),
                "results": [plan_body(p) for p in plans],
            }
        )

    @extend_schema(
        operation_id="training_plans_create",
        summary="录入本工会的培训计划（一个职业、一个等级一条）",
        request=inline_serializer("TrainingPlanIn", {"year": rf.IntegerField(required=False), **PLAN_IN}),
        responses={201: PlanSerializer, **errors(400, 401, 403, codes={409: ("not_in_campaign", "already_planned")})},
    )
    def post(self, request: Request) -> Response:
        plan = training_plan_create(user=staff_user(request), data=request_body(request), request=request)
        return Response(plan_body(plan), status=201)


class PlanView(StaffView):
    @extend_schema(operation_id="training_plan_get", summary="一条培训计划", responses={200: PlanSerializer, **errors(401, 403, 404)})
    def get(self, request: Request, plan_id: int) -> Response:
        return Response(plan_body(plan_in_scope(staff_user(request), plan_id)))

    @extend_schema(
        operation_id="training_plan_update",
        summary="更新本工会培训计划的进度（已培训、已取证、已支出；也可修改计划本身）",
        request=inline_serializer(
            "TrainingPlanPatch",
            {
                "trained": rf.IntegerField(min_value=0, required=False),
                "certified": rf.IntegerField(min_value=0, required=False, help_text="不能超过已培训人数"),
                "spent": rf.CharField(required=False, help_text="已支出，元"),
                "occupation": rf.CharField(max_length=100, required=False),
                "level": rf.ChoiceField(choices=[(code, Level(code).label) for code in PLAN_LEVELS], required=False),
                "planned_trainees": rf.IntegerField(min_value=1, required=False),
                "mode": rf.ChoiceField(choices=TrainingMode.choices, required=False),
                "budget": rf.CharField(required=False, help_text="专项资金预算，元"),
            },
        ),
        responses={200: PlanSerializer, **errors(400, 401, 403, 404, codes={409: ("already_planned",)})},
    )
    def patch(self, request: Request, plan_id: int) -> Response:
        return Response(
            plan_body(training_plan_update(user=staff_user(request), plan_id=plan_id, data=request_body(request), request=request))
        )


class SummaryView(StaffView):
    @extend_schema(
        operation_id="training_plans_summary",
        summary="各工会培训计划合计（附件1顺序；区县（产业）工会只看到本工会一行）",
        parameters=[YEAR],
        responses={200: SummarySerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        plans_visible(staff_user(request))
        campaign = campaign_for_year(request.query_params.get("year"))
        rows, total = union_totals(staff_user(request), campaign=campaign)
        return Response({"year": campaign.year, "unions": [totals_body(row) for row in rows], "total": totals_body(total)})


class PlansXlsxView(FileView):
    @extend_schema(
        operation_id="report_training_plans_xlsx",
        summary="培训计划表（Excel：按工会汇总和计划明细）",
        parameters=[YEAR, UNION],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        plans_visible(staff_user(request))
        campaign = campaign_for_year(request.query_params.get("year"))
        return download_response(training_export(user=staff_user(request), campaign=campaign, union=_union(request), request=request))
