"""The audit log's 说明 in the auditor's words (decision 102): the entry's detail, a line a key,
known keys by their Chinese names and known values by their labels; the raw JSON stays on the
entry page, since it is what the entry's hash covers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from rewards.applications.models import AttachmentKind, FlagCode
from rewards.campaigns.models import Campaign, DeclarationStatus
from rewards.core.memo import ttl_memo
from rewards.core.vocab import Channel, Level, Status
from rewards.organisations.models import GrantKind, Organisation, ResetKind, Role
from rewards.payments.models import BatchStatus, LineStatus
from rewards.training.models import TrainingMode
from rewards.training.services import LABELS as TRAINING_LABELS

from .annex1 import TABLE_NAMES

#: The detail's keys as the auditor reads them (anything else is shown by its own name).
DETAIL_LABELS: dict[str, str] = {
    "application_no": "申请编号",
    "channel": "方式",
    "from": "原状态",
    "to": "新状态",
    "year": "年度",
    "union": "工会",
    "org": "填报单位",
    "organisation_id": "组织",
    "into": "并入",
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
    "challenge": "验证码（编号）",
    "checked": "检查的材料（份）",
    "restored": "从备份找回（份）",
    "restored_materials": "找回的材料（编号）",
    "checksums": "核对校验值",
    "size": "查看方式",
    "paid": "已发放",
    "failed": "发放失败",
    "reversed": "退汇",
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
    "problem_list": "问题明细（至多前 20 处）",
    "seconds": "用时（秒）",
    "unkeyed_entries": "启用密钥前的记录条数",
    "last_unkeyed_id": "启用密钥前的最后一条",
    "last_unkeyed_hash": "启用密钥前最后一条的哈希",
    "unkeyed_problems": "启用密钥前发现的问题",
    "unkeyed_head_matched": "启用密钥前链头与末条一致",
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
    "old": "原",
    "new": "新",
    # Payments, reports and exports.
    "first": "首次下载",
    "answered": "已有银行结果（笔）",
    "already_imported": "此前已导入同一文件（未作改动）",
    "sha256": "文件校验值（SHA-256）",
    "table": "表格",
    "per_unit": "按单位分页",
    "units": "单位数",
    "unions": "工会数",
    "plans": "培训计划（条）",
    # Review.
    "flag": "风险信号",
    "was": "原信号",
    "resolved_at": "原处理时间",
    "resolved_by": "原处理人（编号）",
    "note": "处理说明",
    "method": "请求方式",
    "path": "页面地址",
    # The address's own parts, which an API access denial records (rewards/api/urls.py).
    "no": "申请编号",
    "plan_id": "培训计划编号",
    "declaration_id": "非通用性职业申报编号",
    "attachment_id": "材料编号",
    # Campaign set-up.
    "from_year": "复制自年度",
    "to_year": "新年度",
    "previous_year": "上一年度",
    "dates": "日期",
    "past": "复制时已过的截止日",
    "levels": "等级与金额（元）",
    "guidance": "指导数",
    "guidance_total": "指导数合计",
    "added": "新增单位",
    "merged": "合并",
    "order": "顺序",
    "created_organisations": "新建组织",
    # Registries.
    "created": "新增",
    "updated": "更新",
    # Accounts and sign-in.
    "mfa": "两步验证",
    "had_device": "原有验证设备",
    "replaced": "更换",
    "failures": "失败次数",
    "minutes": "锁定分钟数",
    "tokens_revoked": "作废的令牌数",
    "grant": "授权编号",
    "grant_kind": "授权类型",
    "granted_by": "提出人（编号）",
    "reset": "重置编号",
    "reset_kind": "重置类型",
    "asked_by": "提出人（编号）",
    "temporary_until": "临时密码有效期至",
    "usable": "可用密码登录",
    "days": "确认期限（天）",
    "noticed": "发现过期于",
    "password_voided": "作废管理员设定的初始密码",
    "lock_lifted": "解除登录锁定",
    "was_locked": "原已锁定",
    # Operations (backup, restore, key rotation, purge, prune).
    "key": "密钥编号",
    "key_fingerprint": "密钥指纹",
    "rewritten": "重新加密",
    "unreadable": "无法读取",
    "tables": "数据表",
    "files": "文件",
    "folder": "目录",
    "database_sha256": "数据库校验值（SHA-256）",
    "manifest_sha256": "清单校验值（SHA-256）",
    "materials_missing": "缺少的材料文件",
    "backup_created_at": "备份时间",
    "forced": "强制恢复",
    "mismatches": "不一致",
    "today": "业务日期",
    "years": "年度",
    "awaiting_bank": "等待银行结果",
    "stale_imports": "过期的导入",
    "lapsed_requests": "逾期未确认的授权和重置",
    "throttle_records": "限流记录",
    "cutoff": "截止时间",
    "keep_days": "保留天数",
    "keep_last": "保留最近份数",
    "kept": "保留",
    "removed": "删除",
    "finished": "已完成",
    "root": "备份根目录",
    # The audit chain's check (audit.verify) against its anchor outside the database.
    "anchor": "审计锚点",
    "accept_reason": "确认理由",
    "accepted_problems": "确认的问题数",
}
_VALUE_LABELS: dict[str, str] = {
    **{str(value): label for value, label in Status.choices},
    **{str(value): label for value, label in Channel.choices},
    **{str(value): label for value, label in AttachmentKind.choices},
    **{str(value): label for value, label in Role.choices},
    **{str(value): label for value, label in Level.choices},
    **{str(value): label for value, label in FlagCode.choices},
    "web": "页面",
    "api": "接口",
    "cli": "命令行",
    # A wrong password given to replace an authenticator (staff.mfa_enrol, decision 288).
    "account_mfa": "账号安全（更换验证器）",
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
    "replace": "上传修改后的文件",
    "rejected_export": "下载有问题的行",
    "annex4": "汇总表（附件4）",
    "annex5": "非通用性职业申报表（附件5）",
    "training_plan": "培训计划",
    "training_export": "导出培训计划",
    "occupation_declaration": "非通用性职业申报",
    # Why a bank return file was refused ("reason" of payment.results_import).
    "invalid_result_file": "回单文件未通过检查",
    "not_sent": "批次尚未报送银行",
}


#: Values read by their key: the progress tables (``table``) share their names with other words.
_KEYED_VALUES: dict[str, dict[str, str]] = {
    "table": TABLE_NAMES,
    "mode": {str(value): label for value, label in TrainingMode.choices},
    # Why an access was refused (access.denied), or a password not changed (staff.password_change).
    "reason": {
        "role": "角色无此权限",
        "organisation": "账号未设所属组织",
        "not_found": "不存在或不在管辖范围内",
        "old_password": "原密码不正确",
        "temporary_expired": "临时密码已过期",
        "temporary_password": "临时密码尚未改为本人的密码",
        "own_batch": "生成人不能复核自己生成的批次（四眼原则）",
        # Why a staff sign-in failed (staff.login, rewards/identity/staff_login.py).
        "unknown_user": "用户名不存在",
        "inactive": "账号已停用",
        "no_role": "账号没有角色",
        "wrong_password": "密码不正确",
        "otp": "两步验证码不正确",
        "otp_missing": "未填写两步验证码",
        "mfa_not_enrolled": "尚未绑定两步验证",
        # Why a staff session ended (staff.logout, rewards/web/staff/sessions.py).
        "idle": "长时间未操作",
        "absolute": "登录已超过最长时限",
        "mfa": "两步验证已重置或未完成",
        # Why a worker's SMS sign-in failed (applicant.sign_in, rewards/identity/services.py).
        "wrong_code": "验证码不正确",
        "no_code": "没有可用的验证码（未获取、已过期、已使用或错误次数过多）",
    },
    "grant_kind": {str(value): label for value, label in GrantKind.choices},
    # A worker's own material (rewards/web/worker/materials.py): the thumbnail, not the file.
    "size": {"small": "缩略图"},
    "reset_kind": {str(value): label for value, label in ResetKind.choices},
    # Who noticed that a grant or a reset had lapsed (rewards/organisations/lapse.py).
    "anchor": {
        "created": "首次记下",
        "ok": "一致",
        "failed": "不符",
        "unwritten": "未能写入",
        "accepted": "已确认为新的起点",
        "missing": "尚无锚点",
    },
    "noticed": {"confirm": "确认时", "refuse": "拒绝时", "request": "重新提出时", "purge": "每日清理（purge_expired）"},
}
#: States named by the kind of thing the entry is about: a declaration's or a payment line's
#: ``approved`` is not an application's.
_STATES_OF_ACTION: dict[str, dict[str, str]] = {
    "occupation.": {str(value): label for value, label in DeclarationStatus.choices},
    # A batch's states (payment.batch_*) before a line's (payment.reversal): the first prefix wins.
    "payment.batch_": {str(value): label for value, label in BatchStatus.choices},
    "payment.": {str(value): label for value, label in LineStatus.choices},
}
#: A training plan's figures (training.plan_* entries), by the plan form's own words.
PROGRESS_LABELS = {key: TRAINING_LABELS[key] for key in ("planned_trainees", "budget", "trained", "certified", "spent")}
#: Keys that hold an organisation's id: shown by its name.
_ORGANISATION_KEYS = frozenset({"union", "org", "organisation_id", "grassroots_union", "submitting_org"})


@ttl_memo(ttl=60.0)
def _organisation_name(pk: int) -> str:
    name = Organisation.objects.filter(pk=pk).values_list("name", flat=True).first()
    return f"{name}（编号 {pk}）" if name else f"编号 {pk}（已删除）"


#: A payment entry's sums of money (``"2400.00"``), shown grouped in 元 as the payment pages
#: show them (“合计（元）：2,400.00”); elsewhere ``total`` is a count (rows, guidance numbers).
_PAYMENT_MONEY_KEYS = frozenset({"amount", "total"})


def _is_payment_money(key: str, action: str) -> bool:
    return action.startswith("payment.") and key in _PAYMENT_MONEY_KEYS


def _money(value: Any) -> str | None:
    """``value`` as an amount grouped by thousands (``2,400.00``), or ``None`` when it is not one."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return f"{amount:,.2f}" if amount.is_finite() else None


