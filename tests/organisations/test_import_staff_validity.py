"""import_staff --valid-hours N: the first passwords of one run hold 1 to 168 hours (by default as
a reset's, 24); the summary and each line of the passwords file say until when, in Beijing time;
a password used after that is refused like any lapsed temporary password."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from rewards.core import clock
from rewards.core.errors import InvalidInput
from rewards.core.models import AuditEvent
from rewards.organisations.models import StaffUser
from rewards.organisations.staff_import import create_staff_accounts, plan_staff_import
from tests.registries.tables import write_csv
from tests.security.staff_helpers import MovableClock, web_client, web_login

from .test_import_staff import HEADER, import_staff, read_passwords, rows_of_three

pytestmark = pytest.mark.django_db

USERNAMES = ["xihu.wang", "jm.li", "fin.zhao"]


def beijing(moment: dt.datetime) -> str:
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("hours", [1, 24, 168])
def test_the_first_passwords_hold_the_hours_given_and_both_the_summary_and_the_file_say_until_when(
    xihu_grassroots, tmp_path, monkeypatch, hours
):
    MovableClock(monkeypatch, frozen=True)
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"

    said = import_staff(str(sheet), "--passwords-out", str(out), "--valid-hours", str(hours))

    until = clock.now() + dt.timedelta(hours=hours)
    assert {user.temporary_password_until for user in StaffUser.objects.filter(username__in=USERNAMES)} == {until}
    assert f"有效期至 {beijing(until)}（北京时间，{hours} 小时" in said
    lines = read_passwords(out)
    assert list(lines[0])[-2:] == ["初始密码", "有效期至"]
    assert [line["有效期至"] for line in lines] == [beijing(until)] * 3
    assert AuditEvent.objects.get(action="staff.import").detail["valid_hours"] == hours


def test_without_the_option_they_hold_as_a_reset_does(xihu_grassroots, tmp_path, monkeypatch, settings):
    MovableClock(monkeypatch, frozen=True)
    settings.STAFF_TEMPORARY_PASSWORD_HOURS = 24
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"

    said = import_staff(str(sheet), "--passwords-out", str(out))

    until = clock.now() + dt.timedelta(hours=24)
    assert StaffUser.objects.get(username="jm.li").temporary_password_until == until
    assert f"有效期至 {beijing(until)}（北京时间，24 小时" in said
    assert read_passwords(out)[0]["有效期至"] == beijing(until)
    assert "valid_hours" not in AuditEvent.objects.get(action="staff.import").detail


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("0", "初始密码的有效时长须在 1 至 168 小时之间（168 小时即 7 天），不能是 0 小时。"),
        ("169", "初始密码的有效时长须在 1 至 168 小时之间（168 小时即 7 天），不能是 169 小时。"),
        ("-1", "--valid-hours 须是 1 至 168 之间的整数（小时），不能是“-1”。"),
        ("1.5", "--valid-hours 须是 1 至 168 之间的整数（小时），不能是“1.5”。"),
        ("两天", "--valid-hours 须是 1 至 168 之间的整数（小时），不能是“两天”。"),
    ],
)
def test_hours_out_of_range_are_refused_in_chinese_and_nothing_is_written(xihu_grassroots, tmp_path, given, said):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"

    with pytest.raises(CommandError) as refused:
        import_staff(str(sheet), "--passwords-out", str(out), f"--valid-hours={given}")

    assert str(refused.value) == said + "未创建任何账号。"
    assert not out.exists() and not StaffUser.objects.filter(username__in=USERNAMES).exists()
    assert not AuditEvent.objects.filter(action__in=["staff.create", "staff.import"]).exists()


def test_a_dry_run_refuses_them_too(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    with pytest.raises(CommandError, match="不能是 169 小时"):
        import_staff(str(sheet), "--dry-run", "--valid-hours", "169")


def test_the_service_refuses_them_whoever_calls_it(xihu_grassroots, tmp_path):
    plan = plan_staff_import(write_csv(tmp_path / "staff.csv", HEADER, rows_of_three()))
    delivered: list[object] = []
    for hours in (0, 169):
        with pytest.raises(InvalidInput):
            create_staff_accounts(plan, deliver=lambda accounts, until: delivered.append(accounts), valid_hours=hours)
    assert delivered == [] and not StaffUser.objects.filter(username__in=USERNAMES).exists()


def _password_of(out: Path, username: str) -> str:
    return next(line["初始密码"] for line in read_passwords(out) if line["用户名"] == username)


def test_a_password_used_after_its_hours_is_refused(xihu_grassroots, tmp_path, monkeypatch):
    moved = MovableClock(monkeypatch, frozen=True)
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"
    import_staff(str(sheet), "--passwords-out", str(out), "--valid-hours", "1")
    password = _password_of(out, "jm.li")

    moved.advance(minutes=59, seconds=59)  # the last second it holds
    assert web_login(web_client(), "jm.li", password)["Location"] == "/staff/account/password"
    moved.advance(seconds=1)  # the hour is up
    page = web_login(web_client(), "jm.li", password)
    assert page.status_code == 200 and "/staff/account/password" not in page.get("Location", "")
    failed = AuditEvent.objects.filter(action="staff.login", result="failed").latest("id")
    assert failed.detail["reason"] == "temporary_expired"
