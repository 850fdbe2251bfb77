"""工作进度: Annex 1 with live figures as JSON, and as the Annex 1 workbook."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.request import Request
from rest_framework.response import Response

from rewards.campaigns.selectors import campaign_for_year
from rewards.reports.annex1 import annex1_export
from rewards.reports.downloads import download_response
from rewards.reports.progress import progress, require_progress_role

from .auth import staff_user
from .schema import errors
from .views_reports import FileView
from .views_review import StaffView

YEAR = OpenApiParameter("year", int, description="年度，默认当前活动")

PROGRESS_ROW_FIELDS: dict[str, rf.Field] = {
    "position": rf.IntegerField(allow_null=True, help_text="附件1序号"),
    "union": rf.CharField(help_text="区县（市）、产业工会"),
    "guidance": rf.IntegerField(help_text="指导数（上不封顶）"),
    "submitted": rf.IntegerField(help_text="已申报：不含已撤回"),
    "approved": rf.IntegerField(help_text="审核通过：含已发放和发放失败"),
    "paid": rf.IntegerField(help_text="已发放"),
    "amount": rf.CharField(help_text="已发放金额（元），两位小数"),
    "under_review": rf.IntegerField(help_text="审核中：待初审、待预审/复审、待终审和已退回待补正"),
    "rejected": rf.IntegerField(help_text="不予奖励"),
    "payment_failed": rf.IntegerField(help_text="发放失败待重新发放"),
    "approved_amount": rf.CharField(help_text="核定金额（元）：审核通过的申请的奖励金额之和"),
    "completion": rf.CharField(allow_null=True, help_text="完成率（%）：已申报 ÷ 指导数，一位小数；指导数为 0 时为 null"),
    "filed_by": rf.CharField(
        allow_null=True, help_text="基层工会经办人查看时：本行只统计该基层工会填报的申请（不是整个区县、产业工会的数字）；其他情况为 null"
    ),
}


class ProgressView(StaffView):
    @extend_schema(
        operation_id="stats_progress",
        summary="工作进度（附件1任务分解表，实时）：市总看全部单位，区县（产业）工会只看本单位",
        parameters=[YEAR],
        responses={200: inline_serializer("ProgressRow", PROGRESS_ROW_FIELDS, many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        require_progress_role(staff_user(request))
        board = progress(staff_user(request), campaign_for_year(request.query_params.get("year")))
        return Response([row.as_api() for row in board.rows])


class Annex1XlsxView(FileView):
    @extend_schema(
        operation_id="report_annex1_xlsx",
        summary="任务分解表（附件1，Excel）：指导数及实时工作进度，合计行；按管辖范围",
        parameters=[YEAR],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        require_progress_role(staff_user(request))
        return download_response(annex1_export(user=staff_user(request), year=request.query_params.get("year"), request=request))
