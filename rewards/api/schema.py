"""OpenAPI: what every operation shares, said once (the 429 header, the error codes)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorSerializer

RETRY_AFTER = {
    "Retry-After": {
        "description": "再试之前须等待的秒数",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def retry_after_on_429(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every 429 answer carries ``Retry-After`` (API.md "Default throttles")."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("429") if isinstance(operation, dict) else None
            if answer is not None:
                answer.setdefault("headers", {}).update(RETRY_AFTER)
    return result


#: What each error code of the API means, said once (API.md "Conventions"); an operation's error
#: answers name the codes it can give (:func:`errors`), so that a client can tell them apart.
ERROR_CODES = {
    "invalid_input": "字段缺失或格式错误（error.fields 逐项说明）",
    "not_authenticated": "未登录，或令牌无效、已过期",
    "forbidden": "您的角色无权进行此操作",
    "not_found": "记录不存在，或不在调用者的管辖范围内",
    "ineligible": "不符合奖励条件（error.checks 列出每条规则的结果）",
    "throttled": "操作过于频繁（Retry-After 为须等待的秒数）",
    "not_verified_member": "不是实名认证会员，或身份证号码与姓名不符",
    "no_phone_on_file": "会员库中没有手机号码",
    "not_a_member": "会员库中已找不到该会员",
    "already_awarded": "本年度已获奖励（error.checks 给出每条规则的结果）",
    "already_pending": "本年度已有正在办理的申请（error.checks 给出每条规则的结果）",
    "already_rejected": "本年度的申请已被决定不予奖励（error.checks 给出每条规则的结果）",
    "deadline_passed": "已过截止日期（申报截止，或退回后的修改期限）",
    "not_open": "尚未开始受理",
    "wrong_stage": "当前状态下不能进行此操作（不在调用者的环节，或已被处理）",
    "unresolved_flag": "有尚未处理的硬性风险信号，不能终审通过",
    "already_resolved": "该风险信号已处理",
    "nothing_to_pay": "没有待发放的申请",
    "idempotency_key_reused": "该 Idempotency-Key 已用于范围不同的请求",
    "concurrent_build": "另一位财务人员正在生成批次",
    "batch_build_in_progress": "本年度另有批次正在生成",
    "batch_numbers_used_up": "本年度的批次号已用完",
    "content_changed": "批次内容与生成或复核时不一致",
    "changed_since_build": "批次中的申请在生成后发生了变化",
    "already_sent": "发放文件已下载（已报送银行），不能作废",
    "cancelled": "批次已作废",
    "not_approved": "批次尚未复核",
    "nothing_to_send": "每一笔都已有银行结果，没有需要报送的内容",
    "not_sent": "发放文件尚未下载（未报送银行）",
    "invalid_result_file": "银行回单整份未导入（error.reasons 逐行说明原因）",
    "material_missing": "材料文件缺失",
    "material_purged": "材料保存期满，已依规销毁",
    "limit_reached": "已申报项数（待审核和已备案同意的）达到上限",
    "already_declared": "本工会已申报该职业（工种）",
    "already_decided": "该申报已审核（或已不是待审核）",
    "not_in_campaign": "本工会不在该年度任务分解表（附件1）的单位中",
    "wrong_campaign": "往年的记录不能再改动",
    "already_planned": "本工会该年度已有同一职业、同一等级的培训计划",
}

#: The code each error status carries unless an operation names its own (409 always does).
STANDARD_CODES = {
    400: ("invalid_input",),
    401: ("not_authenticated",),
    403: ("forbidden",),
    404: ("not_found",),
    422: ("ineligible",),
    429: ("throttled",),
}


def errors(*statuses: int, codes: dict[int, tuple[str, ...]] | None = None) -> dict[int, OpenApiResponse]:
    """The error answers of one operation, each with the codes it carries named in its
    description: ``errors(400, 401, 404, codes={409: ("wrong_stage",)})``."""
    named = {status: STANDARD_CODES[status] for status in statuses} | (codes or {})
    return {
        status: OpenApiResponse(ErrorSerializer, description="；".join(f"`{code}`：{ERROR_CODES[code]}" for code in named[status]))
        for status in sorted(named)
    }
