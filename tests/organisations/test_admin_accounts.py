"""Staff accounts and organisations in the admin: a role must belong to its kind of organisation
(as ``create_staff`` requires), Django's staff and superuser flags follow the role, and every
account or organisation created, changed, given a new password or deleted is one audit entry
(SECURITY.md 17: role changes). A role given here holds once a second administrator confirms it
(tests/organisations/test_role_grants.py)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.organisations.models import OrgKind, Role, StaffUser
from rewards.organisations.services import organisation_ensure, staff_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADD = "/admin/organisations/staffuser/add/"
LIST = "/admin/organisations/staffuser/"


def signed_in_admin(user: StaffUser) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(administrator) -> Client:  # type: ignore[no-untyped-def]
    return signed_in_admin(administrator)


def confirm_as(administrator: StaffUser, *accounts: StaffUser):  # type: ignore[no-untyped-def]
    """确认授权 from the list, as ``administrator``."""
    return signed_in_admin(administrator).post(
        LIST, {"action": "confirm_grants", "_selected_action": [account.pk for account in accounts]}, follow=True
    )


def new_account(**overrides) -> dict:  # type: ignore[no-untyped-def]
    return {
        "username": "new.clerk",
        "full_name": "钱新",
        "role": Role.GRASSROOTS_CLERK,
        "password1": "a-long-Passphrase-2020",
        "password2": "a-long-Passphrase-2020",
        **overrides,
    }


def change_form(user: StaffUser, **overrides) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "organisation": user.organisation_id,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        **overrides,
    }
    return {key: value for key, value in data.items() if value != ""}


def test_a_role_in_the_wrong_kind_of_organisation_is_refused_and_nothing_is_written(admin_client, city):
    entries = AuditEvent.objects.count()
    response = admin_client.post(ADD, new_account(organisation=city.pk))
    assert response.status_code == 200
    assert "应属于基层工会" in response.content.decode()
    assert not StaffUser.objects.filter(username="new.clerk").exists()
    assert AuditEvent.objects.count() == entries


def test_a_role_without_an_organisation_is_refused_on_adding_and_on_changing(admin_client, xihu_reviewer):
    # staff_create requires one: a grant of 基层工会经办人 to nowhere was taken and left an
    # account that a confirmation would have enabled with no union.
    response = admin_client.post(ADD, new_account())
    assert response.status_code == 200
    assert "请选择所属组织：角色“基层工会经办人”应属于一个基层工会。" in response.content.decode()
    assert not StaffUser.objects.filter(username="new.clerk").exists()
    response = admin_client.post(f"{LIST}{xihu_reviewer.pk}/change/", change_form(xihu_reviewer, organisation=""))
    assert response.status_code == 200
    assert "请选择所属组织：角色“区县（产业）工会审核人”应属于一个" in response.content.decode()
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.organisation_id is not None


def test_an_account_without_a_role_needs_no_organisation(admin_client):
    response = admin_client.post(ADD, new_account(role=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StaffUser.objects.get(username="new.clerk").role == ""


def test_the_add_form_says_before_saving_what_saving_does(admin_client, settings):
    page = admin_client.get(ADD).content.decode()
    assert "保存后账号还不能登录" in page and "任何角色须由另一位系统管理员" in page
    assert "临时密码的第一段" in page and "新密码确认后 24 小时内有效" in page
    settings.STAFF_DUAL_CONTROL_ROLES = ["admin", "finance_officer"]
    page = admin_client.get(ADD).content.decode()
    assert "角色为市总财务人员、系统管理员的账号须由另一位系统管理员" in page
    settings.STAFF_DUAL_CONTROL_ROLES = []
    page = admin_client.get(ADD).content.decode()
    assert "保存后账号还不能登录" not in page and "临时密码的第一段" not in page
    assert "新账号的密码是临时密码：24 小时内有效" in page


def test_the_add_form_says_why_the_password_boxes_came_back_empty(admin_client, city):
    response = admin_client.post(ADD, new_account(organisation=city.pk))
    page = response.content.decode()
    assert "应属于基层工会" in page
    assert "刚才输入的密码没有保留，请重新输入两次" in page
    assert 'name="password1"' in page and "a-long-Passphrase-2020" not in page
    # Nothing typed, or the password itself wrong: nothing more to say than Django's own errors.
    page = admin_client.post(ADD, new_account(organisation=city.pk, password1="", password2="")).content.decode()
    assert "刚才输入的密码没有保留" not in page
    page = admin_client.post(ADD, new_account(organisation=city.pk, password2="another-Passphrase-2020")).content.decode()
    assert "刚才输入的密码没有保留" not in page and "输入的两个密码不一致" in page


def test_an_account_created_in_the_admin_is_audited_and_gets_no_admin_rights(
    admin_client, administrator, second_administrator, xihu_grassroots
):
    response = admin_client.post(ADD, new_account(organisation=xihu_grassroots.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    user = StaffUser.objects.get(username="new.clerk")
    # Created without its role until a second administrator confirms it.
    assert (user.organisation, user.role, user.is_active) == (None, "", False)
    entry = AuditEvent.objects.get(action="staff.create", object_id=str(user.pk))
    assert entry.actor_id == administrator.pk
    assert entry.detail == {"role": "", "organisation_id": None}
    asked = AuditEvent.objects.get(action="staff.grant_request", object_id=str(user.pk))
    assert asked.actor_id == administrator.pk
    assert asked.detail["changes"] == {
        "role": ["", Role.GRASSROOTS_CLERK],
        "organisation_id": [None, xihu_grassroots.pk],
        "is_active": [False, True],
    }
    confirm_as(second_administrator, user)
    user.refresh_from_db()
    assert (user.organisation, user.role, user.is_active) == (xihu_grassroots, Role.GRASSROOTS_CLERK, True)
    assert not user.is_staff and not user.is_superuser


def test_a_role_change_is_checked_and_audited_with_what_changed(
    admin_client, administrator, second_administrator, xihu_reviewer, city, xihu
):
    url = f"/admin/organisations/staffuser/{xihu_reviewer.pk}/change/"
    # The city's role in a district union: refused, unchanged, nothing recorded.
    response = admin_client.post(url, change_form(xihu_reviewer, role=Role.CITY_REVIEWER))
    assert response.status_code == 200 and "应属于市总工会" in response.content.decode()
    assert StaffUser.objects.get(pk=xihu_reviewer.pk).role == Role.DISTRICT_REVIEWER
    assert not AuditEvent.objects.filter(action__startswith="staff.").exclude(action="staff.create").exists()
    # Moved to the city with the city's role: asked and recorded, old and new; held once confirmed.
    response = admin_client.post(url, change_form(xihu_reviewer, role=Role.CITY_REVIEWER, organisation=city.pk))
    assert response.status_code == 302
    assert StaffUser.objects.get(pk=xihu_reviewer.pk).role == Role.DISTRICT_REVIEWER
    assert not AuditEvent.objects.filter(action="staff.change").exists()  # nothing the account holds changed yet
    asked = AuditEvent.objects.get(action="staff.grant_request", object_id=str(xihu_reviewer.pk))
    assert asked.actor_id == administrator.pk
    assert asked.detail["changes"] == {"role": [Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER], "organisation_id": [xihu.pk, city.pk]}
    confirm_as(second_administrator, xihu_reviewer)
    entry = AuditEvent.objects.get(action="staff.grant_confirm", object_id=str(xihu_reviewer.pk))
    assert entry.actor_id == second_administrator.pk
    assert entry.detail["changes"] == {"role": [Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER], "organisation_id": [xihu.pk, city.pk]}
    # Made the administrator: Django's flags follow, once confirmed.
    moved = StaffUser.objects.get(pk=xihu_reviewer.pk)
    admin_client.post(url, change_form(moved, role=Role.ADMIN))
    moved.refresh_from_db()
    assert moved.role == Role.CITY_REVIEWER and not moved.is_staff
    confirm_as(second_administrator, moved)
    moved.refresh_from_db()
    assert moved.role == Role.ADMIN and moved.is_staff and moved.is_superuser


def test_deactivating_is_audited_and_saving_unchanged_writes_nothing(admin_client, xihu_reviewer):
    url = f"/admin/organisations/staffuser/{xihu_reviewer.pk}/change/"
    assert admin_client.post(url, change_form(xihu_reviewer)).status_code == 302
    assert not AuditEvent.objects.filter(action="staff.change").exists()
    assert admin_client.post(url, change_form(xihu_reviewer, is_active="")).status_code == 302
    entry = AuditEvent.objects.get(action="staff.change")
    assert entry.detail["changes"] == {"is_active": [True, False]}
    assert not StaffUser.objects.get(pk=xihu_reviewer.pk).is_active


def test_a_password_set_by_the_administrator_outside_dual_control_is_temporary_and_audited(
    settings, admin_client, administrator, xihu_reviewer
):
    """Under dual control (every role by default) it waits instead: tests/organisations/test_credential_resets.py."""
    settings.STAFF_DUAL_CONTROL_ROLES = ["finance_officer", "admin"]
    url = f"/admin/organisations/staffuser/{xihu_reviewer.pk}/password/"
    assert "此处设定的是临时密码：立即生效" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"password1": "another-long-Pass-2021", "password2": "another-long-Pass-2021"})
    assert response.status_code == 302
    entry = AuditEvent.objects.get(action="staff.password_reset", object_id=str(xihu_reviewer.pk))
    assert entry.actor_id == administrator.pk and "another" not in str(entry.detail) and "pbkdf2" not in str(entry.detail)
    assert set(entry.detail) == {"temporary_until", "tokens_revoked", "lock_lifted"}
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.check_password("another-long-Pass-2021") and xihu_reviewer.temporary_password_until is not None
    # A refused one (the two differ) is not.
    admin_client.post(url, {"password1": "x-long-Pass-1", "password2": "y-long-Pass-2"})
    assert AuditEvent.objects.filter(action="staff.password_reset").count() == 1


def test_deleting_an_account_is_audited(admin_client, city):
    user = staff_create(username="temp.auditor", role=Role.AUDITOR, organisation=city, password=PASSWORD)
    response = admin_client.post(f"/admin/organisations/staffuser/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEvent.objects.get(action="staff.delete", object_id=str(user.pk))
    assert entry.detail == {"username": "temp.auditor", "role": Role.AUDITOR, "organisation_id": city.pk}


def test_organisations_created_and_changed_in_the_admin_are_audited(admin_client, administrator, xihu):
    response = admin_client.post(
        "/admin/organisations/organisation/add/",
        {
            "name": "杭州西湖新材料有限公司工会",
            "kind": OrgKind.GRASSROOTS,
            "parent": xihu.pk,
            "employer": "杭州西湖新材料有限公司",
            "position": 0,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org, _ = organisation_ensure(name="杭州西湖新材料有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    created = AuditEvent.objects.get(action="organisation.create", object_id=str(org.pk))
    assert created.actor_id == administrator.pk and created.detail["parent"] == xihu.pk
    response = admin_client.post(
        f"/admin/organisations/organisation/{org.pk}/change/",
        {"name": org.name, "kind": OrgKind.GRASSROOTS, "parent": xihu.pk, "employer": org.employer, "position": 0},
    )
    assert response.status_code == 302
    changed = AuditEvent.objects.get(action="organisation.change", object_id=str(org.pk))
    assert changed.detail["changes"] == {"active": [True, False]}


def test_django_groups_are_not_offered():
    assert not admin.site.is_registered(Group)


def test_the_administrators_menu_offers_its_work_and_the_economic_officer_starts_at_declarations(administrator, economic_officer, campaign):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(administrator)
    page = client.get("/staff/campaigns/").content.decode()
    assert 'href="/admin/"' in page and "账号与组织" in page
    assert 'href="/staff/"' not in page.split("staff-nav", 1)[1].split("</nav>", 1)[0]  # no 审核列表 it may not open
    assert "汇总表（附件4）" not in page
    from rewards.web.staff.auth import landing

    assert landing(economic_officer) == "/staff/occupations/"
    assert landing(administrator) == "/admin/"


def test_the_audit_log_is_read_on_its_own_pages_not_in_the_administration(admin_client):
    """The administration's list showed raw codes and raw detail (decision 106)."""
    from rewards.core.models import AuditEvent

    assert not admin.site.is_registered(AuditEvent)
    assert admin_client.get("/admin/core/auditevent/").status_code == 404
    assert admin_client.get("/staff/audit").status_code == 200


