"""create_staff USERNAME --role ROLE --org ORG_NAME (API.md "Operations CLI")."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core.models import AuditEvent
from rewards.organisations.models import StaffUser

PASSWORD = "Lakeside-Plum-Blossom-2020"


def create_staff(*args: str) -> str:
    out = StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_creates_a_user_with_role_and_organisation(xihu, monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)

    output = create_staff(
        "xihu.li", "--role", "district_reviewer", "--org", "西湖区总工会", "--password", PASSWORD, "--full-name", "李审核"
    )

    user = StaffUser.objects.get(username="xihu.li")
    assert (user.role, user.organisation, user.full_name) == ("district_reviewer", xihu, "李审核")
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert "已创建 xihu.li" in output and "两步验证" not in output  # not a role in STAFF_MFA_ROLES here
    event = AuditEvent.objects.get(action="staff.create")
    assert (event.object_id, event.actor_label) == (str(user.pk), "cli")
    assert event.detail == {"role": "district_reviewer", "organisation_id": xihu.pk}
    assert PASSWORD not in event.canonical()


def test_reads_the_password_from_staff_password(city, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)

    create_staff("finance.c", "--role", "finance_officer", "--org", "杭州市总工会")

    user = StaffUser.objects.get(username="finance.c")
    assert user.check_password(PASSWORD)
    assert (user.role, user.organisation) == ("finance_officer", city)


def test_the_organisation_name_matches_either_bracket_width(campaign, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)

    create_staff("binjiang", "--role", "district_reviewer", "--org", "高新区(滨江)总工会")

    assert StaffUser.objects.get(username="binjiang").organisation.name == "高新区（滨江）总工会"


def test_an_administrator_may_use_the_admin_site(city, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)

    create_staff("root", "--role", "admin", "--org", "杭州市总工会")

    user = StaffUser.objects.get(username="root")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("district_reviewer", "杭州市总工会"),
        ("city_reviewer", "西湖区总工会"),
        ("grassroots_clerk", "西湖区总工会"),
        ("finance_officer", "杭州西湖精密机械有限公司工会"),
    ],
)
def test_refuses_a_role_at_the_wrong_organisation_level(xihu_grassroots, monkeypatch, role, org):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match="应属于"):
        create_staff("misplaced", "--role", role, "--org", org)

    assert not StaffUser.objects.filter(username="misplaced").exists()
    assert not AuditEvent.objects.filter(action="staff.create").exists()


def test_refuses_without_a_password(xihu, monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="STAFF_PASSWORD"):
        create_staff("nopass", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert not StaffUser.objects.filter(username="nopass").exists()


def test_refuses_a_weak_password(xihu, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "12345678")

    with pytest.raises(CommandError, match="密码不符合要求"):
        create_staff("weak", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert not StaffUser.objects.filter(username="weak").exists()


def test_refuses_an_unknown_organisation_role_or_taken_username(xihu_reviewer, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match="没有名为"):
        create_staff("lost", "--role", "district_reviewer", "--org", "火星区总工会")
    with pytest.raises(CommandError):
        create_staff("lost", "--role", "emperor", "--org", "西湖区总工会")
    with pytest.raises(CommandError, match="已被使用"):
        create_staff("xihu.reviewer", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert not StaffUser.objects.filter(username="lost").exists()
    assert StaffUser.objects.filter(username="xihu.reviewer").count() == 1


@pytest.fixture
def a_terminal(monkeypatch):  # type: ignore[no-untyped-def]
    """The operator at a terminal, typing the answers given to ``typing``; no STAFF_PASSWORD."""
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    prompts: list[str] = []

    def typing(*answers: str | BaseException) -> list[str]:
        given = iter(answers)

        def getpass(prompt: str) -> str:
            prompts.append(prompt)
            answer = next(given)
            if isinstance(answer, BaseException):
                raise answer
            return answer

        monkeypatch.setattr("rewards.organisations.management.passwords.getpass.getpass", getpass)
        return prompts

    return typing


def test_asks_for_the_password_twice_on_a_terminal(xihu, a_terminal):
    prompts = a_terminal(PASSWORD, PASSWORD)

    create_staff("typed", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert prompts == ["密码：", "再输入一次密码："]
    assert StaffUser.objects.get(username="typed").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ((PASSWORD, PASSWORD + "x"), "两次输入的密码不一致，账号未创建。"),
        (("",), "没有输入密码，账号未创建。"),
        ((EOFError(),), "没有输入密码，账号未创建。"),  # Ctrl-D
        ((PASSWORD, KeyboardInterrupt()), "没有输入密码，账号未创建。"),  # Ctrl-C at the second prompt
    ],
)
def test_a_typed_password_that_differs_or_is_empty_creates_nothing(xihu, a_terminal, answers, message):
    a_terminal(*answers)

    with pytest.raises(CommandError) as refused:
        create_staff("typed", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert str(refused.value) == message
    assert not StaffUser.objects.filter(username="typed").exists()


def test_an_unknown_organisation_is_refused_before_the_password_is_asked(xihu, a_terminal):
    prompts = a_terminal(PASSWORD, PASSWORD)

    with pytest.raises(CommandError, match="没有名为“西湖总工会”的组织"):
        create_staff("typed", "--role", "district_reviewer", "--org", "西湖总工会")

    assert prompts == []


def test_a_role_that_must_use_a_second_factor_is_told_so(city, settings):
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]
    output = create_staff("city.cash", "--role", "finance_officer", "--org", "杭州市总工会", "--password", PASSWORD)
    assert "该角色须用两步验证：本人首次登录时，须先用手机上的验证器应用扫码绑定。" in output


def test_refuses_a_password_like_the_username_as_the_administration_does(xihu, monkeypatch):
    """Django's similarity check needs the account: the administration's add form gives it, and so
    does the command (set_staff_password checks against the account it changes)."""
    monkeypatch.setenv("STAFF_PASSWORD", "xihu.reviewer.wang")

    with pytest.raises(CommandError, match=r"^密码不符合要求：密码跟 用户名 太相似了。账号未创建。$"):
        create_staff("xihu.reviewer.wang", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert not StaffUser.objects.filter(username="xihu.reviewer.wang").exists()
    create_staff("chen.dan", "--role", "district_reviewer", "--org", "西湖区总工会")  # under another name: taken
    assert StaffUser.objects.get(username="chen.dan").check_password("xihu.reviewer.wang")


def test_on_a_terminal_a_password_taken_from_staff_password_is_said_so(xihu, a_terminal, monkeypatch, capsys):
    """A STAFF_PASSWORD left exported in the operator's shell (from an earlier account) is taken
    without a prompt: the operator, who expected to type one, is told where it came from."""
    prompts = a_terminal()
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)

    create_staff("from.env", "--role", "district_reviewer", "--org", "西湖区总工会")

    assert prompts == [] and StaffUser.objects.get(username="from.env").check_password(PASSWORD)
    assert "密码取自环境变量 STAFF_PASSWORD（没有在终端中询问）" in capsys.readouterr().err
