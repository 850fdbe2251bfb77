"""Staff endpoints: token, the review queue, one application, decisions, signals, materials."""

from __future__ import annotations

import re

from django.http import FileResponse, QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rewards.applications.models import AttachmentKind, FlagCode
from rewards.applications.serving import material_response
from rewards.campaigns.selectors import parse_year
from rewards.core.audit import audit
from rewards.core.errors import Forbidden, InvalidInput, NotFound
from rewards.core.masking import mask_digit_runs
from rewards.core.text import clean
from rewards.core.vocab import Channel, Level, Status
from rewards.identity.services import staff_token_issue, staff_token_revoke
from rewards.organisations.models import StaffUser
from rewards.reports.access import denial_recorded
from rewards.review import selectors
from rewards.review.flags import ensure_signals
from rewards.review.services import REVIEWER_ROLES, application_in_scope, flag_resolve, review_decide, sees_full_numbers

from . import serializers
from .auth import IsStaff, StaffTokenAuthentication, bearer, staff_user
from .parsers import request_body
from .schema import errors

READ_ROLES = REVIEWER_ROLES | {"auditor", "finance_officer", "economic_officer"}


class StaffView(APIView):
    authentication_classes = [StaffTokenAuthentication]
    permission_classes = [IsStaff]

    def handle_exception(self, exc: Exception) -> Response:
        """Every refusal of a signed-in staff user (403 wrong role, 404 absent or outside the
        caller's subtree) is an ``access.denied`` audit entry (SECURITY.md 1, 17), as on the pages."""
        response = super().handle_exception(exc)
        user = self.request.user  # None before authentication (a 401)
        if response.status_code in (403, 404) and isinstance(user, StaffUser) and user.role and not denial_recorded(self.request):
            audit(
                "access.denied",
                actor=user,
                request=self.request,
                result="denied",
                detail={
                    "path": mask_digit_runs(self.request.path[:200]),
                    "method": self.request.method,
                    "reason": "role" if response.status_code == 403 else "not_found",
                    "what": "api",
                    **{key: mask_digit_runs(str(value)[:40]) for key, value in (self.kwargs or {}).items()},
                },
            )
        return response


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        summary="工作人员登录，取得令牌",
        description=(
            "已绑定验证器的账号（以及 STAFF_MFA_ROLES 中的角色）须同时提交验证器上的 6 位动态验证码 otp；"
            "须使用两步验证而尚未绑定验证器的账号，请先登录审核工作台绑定。任何失败（用户名、密码、动态验证码、"
            "未绑定）都是同一个 401 回答，不透露是哪一项不对；锁定期间为 429。令牌连续 30 分钟未使用即失效"
            "（STAFF_SESSION_IDLE_MINUTES），无论是否使用，到 expires_at（签发后 8 小时，STAFF_TOKEN_MAX_HOURS，"
            "不超过 STAFF_SESSION_MAX_HOURS）也失效；失效的令牌与无效令牌一样回答 401 not_authenticated。"
        ),
        request=inline_serializer(
            "TokenRequest",
            {
                "username": rf.CharField(),
                "password": rf.CharField(),
                "otp": rf.CharField(required=False, help_text="动态验证码（两步验证）"),
            },
        ),
        responses={
            200: inline_serializer("StaffTokenOut", {"token": rf.CharField(), "expires_at": rf.DateTimeField()}),
            **errors(400, 401, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        token, expires = staff_token_issue(
            username=str(data.get("username", "")),
            password=str(data.get("password", "")),
            otp=str(data.get("otp", "")),
            request=request,
        )
        return Response({"token": token, "expires_at": expires})

    @extend_schema(
        summary="退出登录：当前工作人员令牌立即失效",
        request=None,
        responses={204: None, **errors(401)},
        # drf-spectacular annotates ``auth`` as ``Sequence[str]``; it takes security requirement objects.
        auth=[{"staffToken": []}],  # type: ignore[list-item]
    )
    def delete(self, request: Request) -> Response:
        staff_token_revoke(bearer(request) or "", request=request)
        return Response(status=204)


def _reader(request: Request) -> StaffUser:
    """The caller, whose role may read applications (403 otherwise)."""
    user = staff_user(request)
    if user.role not in READ_ROLES:
        raise Forbidden()
    return user


FILTERS = ("status", "union", "org", "level", "flag", "channel", "q", "year")


#: The coded filters and the values each takes; an unknown value is a 400, not an empty list.
FILTER_CODES = {
    "status": (frozenset(Status.values), "状态", True),
    "level": (frozenset(Level.values), "等级", False),
    "channel": (frozenset(Channel.values), "申报方式", False),
    "flag": (frozenset({"any", "hard", *FlagCode.values}), "风险信号", False),
}


def _check_codes(filters: dict[str, str]) -> None:
    errors = {}
    for name, (known, label, many) in FILTER_CODES.items():
        values = [value for value in filters[name].split(",") if value] if many else [filters[name]] if filters[name] else []
        unknown = [value for value in values if value not in known]
        if unknown:
            errors[name] = [f"未知的{label}：{'、'.join(unknown[:5])}；可选值：{'、'.join(sorted(known))}。"]
    if errors:
        raise InvalidInput(fields=errors)


def _page(raw: str) -> int:
    """``page``: absent or empty is the first; anything but a whole number from 1 is refused, as
    ``page_size`` and ``year`` are (decision 279), not read as the first page; a page past the
    end is an empty one."""
    if not raw:
        return 1
    if not re.fullmatch(r"[0-9]{1,20}", raw) or int(raw) < 1:
        raise InvalidInput(fields={"page": ["页码应为从 1 开始的整数。"]})
    return int(raw)


def _page_size(raw: str) -> int:
    """``page_size``: absent or empty is the default; anything but 1 … 200 is refused (a tool
    asking for 10 000 rows at once would hold a worker for seconds)."""
    if not raw:
        return selectors.PAGE_SIZE
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= selectors.MAX_PAGE_SIZE:
        raise InvalidInput(fields={"page_size": [f"每页条数应为 1 至 {selectors.MAX_PAGE_SIZE} 之间的整数。"]})
    return int(raw)


class QueueView(StaffView):
    @extend_schema(
        summary="审核列表（限本组织及下级）",
        operation_id="review_applications_list",
        parameters=[OpenApiParameter(name, int if name == "year" else str) for name in FILTERS]
        + [
            OpenApiParameter("page", int, description="页码，从 1 开始，默认 1；超过末页时 results 为空"),
            OpenApiParameter("page_size", int, description=f"每页条数，1 至 {selectors.MAX_PAGE_SIZE}，默认 {selectors.PAGE_SIZE}"),
        ],
        responses={200: serializers.QueueSerializer, **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        user = _reader(request)
        filters = {name: clean(request.query_params.get(name, "")) for name in FILTERS}  # no NUL reaches a query
        if filters["year"]:  # the one check of a year (decision 268); was a 500 (found by schemathesis)
            filters["year"] = str(parse_year(filters["year"]))
        _check_codes(filters)
        page = _page(request.query_params.get("page", ""))
        size = _page_size(request.query_params.get("page_size", ""))
        counts = selectors.status_counts(user, filters)
        count = selectors.total_from_counts(counts, filters.get("status", ""))
        start = (page - 1) * size
        # A page past the end is empty without asking the database (a huge page number overflowed
        # the database's integer: a 500, found by schemathesis).
        queryset = selectors.queue_page_query(user, filters, matches=count, end=start + size)
        rows = list(queryset[start : start + size]) if start < count else []
        return Response(
            {
                "count": count,
                "page": page,
                "page_size": size,
                "counts": counts,
                "results": selectors.queue_rows(rows),
            }
        )


class DetailView(StaffView):
    @extend_schema(
        summary="申请详情（完整信息的查看会记入审计日志）", responses={200: serializers.DetailSerializer, **errors(401, 403, 404)}
    )
    def get(self, request: Request, no: str) -> Response:
        user = _reader(request)
        application = application_in_scope(user, no)
        ensure_signals(application)
        full = sees_full_numbers(user)
        if full:
            audit("application.view_full", obj=application, request=request, actor=user)
        return Response(selectors.detail(application, full=full, reader=user))


class DecisionView(StaffView):
    @extend_schema(
        summary="审核决定：通过、退回修改或不予奖励",
        description=(
            "退回修改时可用 materials 列出需重新上传的材料（id_card 身份证、certificate 技能等级证书、bank_card 银行卡），"
            "职工重新提交时须上传这些材料的新文件；未知的材料代码，或通过、不予奖励时给出 materials，回答 400。"
        ),
        request=inline_serializer(
            "DecisionIn",
            {
                "decision": rf.ChoiceField(choices=["approve", "return", "reject"]),
                "opinion": rf.CharField(required=False),
                "materials": rf.ListField(
                    child=rf.ChoiceField(choices=AttachmentKind.choices),
                    required=False,
                    help_text="仅退回修改：需重新上传的材料",
                ),
            },
        ),
        responses={
            200: inline_serializer("DecisionOut", {"status": rf.CharField()}),
            **errors(400, 401, 403, 404, codes={409: ("wrong_stage", "unresolved_flag")}),
        },
    )
    def post(self, request: Request, no: str) -> Response:
        data = request_body(request)
        application = review_decide(
            user=staff_user(request),
            application_no=no,
            decision=str(data.get("decision", "")),
            opinion=data.get("opinion", ""),
            # A form's body repeats the key (materials=id_card&materials=bank_card); JSON gives a list.
            materials=data.getlist("materials") if isinstance(data, QueryDict) else data.get("materials"),
            request=request,
        )
        return Response({"status": application.status})


class FlagResolveView(StaffView):
    @extend_schema(
        summary="处理风险信号（写明核实情况）",
        request=inline_serializer("FlagResolveIn", {"note": rf.CharField()}),
        responses={
            200: inline_serializer(
                "FlagResolveOut",
                {"code": rf.CharField(), "resolved_at": rf.DateTimeField(), "resolved_by": rf.CharField(), "note": rf.CharField()},
            ),
            **errors(400, 401, 403, 404, codes={409: ("already_resolved",)}),
        },
    )
    def post(self, request: Request, no: str, flag: str) -> Response:
        resolved = flag_resolve(
            user=staff_user(request), application_no=no, code=flag, note=request_body(request).get("note", ""), request=request
        )
        return Response(
            {
                "code": resolved.code,
                "resolved_at": resolved.resolved_at,
                "resolved_by": str(resolved.resolved_by),
                "note": resolved.resolution_note,
            }
        )


class AttachmentView(StaffView):
    @extend_schema(
        summary="申请材料（仅限管辖范围内的工作人员）",
        # Materials are JPEG, PNG or PDF, checked by content on upload (SECURITY.md 13).
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in ("image/jpeg", "image/png", "application/pdf")},
            **errors(401, 403, codes={404: ("not_found", "material_missing", "material_purged")}),
        },
    )
    def get(self, request: Request, no: str, attachment_id: int) -> FileResponse:
        user = _reader(request)
        if user.role not in REVIEWER_ROLES:  # the scans show full numbers (DOMAIN.md §9)
            raise Forbidden("申请材料原件只有审核人员可以查看。")
        application = application_in_scope(user, no)
        attachment = application.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        # or 404 material_purged (destroyed at the end of retention), material_missing (lost)
        response = material_response(attachment, name=f"{application.application_no}-{attachment.kind}")
        audit(
            "application.view_attachment",
            obj=application,
            request=request,
            actor=user,
            detail={"attachment": attachment.pk, "kind": attachment.kind},
        )
        return response
