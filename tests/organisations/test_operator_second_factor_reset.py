"""``manage.py reset_second_factor``: the operator's way out for a lost phone that two
administrators cannot reset in the administration. With the two administrators the deployment
guide creates, one losing their phone leaves the other able to ask for the reset but nobody able
to confirm it (not the one who asked, not the account's owner). The operator on the server is the
second person there, as with ``create_staff`` (decisions 145, 157): the reset holds at once,
closes the pending request, and is audited with the operator's reason."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core.audit import verify_chain
from rewards.core.errors import Forbidden
from rewards.core.models import AuditEvent
from rewards.identity.lockout import locked_for
from rewards.identity.models import StaffToken, StaffTotp
from rewards.organisations.models import CredentialReset, GrantStatus, ResetKind
from rewards.organisations.resets import credential_reset_confirm, credential_reset_request
from rewards.reports.audit_detail import readable_detail
from rewards.reports.auditlog import ACTION_LABELS
from tests.security.staff_helpers import MovableClock, api_token, enrol, next_code, web_client, web_login

pytestmark = pytest.mark.django_db

REASON = "admin.b 手机丢失，无第三位管理员确认重置（工单 2020-118）"


def reset(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("reset_second_factor", username, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_administrators(settings, administrator, second_administrator, monkeypatch):  # type: ignore[no-untyped-def]
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]
    clock = MovableClock(monkeypatch)
    enrol(administrator)
    enrol(second_administrator)
    clock.advance(seconds=30)
    return clock


def test_an_administrators_lost_phone_that_no_second_administrator_can_confirm_is_reset_by_the_operator(
    two_administrators, administrator, second_administrator
):
    clock = two_administrators
    token = api_token(web_client(), second_administrator.username, otp=next_code(second_administrator)).json()["token"]
    clock.advance(seconds=30)
    for _ in range(5):  # a holder without their phone tries and tries again
        web_login(web_client(), second_administrator.username, password="not-the-password")
    assert locked_for(second_administrator.username)
    asked = credential_reset_request(account=second_administrator, kind=ResetKind.MFA, acting_user=administrator)
    for confirming in (administrator, second_administrator):  # the one who asked, the owner: nobody else
        with pytest.raises(Forbidden):
            credential_reset_confirm(reset=asked, acting_user=confirming)
    assert StaffTotp.objects.get(user=second_administrator).active

    said = reset(second_administrator.username, "--reason", REASON)

    assert not StaffTotp.objects.filter(user=second_administrator).exists()
    assert not StaffToken.objects.filter(user=second_administrator).exists() and token
    assert locked_for(second_administrator.username) is None
    asked.refresh_from_db()
    assert asked.status == GrantStatus.CONFIRMED and asked.decided_by is None and asked.decided_at is not None
    assert "已重置" in said and "登录锁定已一并解除" in said and "待确认的“重置两步验证”已随之完成" in said and "绑定验证器" in said
    entry = AuditEvent.objects.filter(action="staff.mfa_reset").get()
    assert entry.actor is None and entry.actor_label == "cli" and entry.object_id == str(second_administrator.pk)
    assert entry.detail["reason"] == REASON and entry.detail["had_device"] and entry.detail["tokens_revoked"] == 1
    assert entry.detail["lock_lifted"] and entry.detail["reset"] == asked.pk and entry.detail["asked_by"] == administrator.pk
    assert "方式：命令行" in readable_detail(entry.detail, action=entry.action)
    assert verify_chain() == []
    # The holder's own password opens the binding of a new phone; the other administrator is untouched.
    assert web_login(web_client(), second_administrator.username)["Location"] == "/staff/login/enrol"
    assert StaffTotp.objects.get(user=administrator).active


def test_without_a_reason_or_for_an_unknown_account_nothing_changes(two_administrators, second_administrator):
    with pytest.raises(CommandError, match="--reason"):
        reset(second_administrator.username, "--reason", "  ")
    with pytest.raises(CommandError, match="没有用户名为“nobody”的工作人员账号"):
        reset("nobody", "--reason", REASON)
    assert StaffTotp.objects.get(user=second_administrator).active
    assert not AuditEvent.objects.filter(action="staff.mfa_reset").exists()
    assert not CredentialReset.objects.exists()


def test_an_account_without_an_authenticator_is_said_so_and_still_audited(settings, finance_a):
    settings.STAFF_MFA_ROLES = []
    said = reset(finance_a.username, "--reason", REASON)
    assert "原本没有绑定验证器" in said and "须先在新手机上绑定" not in said
    assert AuditEvent.objects.get(action="staff.mfa_reset").detail["had_device"] is False


def test_the_audit_log_names_the_second_factor_as_the_pages_and_the_administration_do():
    """An auditor looking for an administrator's 重置两步验证 (the action's name in the
    administration and in this command) finds it under that name in the action list."""
    assert ACTION_LABELS["staff.mfa_reset"] == "重置两步验证"
    assert ACTION_LABELS["staff.mfa_enrol"] == "绑定两步验证" and ACTION_LABELS["staff.mfa_disable"] == "停用两步验证"


def test_a_mobile_number_typed_into_the_reason_is_masked_in_the_audit_log(settings, finance_a):
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]
    reset(finance_a.username, "--reason", "本人手机 13812345678 丢失，工单 2020-118")
    entry = AuditEvent.objects.filter(action="staff.mfa_reset").get()
    assert "13812345678" not in str(entry.detail) and "工单 2020-118" in entry.detail["reason"]
    assert entry.detail["reason"].startswith("本人手机 138") and "*" in entry.detail["reason"]
