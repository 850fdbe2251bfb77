"""Worker endpoints: SMS sign-in, the public status query, applying, correcting, withdrawing."""

from __future__ import annotations

import functools
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rewards.applications import selectors
from rewards.applications.materials import FIELD_FOR_KIND
from rewards.applications.services import application_resubmit, application_submit, application_withdraw, query_password_reissue
from rewards.campaigns.selectors import require_current_campaign
from rewards.core import throttle
from rewards.core.audit import client_ip
from rewards.core.errors import DomainError
from rewards.identity.services import applicant_token_revoke, otp_request, otp_verify

from . import serializers
from .auth import ApplicantTokenAuthentication, IsApplicant, applicant_user, bearer
from .parsers import request_body
from .schema import errors

#: The rules' refusals that conflict with the current state (409 with error.checks, not 422 ineligible).
RULE_CONFLICTS = ("already_awarded", "already_pending", "already_rejected", "deadline_passed")


def _form(request: Request) -> dict[str, Any]:
    return {key: value for key, value in request_body(request).items() if key not in FIELD_FOR_KIND.values()}


def _files(request: Request) -> dict[str, Any]:
    return {field: request.FILES.get(field) for field in FIELD_FOR_KIND.values()}


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes: list = []


class ApplicantView(APIView):
    authentication_classes = [ApplicantTokenAuthentication]
    permission_classes = [IsApplicant]


class OtpView(PublicView):
    @extend_schema(
        summary="获取登录短信验证码",
        request=inline_serializer("OtpRequest", {"id_number": rf.CharField(), "name": rf.CharField()}),
        responses={
            202: inline_serializer("OtpSent", {"sent": rf.BooleanField(), "expires_in": rf.IntegerField()}),
            **errors(400, 429, codes={403: ("not_verified_member", "no_phone_on_file")}),
        },
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        otp_request(id_number=str(data.get("id_number", "")), name=str(data.get("name", "")), request=request)
        return Response({"sent": True, "expires_in": 600}, status=202)


class SessionView(PublicView):
    @extend_schema(
        summary="用验证码登录，取得职工令牌",
        request=inline_serializer("SessionRequest", {"id_number": rf.CharField(), "code": rf.CharField()}),
        responses={200: inline_serializer("SessionToken", {"token": rf.CharField(), "expires_in": rf.IntegerField()}), **errors(400, 401)},
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        token = otp_verify(id_number=str(data.get("id_number", "")), code=str(data.get("code", "")), request=request)
        return Response({"token": token, "expires_in": 1800})

    @extend_schema(
        summary="退出登录：当前职工令牌立即失效",
        request=None,
        responses={204: None, **errors(401)},
        # drf-spectacular annotates ``auth`` as ``Sequence[str]``; it takes security requirement objects.
        auth=[{"applicantToken": []}],  # type: ignore[list-item]
    )
    def delete(self, request: Request) -> Response:
        applicant_token_revoke(bearer(request) or "", request=request)
        return Response(status=204)


class QueryView(PublicView):
    @extend_schema(
        summary="凭身份证号码和查询密码查询申请状态",
        request=inline_serializer("QueryRequest", {"id_number": rf.CharField(), "query_password": rf.CharField()}),
        responses={200: serializers.StatusSerializer, **errors(400, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        payload = selectors.query_status(
            id_number=str(data.get("id_number", "")),
            query_password=str(data.get("query_password", "")),
            client=client_ip(request) or "-",
        )
        return Response(payload)


class MyApplicationsView(ApplicantView):
    @extend_schema(summary="我的申请（各年度、各申报方式）", responses={200: serializers.StatusSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        return Response([selectors.status_payload(app) for app in selectors.applicant_applications(applicant_user(request).id_hash)])


class ApplicationsView(ApplicantView):
    @extend_schema(
        summary="提交申请（附件3字段和三份材料）",
        request={"multipart/form-data": serializers.SubmissionSerializer},
        responses={
            201: serializers.SubmittedSerializer,
            **errors(400, 401, 403, 404, 422, 429, codes={409: (*RULE_CONFLICTS, "not_open", "not_a_member")}),
        },
    )
    def post(self, request: Request) -> Response:
        key = applicant_user(request).id_hash
        throttle.check("submission", key, message="提交过于频繁，请稍后再试。")
        try:
            result = application_submit(
                campaign=require_current_campaign(),
                data=_form(request),
                files=_files(request),
                applicant_id_hash=key,
                request=request,
                # A successful attempt is counted in the submission's own transaction (one
                # commit, not two); a refused one on its own, as before.
                in_transaction=functools.partial(throttle.record, "submission", key),
            )
        except (DomainError, APIException):  # refused, a malformed body too; a server fault is not counted
            throttle.record("submission", key)
            raise
        application = result.application
        return Response(
            {
                "application_no": application.application_no,
                "query_password": result.query_password,
                "status": application.status,
                "amount": f"{application.amount:.2f}" if application.amount is not None else None,
            },
            status=201,
        )


class ResubmitView(ApplicantView):
    @extend_schema(
        summary="修改后重新提交（退回的、尚未审核的，或发放失败后更正银行卡）",
        request={"multipart/form-data": serializers.ResubmissionSerializer},
        responses={
            200: inline_serializer("Resubmitted", {"application_no": rf.CharField(), "status": rf.CharField()}),
            **errors(400, 401, 404, 422, 429, codes={409: ("wrong_stage", *RULE_CONFLICTS)}),
        },
    )
    def post(self, request: Request, no: str) -> Response:
        # A resubmission stores three new files too: it counts against the same limit.
        key = applicant_user(request).id_hash
        throttle.check("submission", key, message="提交过于频繁，请稍后再试。")
        try:
            application = application_resubmit(
                application_no=no, data=_form(request), files=_files(request), applicant_id_hash=key, request=request
            )
        except (DomainError, APIException):
            throttle.record("submission", key)
            raise
        throttle.record("submission", key)
        return Response({"application_no": application.application_no, "status": application.status})


class WithdrawView(ApplicantView):
    @extend_schema(
        summary="撤回尚未审核的申请",
        request=None,
        responses={
            200: inline_serializer("Withdrawn", {"application_no": rf.CharField(), "status": rf.CharField()}),
            **errors(401, 404, codes={409: ("wrong_stage",)}),
        },
    )
    def post(self, request: Request, no: str) -> Response:
        application = application_withdraw(application_no=no, applicant_id_hash=applicant_user(request).id_hash, request=request)
        return Response({"application_no": application.application_no, "status": application.status})


class QueryPasswordView(ApplicantView):
    @extend_schema(
        summary="重新生成查询密码（原密码作废）",
        request=None,
        responses={
            200: inline_serializer("NewQueryPassword", {"application_no": rf.CharField(), "query_password": rf.CharField()}),
            **errors(401, 404),
        },
    )
    def post(self, request: Request, no: str) -> Response:
        password = query_password_reissue(application_no=no, applicant_id_hash=applicant_user(request).id_hash, request=request)
        return Response({"application_no": no, "query_password": password})
