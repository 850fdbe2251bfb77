"""The audit log's 说明 (decision 102) names every key that any audit entry writes in Chinese,
reads codes (a signal, a level, a progress table) by their labels, and an old → new pair as one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rewards.reports.audit_detail import DETAIL_LABELS, readable_detail
from rewards.reports.auditlog import detail_text

SOURCE = Path(__file__).resolve().parents[2] / "rewards"


def _is_detail_item(target: ast.expr) -> bool:
    """``detail["key"]`` on the left of an assignment."""
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == "detail"
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    )


def _detail_keys() -> dict[str, str]:
    """Each string key written into an audit entry's ``detail`` in the code: ``detail={…}``,
    ``detail = {…}`` and ``detail["…"] = …``; the file it is first written in."""
    keys: dict[str, str] = {}

    def take(mapping: ast.Dict, path: Path) -> None:
        for key in mapping.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.setdefault(key.value, str(path.relative_to(SOURCE.parent)))

    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "detail" and isinstance(node.value, ast.Dict):
                take(node.value, path)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == "detail" and isinstance(node.value, ast.Dict):
                        take(node.value, path)
                    if _is_detail_item(target):
                        keys.setdefault(target.slice.value, str(path.relative_to(SOURCE.parent)))  # type: ignore[attr-defined]
    return keys


def test_the_scan_finds_the_keys_it_should():
    keys = _detail_keys()
    assert {"application_no", "answered", "per_unit", "flag", "tokens_revoked"} <= set(keys)
    assert len(keys) >= 90


def test_every_key_an_entry_writes_has_a_chinese_name():
    unnamed = {key: path for key, path in _detail_keys().items() if key not in DETAIL_LABELS}
    assert unnamed == {}
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in DETAIL_LABELS.values())


@pytest.mark.parametrize(
    ("detail", "said"),
    [
        (
            {"batch_no": "P202000001", "first": False, "format": "csv", "count": 3, "answered": 2},
            "批次号：P202000001 首次下载：否 格式：csv 数量：3 已有银行结果（笔）：2",
        ),
        ({"flag": "not_in_registry", "note": "已核实原件"}, "风险信号：人社证书库中查无此证书 处理说明：已核实原件"),
        ({"table": "level"}, "表格：按技能等级"),
        ({"table": "all", "per_unit": True, "units": 21}, "表格：全部表格 按单位分页：是 单位数：21"),
        ({"levels": {"senior_worker": "500.00", "technician": "600.00"}}, "等级与金额（元）：高级工：500.00；技师：600.00"),
        ({"units": {"old": 21, "new": 22}}, "单位数：21 → 22"),
        (
            {"dates": {"opens_on": {"old": "2020-08-01", "new": "2021-08-01"}}},
            "日期：发文日期（开始受理）：2020-08-01 → 2021-08-01",
        ),
    ],
)
def test_codes_and_pairs_are_read_out(detail, said):
    assert readable_detail(detail, separator=" ") == said


@pytest.mark.django_db
def test_states_organisations_and_plan_figures_read_in_the_auditors_words(xihu):  # type: ignore[no-untyped-def]
    """A declaration's and a payment line's states by their own labels, an organisation id by its
    name, a training plan's figures and mode by the form's words (no English code left)."""
    declaration = readable_detail({"union": xihu.pk, "from": "pending", "to": "rejected"}, action="occupation.reject")
    assert declaration == f"工会：{xihu.name}（编号 {xihu.pk}）\n原状态：待审核\n新状态：不同意"
    assert readable_detail({"from": "rejected"}, action="review.reject") == "原状态：不予奖励"  # an application's state
    assert readable_detail({"from": "paid", "to": "reversed"}, action="payment.reversal") == "原状态：已发放\n新状态：已退汇"
    plan = readable_detail({"changes": {"certified": [0, 20], "spent": ["0.00", "1200.00"], "mode": ["online", "both"]}})
    assert plan == "变更：已取证人数：0 → 20；已支出金额：0.00 → 1200.00；方式：线上 → 线上线下结合"
    merge = readable_detail({"from": "甲工会", "into": "拱墅区总工会"}, action="campaign.units")
    assert merge == "合并的单位：甲工会\n并入：拱墅区总工会"
    assert not re.search(r"[A-Za-z]", declaration + plan)


def _denied_what_values() -> set[str]:
    """Every ``what`` an access denial records: ``what="…"`` keywords and the string argument of
    the pages' own denial helpers."""
    helpers = {"_out_of_scope", "_import_not_found", "_org_denied"}
    values: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "what" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    values.add(keyword.value.value)
            name = getattr(node.func, "id", "")
            if name in helpers and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant):
                values.add(str(node.args[2].value))
    return values


