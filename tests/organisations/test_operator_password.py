"""``manage.py set_staff_password``: the operator's way out for a forgotten password that two
administrators cannot reset in the administration (an administrator's own, where the deployment
has two), as ``reset_second_factor`` is for a lost phone. The password is temporary, the holder's
tokens and pages end, a lock is lifted, a pending reset is closed, and the entry names the
operator's reason. Django's own ``changepassword`` (no audit entry) and ``createsuperuser`` (an
account with no role or organisation) refuse and name the project's commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core.audit import verify_chain
from rewards.core.models import AuditEvent
from rewards.identity.lockout import locked_for
from rewards.identity.models import StaffToken
from rewards.organisations.models import CredentialReset, GrantStatus, ResetKind, StaffUser
from rewards.organisations.resets import credential_reset_request
from rewards.reports.audit_detail import readable_detail
from tests.conftest import PASSWORD
from tests.security.staff_helpers import api_token, web_client, web_login

pytestmark = pytest.mark.django_db

REASON = "admin.b 忘记密码，无第三位管理员确认重置（工单 2020-119）"
NEW = "Operator-set-Passphrase-2020"


def set_password(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("set_staff_password", username, *args, stdout=out)
    return out.getvalue()


def test_a_forgotten_administrator_password_is_set_by_the_operator_as_a_temporary_one(monkeypatch, administrator, second_administrator):
    token = api_token(web_client(), second_administrator.username).json()["token"]
    for _ in range(5):  # the holder tries what they remember
        web_login(web_client(), second_administrator.username, password="not-the-password")
    assert locked_for(second_administrator.username)
    asked = credential_reset_request(account=second_administrator, kind=ResetKind.PASSWORD, acting_user=administrator, password=NEW + "x")
    monkeypatch.setenv("STAFF_PASSWORD", NEW)

    said = set_password(second_administrator.username, "--reason", REASON)

    second_administrator.refresh_from_db()
    assert second_administrator.check_password(NEW) and second_administrator.temporary_password_until is not None
    assert token and not StaffToken.objects.filter(user=second_administrator).exists()
    assert locked_for(second_administrator.username) is None
    asked.refresh_from_db()
    assert asked.status == GrantStatus.REFUSED and asked.first_part_hash == "" and asked.decided_by is None
    assert "已为 admin.b 设定临时密码" in said and "登录锁定已一并解除" in said and "已随之关闭" in said
    entry = AuditEvent.objects.get(action="staff.password_reset")
    assert entry.actor is None and entry.actor_label == "cli" and entry.object_id == str(second_administrator.pk)
    assert entry.detail["reason"] == REASON and entry.detail["channel"] == "cli" and entry.detail["tokens_revoked"] == 1
    assert entry.detail["reset_closed"] == asked.pk and entry.detail["asked_by"] == administrator.pk
    assert NEW not in str(entry.detail) and "方式：命令行" in readable_detail(entry.detail, action=entry.action)
    assert verify_chain() == []
    # The old password is gone; the new one reaches only the password change.
    assert web_login(web_client(), second_administrator.username, password=PASSWORD).status_code == 200
    assert web_login(web_client(), second_administrator.username, password=NEW)["Location"] == "/staff/account/password"


def test_typed_twice_on_a_terminal(monkeypatch, xihu_reviewer):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([NEW, NEW])
    monkeypatch.setattr("rewards.organisations.management.passwords.getpass.getpass", lambda prompt: next(answers))
    set_password(xihu_reviewer.username, "--reason", REASON)
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(NEW)


@pytest.mark.parametrize(
    ("username", "reason", "password", "message"),
    [
        ("nobody", REASON, NEW, "没有用户名为“nobody”的工作人员账号"),
        ("xihu.reviewer", "  ", NEW, "请用 --reason 写明原因"),
        ("xihu.reviewer", REASON, "short", "密码不符合要求"),
        ("xihu.reviewer", REASON, "xihu.reviewer", "密码不符合要求"),  # too like the user name
    ],
)
def test_nothing_changes_without_an_account_a_reason_or_a_good_password(monkeypatch, xihu_reviewer, username, reason, password, message):
    monkeypatch.setenv("STAFF_PASSWORD", password)
    with pytest.raises(CommandError, match=message) as refused:
        set_password(username, "--reason", reason)
    assert str(refused.value).endswith("。") and ("密码未修改。" in str(refused.value) or "未做任何修改" in str(refused.value))
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(PASSWORD) and xihu_reviewer.temporary_password_until is None
    assert not AuditEvent.objects.filter(action="staff.password_reset").exists()


def test_without_a_terminal_or_staff_password_nothing_is_asked_or_changed(monkeypatch, xihu_reviewer):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="请提供密码"):
        set_password(xihu_reviewer.username, "--reason", REASON)
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(PASSWORD)


def test_djangos_own_account_commands_refuse_and_name_the_audited_ones(xihu_reviewer):
    entries = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=r"set_staff_password xihu\.reviewer --reason"):
        call_command("changepassword", "xihu.reviewer")
    with pytest.raises(CommandError, match="create_staff USERNAME --role admin"):
        call_command("createsuperuser", "--username", "root", "--email", "root@example.org", "--noinput")
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(PASSWORD)
    assert not StaffUser.objects.filter(username="root").exists()
    assert not CredentialReset.objects.exists() and AuditEvent.objects.count() == entries


def test_a_reason_of_invisible_characters_is_no_reason(monkeypatch, xihu_reviewer):
    monkeypatch.setenv("STAFF_PASSWORD", NEW)
    with pytest.raises(CommandError, match="请用 --reason 写明原因"):
        set_password(xihu_reviewer.username, "--reason", "\u200b\u200d\ufeff ")
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(PASSWORD)


def test_a_disabled_account_is_said_to_stay_disabled(monkeypatch, xihu_reviewer):
    xihu_reviewer.is_active = False
    xihu_reviewer.save(update_fields=["is_active"])
    monkeypatch.setenv("STAFF_PASSWORD", NEW)
    said = set_password(xihu_reviewer.username, "--reason", REASON)
    assert "该账号已停用，设定密码后仍不能登录" in said
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(NEW) and not xihu_reviewer.is_active


def test_the_accounts_history_names_the_operator_who_closed_a_pending_reset(monkeypatch, administrator, second_administrator):
    from rewards.organisations.history import account_history

    credential_reset_request(account=second_administrator, kind=ResetKind.PASSWORD, acting_user=administrator, password=NEW + "x")
    monkeypatch.setenv("STAFF_PASSWORD", NEW)
    set_password(second_administrator.username, "--reason", REASON)
    (line,) = account_history(second_administrator)
    assert "重置密码（admin 提出）：已拒绝（命令行，" in line
