"""Printed annexes: Annex 3 of one application, Annex 4 of one submitting unit.

Generated on demand and sent as attachments that are never cached; nothing is written to
disk (DOMAIN.md §9). Errors keep the contract's JSON shape whatever the client accepts.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from rewards.reports.annex3 import annex3_pdf
from rewards.reports.annex4 import annex4_export
from rewards.reports.downloads import download_response

from .auth import staff_user
from .schema import errors
from .views_review import StaffView


class FileView(StaffView):
    """A staff endpoint whose success is a file and whose errors are JSON."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # A client asking for application/pdf must still read a JSON error, not a 406.
        return super().perform_content_negotiation(request, force=True)


#: The media type of each downloadable format.
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def by_format(base: type[FileView], operation_id: str, parameters: list[OpenApiParameter], **summaries: str) -> tuple[type[FileView], ...]:
    """One subclass of ``base`` per format (``xlsx=…, pdf=…``: its ``file_format`` and the
    OpenAPI summary), each its own documented operation ``<operation_id>_<format>``."""
    views = []
    for file_format, summary in summaries.items():
        view = type(f"{base.__name__.removesuffix('View')}{file_format.capitalize()}View", (base,), {"file_format": file_format})
        view.__module__ = base.__module__
        schema = extend_schema(
            operation_id=f"{operation_id}_{file_format}",
            summary=summary,
            parameters=parameters,
            responses={(200, MEDIA_TYPES[file_format]): OpenApiTypes.BINARY, **errors(400, 401, 403, 404)},
        )
        views.append(extend_schema_view(get=schema)(view))
    return tuple(views)


class Annex3View(FileView):
    @extend_schema(
        operation_id="review_application_annex3_pdf",
        summary="打印申请表（附件3，PDF；审核意见取自审核记录；完整号码仅限审核人员，导出记入审计日志）",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(401, 403, 404)},
    )
    def get(self, request: Request, no: str) -> HttpResponse:
        return download_response(annex3_pdf(user=staff_user(request), application_no=no, request=request))


ANNEX4_PARAMETERS = [
    OpenApiParameter("org", str, required=True, description="填报单位：区县（产业）工会或基层工会的名称"),
    OpenApiParameter("year", int, description="年度，默认当前活动"),
    OpenApiParameter("per_unit", bool, description="区县（产业）工会：每个基层工会一张表（Excel 一个工作表，PDF 一节）"),
]


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class Annex4View(FileView):
    file_format = "xlsx"

    def get(self, request: Request) -> HttpResponse:
        generated = annex4_export(
            user=staff_user(request),
            org=request.query_params.get("org", ""),
            year=request.query_params.get("year"),
            per_unit=_flag(request.query_params.get("per_unit")),
            file_format=self.file_format,
            request=request,
        )
        return download_response(generated)


Annex4XlsxView, Annex4PdfView = by_format(
    Annex4View,
    "report_annex4",
    ANNEX4_PARAMETERS,
    xlsx="汇总表（附件4，Excel）：一个填报单位的单位统一申报人员",
    pdf="汇总表（附件4，PDF，A4横向）：一个填报单位的单位统一申报人员",
)
