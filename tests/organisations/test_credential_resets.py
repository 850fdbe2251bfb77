"""重置密码 and 重置两步验证 under dual control (SECURITY.md 5, 7, 10, 17): a password an
administrator sets for an account under dual control, and a reset of its authenticator, hold only
once another administrator confirms them; until then the account keeps its password and
authenticator and its holder keeps working. The request keeps the first part's hash only; the
confirming administrator alone sees the second part; the holder signs in with both, must set a
password of their own first, and their other sessions end. Every step is audited without a
secret."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from rewards.core.errors import Conflict, Forbidden
from rewards.core.models import AuditEvent
from rewards.identity.hashers import SECOND_PART_LENGTH, is_two_part
from rewards.identity.lockout import unlock
from rewards.identity.models import StaffToken, StaffTotp
from rewards.organisations.models import CredentialReset, GrantStatus, ResetKind, Role, StaffUser
from rewards.organisations.resets import credential_reset_confirm, credential_reset_refuse, under_dual_control
from rewards.organisations.services import staff_create
from rewards.reports.audit_detail import readable_detail
from rewards.reports.auditlog import ACTION_LABELS
from rewards.web.staff.sessions import TEMPORARY_PASSWORD
from tests.conftest import PASSWORD
from tests.security.staff_helpers import MovableClock, api_token, bearer, enrol, next_code, web_client, web_login

from .test_admin_accounts import LIST, change_form, signed_in_admin

pytestmark = pytest.mark.django_db

#: The first part, as the asking administrator types it on the password page.
FIRST = "First-part-Pass-2021"


def password_url(user: StaffUser) -> str:
    return f"/admin/organisations/staffuser/{user.pk}/password/"


def set_password_as(administrator: StaffUser, account: StaffUser, password: str = FIRST):  # type: ignore[no-untyped-def]
    return signed_in_admin(administrator).post(password_url(account), {"password1": password, "password2": password}, follow=True)


def run_action(administrator: StaffUser, action: str, *accounts: StaffUser):  # type: ignore[no-untyped-def]
    return signed_in_admin(administrator).post(
        LIST, {"action": action, "_selected_action": [account.pk for account in accounts]}, follow=True
    )


def second_parts(page: str) -> list[str]:
    return re.findall(r"data-second-part>([a-z0-9]+)<", page)


def pending(account: StaffUser, kind: str = ResetKind.PASSWORD) -> CredentialReset | None:
    return CredentialReset.objects.filter(account=account, kind=kind, status=GrantStatus.PENDING).first()


def signs_in(username: str, password: str = PASSWORD) -> tuple[bool, bool]:
    """(the pages, the API) accept ``username`` and ``password``."""
    page = web_login(web_client(), username, password)
    return page.status_code == 302, api_token(web_client(), username, password).status_code == 200


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def no_secret_in_the_audit_log(*secrets: str) -> None:
    for entry in AuditEvent.objects.all():
        text = f"{entry.detail} {entry.object_id} {entry.actor_label}"
        for secret in secrets:
            assert secret not in text, entry.action
        assert "md5$" not in text and "two_part" not in text and "argon2" not in text


# --- a password set by an administrator --------------------------------------------------------


def test_a_password_set_by_an_administrator_waits_and_the_old_one_keeps_working(administrator, xihu_reviewer):
    client = signed_in_admin(administrator)
    page = client.get(password_url(xihu_reviewer)).content.decode()
    assert "该账号受双人控制：此处设定的密码不会立即生效。" in page and f"{SECOND_PART_LENGTH} 位第二段" in page
    # Above the form: Django's style sheet hides a .messagelist inside it while a password is set.
    assert page.index("该账号受双人控制") < page.index('<form method="post" id="staffuser_form"')
    holder = web_client()
    assert web_login(holder, "xihu.reviewer").status_code == 302

    response = set_password_as(administrator, xihu_reviewer)
    message = response.content.decode()
    assert "须由另一位系统管理员在账号列表中勾选该账号并执行“确认重置”后生效" in message and "您设定的是新密码的第一段" in message
    reset = pending(xihu_reviewer)
    assert reset is not None and (reset.asked_by, reset.kind) == (administrator, ResetKind.PASSWORD)
    # Only the first part's hash is kept, never the password.
    assert FIRST not in reset.first_part_hash and check_password(FIRST, reset.first_part_hash)
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password(PASSWORD) and xihu_reviewer.temporary_password_until is None
    # The holder goes on working; the old password signs in, the new one does not.
    assert holder.get("/staff/").status_code == 200
    assert signs_in("xihu.reviewer") == (True, True)
    assert signs_in("xihu.reviewer", FIRST) == (False, False)
    asked = AuditEvent.objects.get(action="staff.reset_request")
    assert (asked.actor_id, asked.object_id) == (administrator.pk, str(xihu_reviewer.pk))
    assert asked.detail == {"reset": reset.pk, "reset_kind": "password"}


def test_the_list_and_the_account_show_what_waits_in_chinese(administrator, xihu_reviewer, finance_a):
    set_password_as(administrator, xihu_reviewer)
    run_action(administrator, "reset_mfa", finance_a)
    client = signed_in_admin(administrator)
    listing = client.get(LIST).content.decode()
    assert "有 2 项密码或两步验证重置待确认" in listing
    assert "<div><strong>重置密码</strong>（admin 提出）</div>" in listing and "<strong>重置两步验证</strong>（admin 提出）" in listing
    assert "确认重置（须由提出人以外的管理员；新密码的第二段只显示给您）" in listing and "拒绝重置（账号保持原密码和原验证器）" in listing
    filtered = client.get(LIST + "?reset=pending").content.decode()
    assert "xihu.reviewer" in filtered and "finance.a" in filtered and "city.reviewer" not in filtered
    form = client.get(f"/admin/organisations/staffuser/{xihu_reviewer.pk}/change/").content.decode()
    assert "<strong>待另一位管理员确认</strong>：重置密码（admin 提出，" in form and "该账号仍使用原来的密码和验证器" in form
    again = client.get(password_url(xihu_reviewer)).content.decode()
    assert "该账号已有一项待确认的重置密码（admin 提出）" in again
    # A second request of the same kind is refused until the first is decided.
    response = set_password_as(administrator, xihu_reviewer, "Another-part-Pass-2022")
    assert "已有一项待确认的重置密码：请先确认或拒绝它。" in response.content.decode()
    assert CredentialReset.objects.filter(account=xihu_reviewer).count() == 1


def test_the_one_who_asked_cannot_confirm_nor_the_accounts_owner(administrator, second_administrator, xihu_reviewer, city):
    set_password_as(administrator, xihu_reviewer)
    page = run_action(administrator, "confirm_resets", xihu_reviewer).content.decode()
    assert "不能确认自己提出的重置：须由另一位系统管理员确认" in page and not second_parts(page)
    assert pending(xihu_reviewer) is not None and StaffUser.objects.get(pk=xihu_reviewer.pk).check_password(PASSWORD)
    denied = AuditEvent.objects.get(action="staff.reset_confirm", result="denied")
    assert (denied.actor_id, denied.object_id) == (administrator.pk, str(xihu_reviewer.pk))
    with pytest.raises(Forbidden):
        credential_reset_confirm(reset=pending(xihu_reviewer), acting_user=administrator)  # type: ignore[arg-type]
    # An administrator's own account: another administrator asks, the owner may not confirm.
    third = staff_create(username="admin.c", role=Role.ADMIN, organisation=city, password=PASSWORD)
    set_password_as(administrator, second_administrator)
    assert "不能确认对自己账号的重置" in run_action(second_administrator, "confirm_resets", second_administrator).content.decode()
    assert len(second_parts(run_action(third, "confirm_resets", second_administrator).content.decode())) == 1
    # Nor may anyone but an administrator.
    with pytest.raises(Forbidden):
        credential_reset_confirm(reset=pending(xihu_reviewer), acting_user=xihu_reviewer)  # type: ignore[arg-type]


def test_after_confirmation_the_two_parts_sign_in_to_the_password_change_and_old_sessions_end(
    administrator, second_administrator, xihu_reviewer
):
    holder = web_client()
    assert web_login(holder, "xihu.reviewer").status_code == 302
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    set_password_as(administrator, xihu_reviewer)

    page = run_action(second_administrator, "confirm_resets", xihu_reviewer).content.decode()
    assert "第二段只在本页显示这一次，系统不保存。" in page and "不要告诉设定第一段的管理员" in page
    (second,) = second_parts(page)
    assert len(second) == SECOND_PART_LENGTH
    xihu_reviewer.refresh_from_db()
    assert is_two_part(xihu_reviewer.password) and xihu_reviewer.temporary_password_until is not None
    reset = CredentialReset.objects.get(account=xihu_reviewer)
    assert (reset.status, reset.decided_by, reset.first_part_hash) == (GrantStatus.CONFIRMED, second_administrator, "")
    # SECURITY.md 10: the holder's other sessions and tokens end.
    assert holder.get("/staff/").status_code == 302 and not signed_in(holder)
    assert web_client().get("/api/v1/review/applications", **bearer(token)).status_code == 401
    # The old password, and either part alone, sign in nowhere; both together open the password change only.
    for password in (PASSWORD, FIRST, second, second + FIRST):
        assert signs_in("xihu.reviewer", password) == (False, False)
        unlock("xihu.reviewer")  # eight failures: not what is tested here
    client = web_client()
    assert web_login(client, "xihu.reviewer", FIRST + second)["Location"] == "/staff/account/password"
    assert api_token(web_client(), "xihu.reviewer", FIRST + second).status_code == 401  # the pages first
    assert AuditEvent.objects.filter(action="staff.login", result="failed").latest("id").detail["reason"] == "temporary_password"
    page = client.get("/staff/account/password").content.decode()
    assert "您当前的密码是管理员设定的临时密码" in page and "返回账号安全" not in page
    blocked = client.get("/staff/", follow=True)
    assert blocked.redirect_chain[-1][0] == "/staff/account/password" and TEMPORARY_PASSWORD in blocked.content.decode()
    own = "My-own-Passphrase-2021"
    response = client.post("/staff/account/password", {"old_password": FIRST + second, "new_password1": own, "new_password2": own})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.temporary_password_until is None and xihu_reviewer.check_password(own)
    assert signs_in("xihu.reviewer", own) == (True, True)
    assert signs_in("xihu.reviewer", FIRST + second) == (False, False)

    confirmed = AuditEvent.objects.get(action="staff.reset_confirm", result="ok")
    assert confirmed.actor_id == second_administrator.pk
    assert set(confirmed.detail) == {"reset", "reset_kind", "asked_by", "temporary_until", "tokens_revoked", "lock_lifted"}
    assert (confirmed.detail["asked_by"], confirmed.detail["tokens_revoked"], confirmed.detail["lock_lifted"]) == (
        administrator.pk,
        1,
        False,
    )
    no_secret_in_the_audit_log(FIRST, second, own)


def test_a_temporary_password_stops_working_after_its_hours(settings, monkeypatch, administrator, second_administrator, xihu_reviewer):
    settings.STAFF_TEMPORARY_PASSWORD_HOURS = 2
    clock = MovableClock(monkeypatch)
    set_password_as(administrator, xihu_reviewer)
    (second,) = second_parts(run_action(second_administrator, "confirm_resets", xihu_reviewer).content.decode())
    clock.advance(hours=1, minutes=59)
    assert web_login(web_client(), "xihu.reviewer", FIRST + second).status_code == 302
    clock.advance(minutes=2)
    page = web_login(web_client(), "xihu.reviewer", FIRST + second)
    assert page.status_code == 200 and "用户名或密码不正确" in page.content.decode()
    assert AuditEvent.objects.filter(action="staff.login", result="failed").latest("id").detail["reason"] == "temporary_expired"
    listing = signed_in_admin(administrator).get(LIST).content.decode()
    assert "临时密码已于" in listing and "过期（本人未修改）" in listing


def test_a_refused_reset_leaves_the_password_as_it_was_and_the_asker_may_withdraw(administrator, second_administrator, xihu_reviewer):
    set_password_as(administrator, xihu_reviewer)
    page = run_action(second_administrator, "refuse_resets", xihu_reviewer).content.decode()
    assert "已拒绝 1 项重置：xihu.reviewer（重置密码）。" in page
    reset = CredentialReset.objects.get(account=xihu_reviewer)
    assert (reset.status, reset.decided_by, reset.first_part_hash) == (GrantStatus.REFUSED, second_administrator, "")
    assert signs_in("xihu.reviewer") == (True, True) and signs_in("xihu.reviewer", FIRST) == (False, False)
    refused = AuditEvent.objects.get(action="staff.reset_refuse")
    assert refused.actor_id == second_administrator.pk
    assert refused.detail == {"reset": reset.pk, "reset_kind": "password", "asked_by": administrator.pk}
    # Decided is decided.
    with pytest.raises(Conflict):
        credential_reset_confirm(reset=reset, acting_user=second_administrator)
    assert "没有待确认的重置" in run_action(second_administrator, "confirm_resets", xihu_reviewer).content.decode()
    # The one who asked may withdraw a new one.
    set_password_as(administrator, xihu_reviewer)
    run_action(administrator, "refuse_resets", xihu_reviewer)
    assert pending(xihu_reviewer) is None and signs_in("xihu.reviewer") == (True, True)
    with pytest.raises(Forbidden):
        credential_reset_refuse(reset=CredentialReset.objects.last(), acting_user=xihu_reviewer)  # type: ignore[arg-type]


# --- a second factor reset -----------------------------------------------------------------------


def test_a_second_factor_reset_waits_then_ends_the_authenticator_and_the_sessions(
    settings, monkeypatch, administrator, second_administrator, finance_a
):
    settings.STAFF_MFA_ROLES = ["finance_officer"]
    MovableClock(monkeypatch)
    enrol(finance_a)
    holder = web_client()
    web_login(holder, "finance.a")
    assert holder.post("/staff/login/otp", {"code": next_code(finance_a)}).status_code == 302
    page = run_action(administrator, "reset_mfa", finance_a).content.decode()
    assert "两步验证重置须由另一位系统管理员执行“确认重置”后生效，确认前原验证器照常使用：finance.a。" in page
    assert StaffTotp.objects.get(user=finance_a).active and holder.get("/staff/payments/").status_code == 200
    assert "不能确认自己提出的重置" in run_action(administrator, "confirm_resets", finance_a).content.decode()
    assert StaffTotp.objects.filter(user=finance_a).exists()

    page = run_action(second_administrator, "confirm_resets", finance_a).content.decode()
    assert "已确认 1 个账号的两步验证重置：finance.a。" in page and not second_parts(page)
    assert not StaffTotp.objects.filter(user=finance_a).exists() and not StaffToken.objects.filter(user=finance_a).exists()
    assert holder.get("/staff/payments/").status_code == 302 and not signed_in(holder)
    # The holder binds a new one with their own password, which no administrator knows.
    assert web_login(web_client(), "finance.a")["Location"] == "/staff/login/enrol"
    confirmed = AuditEvent.objects.get(action="staff.reset_confirm", result="ok")
    assert confirmed.detail == {
        "reset": pending_or_last(finance_a).pk,
        "reset_kind": "mfa",
        "asked_by": administrator.pk,
        "had_device": True,
        "tokens_revoked": 0,
        "lock_lifted": False,
    }


def pending_or_last(account: StaffUser) -> CredentialReset:
    return CredentialReset.objects.filter(account=account).latest("id")


def test_outside_dual_control_both_resets_hold_at_once(settings, administrator, xihu_reviewer):
    settings.STAFF_DUAL_CONTROL_ROLES = ["finance_officer", "admin"]
    enrol(xihu_reviewer)
    run_action(administrator, "reset_mfa", xihu_reviewer)
    assert not StaffTotp.objects.filter(user=xihu_reviewer).exists()
    assert AuditEvent.objects.get(action="staff.mfa_reset").actor_id == administrator.pk
    set_password_as(administrator, xihu_reviewer)
    assert not CredentialReset.objects.exists()
    # Temporary all the same: the holder replaces it at the first sign-in.
    assert web_login(web_client(), "xihu.reviewer", FIRST)["Location"] == "/staff/account/password"


def test_which_accounts_are_under_dual_control(settings, administrator, xihu_reviewer, xihu_grassroots):
    assert under_dual_control(xihu_reviewer) and under_dual_control(administrator)
    settings.STAFF_DUAL_CONTROL_ROLES = ["finance_officer", "admin"]
    assert not under_dual_control(xihu_reviewer) and under_dual_control(administrator)
    # A role that waits for a second administrator counts, and so does no role at all.
    signed_in_admin(administrator).post(
        f"/admin/organisations/staffuser/{xihu_reviewer.pk}/change/",
        change_form(xihu_reviewer, role=Role.FINANCE_OFFICER, organisation=administrator.organisation_id),
    )
    assert StaffUser.objects.get(pk=xihu_reviewer.pk).role == Role.DISTRICT_REVIEWER and under_dual_control(xihu_reviewer)
    clerk = staff_create(username="clerk.x", role=Role.GRASSROOTS_CLERK, organisation=xihu_grassroots, password=PASSWORD)
    clerk.role = ""
    assert under_dual_control(clerk)
    settings.STAFF_DUAL_CONTROL_ROLES = []
    assert not under_dual_control(clerk) and not under_dual_control(administrator)


def test_disabling_password_sign_in_holds_at_once_and_is_audited(administrator, xihu_reviewer):
    client = signed_in_admin(administrator)
    response = client.post(password_url(xihu_reviewer), {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    assert not StaffUser.objects.get(pk=xihu_reviewer.pk).has_usable_password()
    assert AuditEvent.objects.get(action="staff.password_reset").detail == {"usable": False}
    assert signs_in("xihu.reviewer") == (False, False)


def test_the_audit_log_names_the_reset_steps_in_chinese(administrator, second_administrator, xihu_reviewer):
    set_password_as(administrator, xihu_reviewer)
    run_action(second_administrator, "confirm_resets", xihu_reviewer)
    for action in ("staff.reset_request", "staff.reset_confirm", "staff.reset_refuse"):
        assert action in ACTION_LABELS
    entry = AuditEvent.objects.get(action="staff.reset_confirm")
    text = readable_detail(entry.detail, action=entry.action)
    assert "重置类型：重置密码" in text and f"提出人（编号）：{administrator.pk}" in text and "临时密码有效期至：" in text


def test_the_list_reads_the_resets_in_a_fixed_number_of_queries(administrator, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_admin(administrator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    first = staff_create(username="auditor.x", role=Role.AUDITOR, organisation=city, password=PASSWORD)
    set_password_as(administrator, first)
    queries()  # the session's first page stores its notices
    few = queries()
    for name in ("auditor.y", "auditor.z", "economic.x"):
        account = staff_create(username=name, role=Role.AUDITOR, organisation=city, password=PASSWORD)
        set_password_as(administrator, account)
        run_action(administrator, "reset_mfa", account)
    assert queries() == few
