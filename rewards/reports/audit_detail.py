"""The audit log's 说明 in the auditor's words (decision 102): the entry's detail, a line a key,
known keys by their Chinese names and known values by their labels; the raw JSON stays on the
entry page, since it is what the entry's hash covers."""

from __future__ import annotations

from typing import Any

from rewards.applications.models import AttachmentKind
from rewards.core.vocab import Channel, Status
from rewards.organisations.models import Role

#: The detail's keys as the auditor reads them (anything else is shown by its own name).
DETAIL_LABELS: dict[str, str] = {
    "application_no": "申请编号",
    "channel": "方式",
    "from": "原状态",
    "to": "新状态",
    "year": "年度",
    "union": "工会",
    "org": "填报单位（编号）",
    "organisation_id": "组织（编号）",
    "role": "角色",
    "reason": "原因",
    "format": "格式",
    "what": "访问内容",
    "full": "含完整号码",
    "rows": "行数",
    "count": "数量",
    "total": "合计",
    "changes": "变更",
    "kind": "材料",
    "attachment": "材料（编号）",
    "paid": "已发放",
    "failed": "发放失败",
    "valid": "可导入",
    "accepted": "新增",
    "unchanged": "已存在",
    "rejected": "有问题",
    "start": "起始状态",
    "initial_review": "保存时完成初审",
    "save_after_check": "检查后直接保存",
    "background": "后台处理",
    "materials": "材料",
    "occupation": "职业（工种）",
    "level": "等级",
    "limit": "限额",
    "used": "已用",
    "mode": "方式",
    "batch_no": "批次号",
    "reference": "付款参考号",
    "amount": "金额（元）",
    "entries": "条数",
    "problems": "问题",
    "seconds": "用时（秒）",
    "filters": "筛选条件",
    "truncated": "已截断",
    "username": "用户名",
    "full_name": "姓名",
    "name": "名称",
    "parent": "上级（编号）",
    "is_active": "启用",
    "active": "在用",
    "stale_days": "超过天数",
    "planned_trainees": "计划培训人数",
    "budget": "预算（元）",
}
_VALUE_LABELS: dict[str, str] = {
    **{str(value): label for value, label in Status.choices},
    **{str(value): label for value, label in Channel.choices},
    **{str(value): label for value, label in AttachmentKind.choices},
    **{str(value): label for value, label in Role.choices},
    "web": "页面",
    "api": "接口",
    "cli": "命令行",
    # What an access denial was for ("what").
    "detail": "申请详情",
    "annex3": "申请表（附件3）",
    "attachment": "申请材料",
    "decision": "审核决定",
    "approve_many": "批量通过",
    "flag_resolve": "处理风险信号",
    "batch_resubmit": "修改后重新提交",
    "batch_entry": "逐人录入",
    "batch_upload": "上传汇总表",
    "confirm": "保存导入",
    "discard": "放弃导入",
    "rejected_export": "下载有问题的行",
}


def _said(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(str(key), str(key))}：{_said(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        if len(value) == 2 and not any(isinstance(item, dict | list) for item in value):
            return f"{_said(value[0])} → {_said(value[1])}"  # a change: old → new
        return "、".join(_said(item) for item in value)
    return _VALUE_LABELS.get(str(value), str(value))


def readable_detail(detail: Any, *, separator: str = "\n") -> str:
    """The detail in the auditor's words, a line a key: “原状态：待区县（产业）工会预审”,
    “变更：角色：区县（产业）工会审核人 → 市总工会终审人员”. Unmasked: the caller masks stray numbers
    (:func:`rewards.reports.auditlog.detail_text`)."""
    if not detail:
        return ""
    if not isinstance(detail, dict):
        return _said(detail)
    return separator.join(f"{DETAIL_LABELS.get(str(key), str(key))}：{_said(value)}" for key, value in detail.items())