def test_the_administration_greets_the_administrator_by_name(admin_client, administrator):
    administrator.full_name = "系统管理员"
    administrator.save(update_fields=["full_name"])
    page = admin_client.get("/admin/").content.decode()
    assert "欢迎您，<strong>系统管理员</strong>" in page
    assert "</strong>." not in page  # Django's own template ends the welcome with an English full stop
    assert '<a href="/staff/audit">审计日志</a>' in page


def test_the_staff_list_and_an_account_speak_an_administrators_language(admin_client, xihu_reviewer):
    """Found as a new administrator: no navigation column squeezing the list at 1366 px, filters
    headed 按角色 (Django: “以 角色”), a password said to be set (Django listed the hash's
    algorithm, memory cost and salt), and what unticking 有效 does (Django: “指明用户是否被认为是
    活跃的”)."""
    listing = admin_client.get(LIST).content.decode()
    assert 'id="nav-sidebar"' not in listing
    assert "按角色" in listing and "以 角色" not in listing
    page = admin_client.get(f"{LIST}{xihu_reviewer.pk}/change/").content.decode()
    assert "已设置" in page and "算法" not in page and "盐" not in page
    assert "取消勾选即停用：该账号不能再登录" in page and "指明用户是否被认为是活跃的" not in page


def test_an_administrator_cannot_give_themself_another_role(admin_client, administrator):
    """SECURITY.md 5: an administrator cannot review or pay, so cannot make themself a payer."""
    url = f"/admin/organisations/staffuser/{administrator.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="role"' not in page and 'name="organisation"' not in page and 'name="is_active"' not in page
    response = admin_client.post(url, change_form(administrator, role=Role.FINANCE_OFFICER, is_active=""))
    assert response.status_code == 302
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMIN and administrator.is_active and administrator.is_superuser
    assert not AuditEvent.objects.filter(action="staff.change", object_id=str(administrator.pk)).exists()
