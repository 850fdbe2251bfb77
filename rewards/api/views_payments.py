"""核发 through the API: batches, the bank file, the bank's results, reversals."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from rewards.campaigns.selectors import campaign_by_year, parse_year
from rewards.core.errors import Forbidden, InvalidInput, NotFound
from rewards.organisations.models import OrgKind, Role
from rewards.organisations.selectors import organisation_by_name
from rewards.payments.models import PaymentBatch
from rewards.payments.services import (
    payment_batch_approve,
    payment_batch_build,
    payment_batch_cancel,
    payment_batch_file,
    payment_line_reversal,
    payment_results_import,
)

from .auth import staff_user
from .parsers import request_body
from .schema import errors
from .views_review import StaffView

BatchOut = inline_serializer(
    "PaymentBatchOut", {"batch_no": rf.CharField(), "count": rf.IntegerField(), "total_amount": rf.CharField(), "status": rf.CharField()}
)


#: Why a build is refused (409): nothing to pay, a key reused, another build running, numbers used up.
BUILD_CONFLICTS = ("nothing_to_pay", "idempotency_key_reused", "concurrent_build", "batch_build_in_progress", "batch_numbers_used_up")


def _batch_body(batch: PaymentBatch) -> dict[str, Any]:
    return {"batch_no": batch.batch_no, "count": batch.count, "total_amount": f"{batch.total_amount:.2f}", "status": batch.status}


class BatchesView(StaffView):
    @extend_schema(
        summary="生成核发批次（所有已审核通过、未在其他批次中的申请）",
        description=(
            "一个批次属于一个年度（按该年度的奖励标准）。不指定 year 时：本年度有待发放的申请则为本年度，"
            "否则为有待发放申请的最早年度（如上一年度发放失败后更正银行卡的申请）。"
        ),
        request=inline_serializer(
            "PaymentBatchIn",
            {
                "union": rf.CharField(required=False, help_text="只发放该区县（产业）工会的申请"),
                "year": rf.IntegerField(required=False, help_text="年度；不指定时见上"),
            },
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="幂等键，最多 100 个字符：同一财务人员以同一键再次请求，答复原批次",
            )
        ],
        responses={
            201: BatchOut,
            **errors(400, 401, 403, 404, codes={409: BUILD_CONFLICTS}),
        },
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        union = None
        if data.get("union"):
            union = organisation_by_name(str(data["union"]), kind=OrgKind.DISTRICT)
            if union is None:
                raise NotFound("没有找到该区县（产业）工会。")
        campaign = None
        year = parse_year(data.get("year"))  # the one check of a year (decision 268)
        if year is not None:
            campaign = campaign_by_year(year)
            if campaign is None:
                raise NotFound(f"没有 {year} 年度的奖励活动。")
        batch, created = payment_batch_build(
            user=staff_user(request),
            campaign=campaign,
            union=union,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            request=request,
        )
        # A replay answers as the first request did (API.md: the same key returns the same batch).
        return Response(_batch_body(batch), status=201, headers={} if created else {"Idempotent-Replayed": "true"})


class ApproveView(StaffView):
    @extend_schema(
        summary="复核核发批次（不能复核自己生成的批次）",
        request=None,
        responses={200: BatchOut, **errors(401, 403, 404, codes={409: ("wrong_stage", "content_changed", "changed_since_build")})},
    )
    def post(self, request: Request, no: str) -> Response:
        return Response(_batch_body(payment_batch_approve(user=staff_user(request), batch_no=no, request=request)))


class CancelView(StaffView):
    @extend_schema(
        summary="作废核发批次（下载发放文件之前）",
        request=None,
        responses={200: BatchOut, **errors(401, 403, 404, codes={409: ("already_sent",)})},
    )
    def post(self, request: Request, no: str) -> Response:
        return Response(_batch_body(payment_batch_cancel(user=staff_user(request), batch_no=no, request=request)))


class FileView(StaffView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # ``?format=xlsx`` names the bank file's format, not a DRF renderer: without this, DRF's
        # format override answered 404 for ``format=csv`` and ``format=xlsx`` alike.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="下载银行发放文件（CSV，UTF-8 带 BOM；首次下载即视为已报送银行）",
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv（默认）或 xlsx；其他值回答 400")],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            **errors(400, 401, 403, 404, codes={409: ("not_approved", "cancelled", "content_changed", "nothing_to_send")}),
        },
    )
    def get(self, request: Request, no: str) -> HttpResponse:
        fmt = (request.query_params.get("format") or "csv").strip().lower()  # another format: 400 from the service
        content, batch = payment_batch_file(user=staff_user(request), batch_no=no, request=request, fmt=fmt)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv; charset=utf-8"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{batch.batch_no}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


class ResultsView(StaffView):
    @extend_schema(
        summary="导入银行回单（reference,amount,result,reason），整份文件全部接受或全部拒绝",
        description=(
            "file：CSV（UTF-8 或 GBK 编码），表头 reference,amount,result,reason；表头不区分大小写和全角、半角，"
            "两端空格不计（如 ＲＥＳＵＬＴ、Result 均可）。每笔一行：reference 付款参考号；amount 金额（元，与发放文件相同）；"
            "result 为 success 或 成功（发放成功）、failure 或 失败（发放失败），同样不区分大小写和全角、半角，不能为空；"
            "reason 为发放失败的原因（发放失败时必填）。有任何一行无法接受，整份文件不导入（400/409，error.reasons 逐行说明）；"
            '同一份文件再次导入答复 {"paid": 0, "failed": 0}。'
        ),
        request={
            "multipart/form-data": inline_serializer(
                "ResultsUpload",
                {
                    "file": rf.FileField(
                        help_text="银行回单 CSV：表头 reference,amount,result,reason，result 为 success/成功 或 failure/失败"
                    )
                },
            )
        },
        responses={
            200: inline_serializer("ResultsOut", {"paid": rf.IntegerField(), "failed": rf.IntegerField()}),
            **errors(401, 403, 404, codes={400: ("invalid_input", "invalid_result_file"), 409: ("not_sent",)}),
        },
    )
    def post(self, request: Request, no: str) -> Response:
        if staff_user(request).role != Role.FINANCE_OFFICER:  # 403 before the body's 400 (API.md order)
            raise Forbidden("只有市总工会财务人员可以办理奖励核发。")
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(fields={"file": ["请上传银行回单文件。"]})
        return Response(payment_results_import(user=staff_user(request), batch_no=no, content=upload.read(), request=request))


class ReversalView(StaffView):
    @extend_schema(
        summary="登记退汇（银行在发放成功后退回的款项）",
        request=inline_serializer("ReversalIn", {"reason": rf.CharField()}),
        responses={
            200: inline_serializer("ReversalOut", {"reference": rf.CharField(), "status": rf.CharField()}),
            **errors(400, 401, 403, 404, codes={409: ("wrong_stage",)}),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        line = payment_line_reversal(
            user=staff_user(request), reference=reference, reason=request_body(request).get("reason", ""), request=request
        )
        return Response({"reference": line.reference, "status": line.status})
