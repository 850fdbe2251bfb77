"""非通用性职业申报 (Annex 5) through the API: declare, list, decide, and the printed Annex 5."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.request import Request
from rest_framework.response import Response

from rewards.campaigns.declarations import (
    declaration_in_scope,
    declaration_list,
    declarations_visible,
    occupation_declaration_decide,
    occupation_declaration_withdraw,
    occupation_declare,
    union_quota,
)
from rewards.campaigns.models import DeclarationStatus, OccupationDeclaration
from rewards.campaigns.selectors import campaign_for_year
from rewards.core.errors import InvalidInput
from rewards.organisations.models import OrgKind
from rewards.organisations.selectors import get_organisation_in_scope
from rewards.reports.annex5 import annex5_export
from rewards.reports.downloads import download_response

from .auth import staff_user
from .parsers import request_body
from .schema import errors
from .views_reports import FileView, by_format
from .views_review import StaffView


class DeclarationSerializer(rf.Serializer):
    id = rf.IntegerField()
    year = rf.IntegerField()
    union = rf.CharField()
    occupation = rf.CharField()
    reason = rf.CharField()
    status = rf.ChoiceField(choices=DeclarationStatus.choices)
    status_label = rf.CharField()
    opinion = rf.CharField(allow_blank=True)
    declared_at = rf.DateTimeField()
    declared_by = rf.CharField(allow_blank=True)
    decided_at = rf.DateTimeField(allow_null=True)
    decided_by = rf.CharField(allow_blank=True)


class QuotaSerializer(rf.Serializer):
    union = rf.CharField()
    limit = rf.IntegerField()
    used = rf.IntegerField()
    remaining = rf.IntegerField()
    deadline = rf.DateField(allow_null=True)
    open = rf.BooleanField()


class DeclarationListSerializer(rf.Serializer):
    year = rf.IntegerField()
    declaration_deadline = rf.DateField(allow_null=True)
    declaration_limit = rf.IntegerField()
    count = rf.IntegerField()
    quota = QuotaSerializer(allow_null=True, help_text="区县（产业）工会：本工会已申报和还可申报的项数")
    results = DeclarationSerializer(many=True)


def declaration_body(declaration: OccupationDeclaration) -> dict[str, Any]:
    return {
        "id": declaration.pk,
        "year": declaration.campaign.year,
        "union": declaration.union.name,
        "occupation": declaration.occupation,
        "reason": declaration.reason,
        "status": declaration.status,
        "status_label": DeclarationStatus(declaration.status).label,
        "opinion": declaration.opinion,
        "declared_at": declaration.created_at,
        "declared_by": str(declaration.declared_by) if declaration.declared_by_id else "",
        "decided_at": declaration.decided_at,
        "decided_by": str(declaration.decided_by) if declaration.decided_by_id else "",
    }


class DeclarationsView(StaffView):
    @extend_schema(
        operation_id="occupation_declarations_list",
        summary="非通用性职业申报列表（区县（产业）工会看本工会的，市总看全部）",
        parameters=[
            OpenApiParameter("year", int, description="年度，默认当前活动"),
            OpenApiParameter("union", str, description="区县（市）、产业工会名称（市总用）"),
            OpenApiParameter("status", str, enum=DeclarationStatus.values),
        ],
        responses={200: DeclarationListSerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        user = staff_user(request)
        declarations_visible(user)  # 403 before anything else is read
        campaign = campaign_for_year(request.query_params.get("year"))
        union = None
        if request.query_params.get("union"):
            union = get_organisation_in_scope(user, request.query_params["union"])
        status = request.query_params.get("status", "")
        if status and status not in DeclarationStatus.values:
            allowed = "、".join(f"{code}（{label}）" for code, label in DeclarationStatus.choices)
            raise InvalidInput(fields={"status": [f"状态应为以下之一：{allowed}。"]})
        rows = declaration_list(user, campaign=campaign, union=union, status=status)
        quota = None
        own = user.organisation
        if own is not None and own.kind == OrgKind.DISTRICT:
            found = union_quota(campaign, own)
            quota = {
                "union": own.name,
                "limit": found.limit,
                "used": found.used,
                "remaining": found.remaining,
                "deadline": found.deadline,
                "open": not found.closed_reason,
            }
        return Response(
            {
                "year": campaign.year,
                "declaration_deadline": campaign.declaration_deadline,
                "declaration_limit": campaign.declaration_limit,
                "count": len(rows),
                "quota": quota,
                "results": [declaration_body(row) for row in rows],
            }
        )

    @extend_schema(
        operation_id="occupation_declarations_create",
        summary="申报非通用性职业（区县（产业）工会审核人，为本工会；截止日当天仍可申报）",
        request=inline_serializer("DeclarationIn", {"occupation": rf.CharField(max_length=100), "reason": rf.CharField()}),
        responses={
            201: DeclarationSerializer,
            **errors(
                400, 401, 403, 404, codes={409: ("deadline_passed", "not_open", "not_in_campaign", "already_declared", "limit_reached")}
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        declaration = occupation_declare(
            user=staff_user(request),
            occupation=data.get("occupation", ""),
            reason=data.get("reason", ""),
            request=request,
        )
        return Response(declaration_body(declaration), status=201)


class DeclarationView(StaffView):
    @extend_schema(
        operation_id="occupation_declaration_get",
        summary="一项非通用性职业申报",
        responses={200: DeclarationSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, declaration_id: int) -> Response:
        return Response(declaration_body(declaration_in_scope(staff_user(request), declaration_id)))


class DeclarationDecisionView(StaffView):
    @extend_schema(
        operation_id="occupation_declaration_decide",
        summary="经济部审核非通用性职业申报：备案同意或不同意（不同意须填写意见；只能审核一次）",
        request=inline_serializer(
            "DeclarationDecisionIn",
            {"decision": rf.ChoiceField(choices=["approve", "reject"]), "opinion": rf.CharField(required=False, allow_blank=True)},
        ),
        responses={200: DeclarationSerializer, **errors(400, 401, 403, 404, codes={409: ("already_decided",)})},
    )
    def post(self, request: Request, declaration_id: int) -> Response:
        data = request_body(request)
        declaration = occupation_declaration_decide(
            user=staff_user(request),
            declaration_id=declaration_id,
            decision=str(data.get("decision", "")),
            opinion=data.get("opinion", ""),
            request=request,
        )
        return Response(declaration_body(declaration))


class DeclarationWithdrawView(StaffView):
    @extend_schema(
        operation_id="occupation_declaration_withdraw",
        summary="区县（产业）工会撤回本工会尚待审核的非通用性职业申报（撤回后名额空出）",
        request=None,
        responses={200: DeclarationSerializer, **errors(401, 403, 404, codes={409: ("already_decided", "wrong_campaign")})},
    )
    def post(self, request: Request, declaration_id: int) -> Response:
        declaration = occupation_declaration_withdraw(user=staff_user(request), declaration_id=declaration_id, request=request)
        return Response(declaration_body(declaration))


ANNEX5_PARAMETERS = [
    OpenApiParameter("year", int, description="年度，默认当前活动"),
    OpenApiParameter("union", str, description="区县（市）、产业工会名称；区县（产业）工会默认本工会，市总不填则每个申报单位一张表"),
]


class Annex5View(FileView):
    file_format = "xlsx"

    def get(self, request: Request) -> HttpResponse:
        generated = annex5_export(
            user=staff_user(request),
            union=request.query_params.get("union", ""),
            year=request.query_params.get("year"),
            file_format=self.file_format,
            request=request,
        )
        return download_response(generated)


Annex5XlsxView, Annex5PdfView = by_format(
    Annex5View,
    "report_annex5",
    ANNEX5_PARAMETERS,
    xlsx="非通用性职业（工种）奖励项目申报表（附件5，Excel）",
    pdf="非通用性职业（工种）奖励项目申报表（附件5，PDF，A4）",
)
