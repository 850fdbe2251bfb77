"""Public endpoints: health, the current campaign, the eligibility self-check."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import level_amounts, require_current_campaign
from rewards.core import clock
from rewards.core.vocab import Issuer, Level
from rewards.eligibility.fields import RULE_FIELDS
from rewards.eligibility.services import judge, public_checks

from . import serializers
from .parsers import request_body
from .schema import errors
from .throttling import EligibilityThrottle


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes: list = []


class HealthView(PublicView):
    @extend_schema(
        summary="健康检查",
        parameters=[OpenApiParameter("deep", bool, description="为 1 时同时检查数据库和文件存储")],
        responses={200: serializers.HealthSerializer, 503: serializers.HealthSerializer},
    )
    def get(self, request: Request) -> Response:
        if request.query_params.get("deep") not in ("1", "true"):
            return Response({"status": "ok"})
        body = {"status": "ok", "database": "ok", "storage": "ok"}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            body["database"] = body["status"] = "error"
        try:
            name = default_storage.save(f"health/{uuid.uuid4().hex}", ContentFile(b"ok"))
            default_storage.delete(name)
        except Exception:
            body["storage"] = body["status"] = "error"
        return Response(body, status=200 if body["status"] == "ok" else 503)


def campaign_payload(campaign: Campaign) -> dict[str, Any]:
    amounts = level_amounts(campaign)
    windows = {
        "main": {"start": campaign.main_window_start, "end": campaign.main_window_end},
        "makeup": (
            {"start": campaign.makeup_window_start, "end": campaign.makeup_window_end, "previous_year": campaign.previous_year}
            if campaign.has_makeup_window
            else None
        ),
    }
    return {
        "year": campaign.year,
        "title": campaign.title,
        "opens_on": campaign.opens_on,
        "application_deadline": campaign.application_deadline,
        "declaration_deadline": campaign.declaration_deadline,
        "resubmission_grace_days": campaign.resubmission_grace_days,
        "levels": [
            {"code": code, "label": label, "amount": f"{amounts[code]:.2f}"} for code, label in reversed(Level.choices) if code in amounts
        ],
        "windows": windows,
        "issuers": {
            "counted": [{"code": c, "label": Issuer(c).label} for c in campaign.counted_issuers],
            "with_approved_occupation": [{"code": c, "label": Issuer(c).label} for c in campaign.occupation_issuers],
        },
        "today": clock.today(),
    }


class CurrentCampaignView(PublicView):
    @extend_schema(summary="当前年度奖励活动", responses={200: serializers.CampaignSerializer, **errors(404)})
    def get(self, request: Request) -> Response:
        return Response(campaign_payload(require_current_campaign()))


class EligibilityView(PublicView):
    throttle_classes = [EligibilityThrottle]

    @extend_schema(
        summary="资格自测",
        description="按附件3字段逐条判断六项奖励条件，每条给出是否符合及中文说明。字段格式错误返回 400，且不判断条件。",
        request=serializers.Annex3Serializer,
        responses={200: serializers.EligibilityResultSerializer, **errors(400, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        campaign = require_current_campaign()
        judgement = judge(campaign, dict(request_body(request).items()), required=RULE_FIELDS)
        decision = judgement.decision
        return Response(
            {
                "eligible": decision.eligible,
                "amount": f"{decision.amount:.2f}" if decision.amount is not None else None,
                "is_makeup": decision.is_makeup,
                "checks": public_checks(decision),  # nothing more about a stranger's ID number
            }
        )