def _key(key: Any, *, merging: bool = False, action: str = "") -> str:
    """A key by its Chinese name: the detail's own, a level or a code, a campaign's field.
    Beside ``into`` (a union merged into another), ``from`` is the union, not a state."""
    name = str(key)
    if merging and name == "from":
        return "合并的单位"
    if name == "total" and _is_payment_money(name, action):
        return "合计（元）"
    if name in DETAIL_LABELS:
        return DETAIL_LABELS[name]
    if name in PROGRESS_LABELS:
        return PROGRESS_LABELS[name]
    if name in _VALUE_LABELS:
        return _VALUE_LABELS[name]
    try:
        field = Campaign._meta.get_field(name)
    except FieldDoesNotExist:  # the key as it is
        return name
    return str(getattr(field, "verbose_name", name))


def _said(value: Any, key: str = "", action: str = "") -> str:
    if key in _ORGANISATION_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return _organisation_name(value)
    if key == "union" and value is None and action == "payment.batch_build":
        return "全部工会"  # a batch of every union, not a union left blank
    if key in ("from", "to") and isinstance(value, str):
        for prefix, states in _STATES_OF_ACTION.items():
            if action.startswith(prefix) and value in states:
                return states[value]
    if _is_payment_money(key, action) and isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        grouped = _money(value)
        if grouped is not None:
            return grouped
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "—"
    if key == "past" and not value:
        return "无"  # a copy that left no deadline behind
    if isinstance(value, dict) and set(value) == {"old", "new"}:
        return f"{_said(value['old'], key, action)} → {_said(value['new'], key, action)}"
    if isinstance(value, dict):
        return "；".join(f"{_key(name, merging='into' in value)}：{_said(item, str(name), action)}" for name, item in value.items())
    if isinstance(value, list | tuple):
        if len(value) == 2 and not any(isinstance(item, dict | list) for item in value):
            return f"{_said(value[0], key, action)} → {_said(value[1], key, action)}"  # a change: old → new
        return "、".join(_said(item, key, action) for item in value)
    keyed = _KEYED_VALUES.get(key, {})
    return keyed.get(str(value)) or _VALUE_LABELS.get(str(value), str(value))


def readable_detail(detail: Any, *, separator: str = "\n", action: str = "") -> str:
    """The detail in the auditor's words, a line a key: “原状态：待区县（产业）工会预审”,
    “变更：角色：区县（产业）工会审核人 → 市总工会终审人员”. Unmasked: the caller masks stray numbers
    (:func:`rewards.reports.auditlog.detail_text`)."""
    if not detail:
        return ""
    if not isinstance(detail, dict):
        return _said(detail, action=action)
    merging = "into" in detail
    return separator.join(
        f"{_key(key, merging=merging, action=action)}：{_listed(value, separator) if key in _LISTED_KEYS else _said(value, str(key), action)}"
        for key, value in detail.items()
    )


#: Keys whose value is a list of sentences (a refused bank file's reasons): one a line.
_LISTED_KEYS = frozenset({"problem_list"})


def _listed(value: Any, separator: str) -> str:
    if not isinstance(value, list | tuple):
        return _said(value)
    return "".join(f"{separator}  {index}. {item}" for index, item in enumerate(value, start=1))
