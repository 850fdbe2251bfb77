"""The sign-in lock as the administration shows it (SECURITY.md 7): an administrator called by a
holder who cannot sign in sees which accounts are locked and until when (a notice above the list,
the account's page), and 解除登录锁定 says, and audits, whether there was a lock to lift."""

from __future__ import annotations

import pytest

from rewards.core.models import AuditEvent
from rewards.identity.lockout import locked_for
from rewards.reports.audit_detail import readable_detail
from tests.security.test_staff_lockout import fail_web

from .test_admin_accounts import LIST, signed_in_admin
from .test_role_grants import change_url, run_action

pytestmark = pytest.mark.django_db


def test_a_locked_account_is_named_above_the_list_and_on_its_page(settings, administrator, xihu_reviewer, finance_a):
    settings.STAFF_MFA_ROLES = []
    client = signed_in_admin(administrator)
    assert "暂时锁定" not in client.get(LIST).content.decode()
    fail_web("xihu.reviewer", 4)
    assert "暂时锁定" not in client.get(LIST).content.decode()  # four failures: not yet
    fail_web("xihu.reviewer", 1)
    listing = client.get(LIST).content.decode()
    assert "有 1 个账号因连续登录失败暂时锁定：xihu.reviewer（约 15 分钟后自动解除）" in listing
    assert "确认是本人后，可勾选账号执行“解除登录锁定”" in listing
    assert "已锁定：连续登录失败，约 15 分钟后自动解除" in client.get(change_url(xihu_reviewer)).content.decode()
    assert "已锁定" not in client.get(change_url(finance_a)).content.decode()


def test_unlocking_says_and_audits_whether_there_was_a_lock(settings, administrator, xihu_reviewer, finance_a):
    settings.STAFF_MFA_ROLES = []
    fail_web("xihu.reviewer", 5)
    page = run_action(administrator, "unlock_sign_in", xihu_reviewer, finance_a).content.decode()
    assert "已解除 1 个账号的登录锁定：xihu.reviewer。" in page
    assert "“finance.a”没有被锁定，无需解除（其登录失败次数已清零）。" in page
    assert locked_for("xihu.reviewer") is None
    entries = {e.object_id: e.detail for e in AuditEvent.objects.filter(action="staff.unlock")}
    assert entries == {str(xihu_reviewer.pk): {"was_locked": True}, str(finance_a.pk): {"was_locked": False}}
    assert "原已锁定：否" in readable_detail({"was_locked": False}, action="staff.unlock")
