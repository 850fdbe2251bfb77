"""单位统一申报 through the API: the batch sheet with its materials, and the clerk's resubmission."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as rf
from rest_framework.request import Request
from rest_framework.response import Response

from rewards.applications.materials import FIELD_FOR_KIND
from rewards.batches.services import batch_resubmit, check_and_save, submitting_org_for
from rewards.campaigns.selectors import require_current_campaign
from rewards.core.errors import InvalidInput
from rewards.core.tabular import UnreadableFile

from . import serializers
from .auth import staff_user
from .parsers import request_body
from .schema import errors
from .views_applicant import RULE_CONFLICTS
from .views_review import StaffView

MAX_SHEET_BYTES = 20 * 1024 * 1024


class BatchSubmissionView(StaffView):
    @extend_schema(
        summary="单位统一申报：上传汇总表（xlsx）和材料压缩包（zip）",
        request={
            "multipart/form-data": inline_serializer(
                "BatchUpload",
                {
                    "file": rf.FileField(),
                    "attachments": rf.FileField(required=False),
                    "org": rf.CharField(required=False, help_text="区县（产业）工会代为录入时：基层工会名称"),
                    "initial_review": rf.BooleanField(
                        required=False,
                        help_text="基层工会经办人：已核对纸质申请表和材料，保存时同时完成初审，行从 pending_district 开始（默认否：pending_grassroots）",
                    ),
                },
            )
        },
        responses={200: serializers.BatchResultSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        reviewed = str(data.get("initial_review") or "").strip().lower() in ("1", "true", "yes", "on", "是")
        org, start = submitting_org_for(staff_user(request), data.get("org") or None, reviewed=reviewed)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(fields={"file": ["请上传汇总表（.xlsx）。"]})
        if upload.size > MAX_SHEET_BYTES:
            raise InvalidInput(
                fields={
                    "file": [
                        "汇总表文件过大（最多 20 MB）：如果表格中粘贴了照片或图片，请删去（材料请放在材料压缩包中上传）；人数很多时请分成几个文件上传。"
                    ]
                }
            )
        archive = request.FILES.get("attachments")
        try:
            result = check_and_save(
                campaign=require_current_campaign(),
                user=staff_user(request),
                org=org,
                start_status=start,
                sheet=upload.read(),
                zip_content=archive.read() if archive else None,
                request=request,
            )
        except UnreadableFile as exc:
            raise InvalidInput(str(exc), fields={"file": [str(exc)]}) from exc
        return Response(
            {
                "accepted": result.accepted,
                "unchanged": result.unchanged,
                "rejected": [{"row": row.row, "errors": row.errors} for row in result.rejected],
                "applications": [
                    {"row": row.row, "application_no": row.application_no, "status": row.status}
                    for row in result.rows
                    if row.application_no
                ],
                "notes": result.notes,
            }
        )


class BatchResubmitView(StaffView):
    @extend_schema(
        summary="基层工会修改退回的申请后重新提交（记录新的初审）",
        request={"multipart/form-data": serializers.ResubmissionSerializer},
        responses={
            200: inline_serializer("BatchResubmitted", {"application_no": rf.CharField(), "status": rf.CharField()}),
            **errors(400, 401, 403, 404, 422, codes={409: ("wrong_stage", *RULE_CONFLICTS)}),
        },
    )
    def post(self, request: Request, no: str) -> Response:
        data = {key: value for key, value in request_body(request).items() if key not in FIELD_FOR_KIND.values()}
        files = {field: request.FILES.get(field) for field in FIELD_FOR_KIND.values()}
        application = batch_resubmit(user=staff_user(request), application_no=no, data=data, files=files, request=request)
        return Response({"application_no": application.application_no, "status": application.status})