def test_access_denials_read_without_codes():
    """Decision 129 (no codes left in 说明): what was refused, why, and the API address's parts
    (“访问内容：training_plan”, “原因：not_found”, “plan_id：4” were shown as written)."""
    whats = _denied_what_values()
    assert {"training_plan", "annex5", "detail", "batch_upload"} <= whats
    for what in whats:
        assert not re.search(r"[A-Za-z]", readable_detail({"what": what})), what
    api = {"path": "/x", "method": "PATCH", "reason": "not_found", "what": "api", "plan_id": "4", "declaration_id": "2", "no": "2020000001"}
    said = readable_detail(api, separator=" ")
    assert said == (
        "页面地址：/x 请求方式：PATCH 原因：不存在或不在管辖范围内 访问内容：接口 培训计划编号：4 非通用性职业申报编号：2 申请编号：2020000001"
    )
    assert readable_detail({"reason": "role"}) == "原因：角色无此权限"
    assert readable_detail({"reason": "organisation"}) == "原因：账号未设所属组织"
    assert readable_detail({"reason": "退汇：账户已销户"}) == "原因：退汇：账户已销户"  # a written reason stays as written


def test_payment_batch_entries_read_in_the_auditors_words():
    """A batch's states by the batch's labels (a line's ``approved`` is 待发放, a batch's is
    复核 done), a batch of every union, a builder's refused approval, a return file again."""
    cancel = readable_detail({"batch_no": "P202000001", "from": "approved"}, action="payment.batch_cancel")
    assert cancel == "批次号：P202000001\n原状态：已复核，待下载发放文件"
    assert readable_detail({"from": "approved"}, action="payment.reversal") == "原状态：待发放"  # a line's
    assert readable_detail({"union": None}, action="payment.batch_build") == "工会：全部工会"
    assert readable_detail({"union": None}, action="training.plan_create") == "工会：—"  # elsewhere nothing is said
    refused = readable_detail({"batch_no": "P202000001", "reason": "own_batch"}, action="payment.batch_approve")
    assert refused == "批次号：P202000001\n原因：生成人不能复核自己生成的批次（四眼原则）"
    again = readable_detail({"paid": 0, "already_imported": True}, action="payment.results_import")
    assert again == "已发放：0\n此前已导入同一文件（未作改动）：是"


#: Functions whose return values are the ``reason`` of a sign-in or a session's end.
REASON_FUNCTIONS = {"_failure", "expiry_reason"}


def _reason_codes() -> dict[str, str]:
    """Every code written as an entry's ``reason``: ``reason="…"`` keywords, ``"reason": "…"`` in
    a dict, ``failure = "…"`` (a worker's sign-in), and what the sign-in and session functions
    return (``_failure``, ``expiry_reason``); the file it is first written in."""
    codes: dict[str, str] = {}

    def take(node: ast.expr | None, path: Path) -> None:
        if isinstance(node, ast.Tuple) and node.elts:
            node = node.elts[0]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[a-z_]+", node.value):
            codes.setdefault(node.value, str(path.relative_to(SOURCE.parent)))

    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "reason":
                take(node.value, path)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "reason":
                        take(value, path)
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "failure" for t in node.targets):
                take(node.value, path)
            elif isinstance(node, ast.FunctionDef) and node.name in REASON_FUNCTIONS:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return):
                        take(inner.value, path)
    return codes


def test_every_reason_code_reads_in_chinese():
    """Decision 129 (no codes left in 说明), for the reasons of a failed sign-in, a session's end
    and a worker's failed code: “原因：wrong_password”, “原因：idle”, “原因：wrong_code” were
    shown as written, in the entries an auditor reads first when an account is questioned."""
    codes = _reason_codes()
    assert {"wrong_password", "unknown_user", "otp_missing", "idle", "wrong_code", "no_code", "own_batch", "role"} <= set(codes)
    unread = {code: path for code, path in codes.items() if re.search(r"[A-Za-z]", readable_detail({"reason": code}))}
    assert unread == {}


def test_a_payment_entrys_sums_read_in_yuan_grouped_as_the_payment_pages_show_them():
    """“合计：2400.00” read as a count would; a payment entry's sums are money, in 元, grouped as
    on the batch page (2,400.00). Elsewhere ``total`` stays a count and ungrouped."""
    built = readable_detail({"batch_no": "P202600001", "count": 4, "total": "2400.00"}, action="payment.batch_build")
    assert built == "批次号：P202600001\n数量：4\n合计（元）：2,400.00"
    assert readable_detail({"total": "999.00"}, action="payment.batch_approve") == "合计（元）：999.00"  # the last amount without a comma
    assert readable_detail({"total": "1000.00"}, action="payment.batch_cancel") == "合计（元）：1,000.00"
    reversal = readable_detail({"amount": "1200.00", "reference": "P202600001-000003"}, action="payment.reversal")
    assert reversal == "金额（元）：1,200.00\n付款参考号：P202600001-000003"
    assert readable_detail({"total": 3000}, action="registry.import_members") == "合计：3000"  # rows, not money
    assert detail_text({"total": "123456.00"}, action="payment.batch_build") == "合计（元）：123,456.00"  # not masked as a number
