"""``make demo``'s printout names the demo password file where it really is (``DATA_DIR``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_printout_names_the_password_file_under_data_dir(settings, tmp_path, business_day):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--members", "5", stdout=out)
    password = (tmp_path / "demo-password").read_text().strip()
    assert f"密码：{password}   （保存在 {tmp_path / 'demo-password'}）" in out.getvalue()


def test_the_demo_shows_the_city_a_hard_signal_to_resolve(settings, tmp_path, business_day):
    """A new user clicking through `make run` as the city's reviewer meets the signal workflow."""
    from rewards.applications.models import Flag

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())  # as make run seeds it
    flags = Flag.objects.select_related("application__union")
    city = [(f.hard, f.resolved_at, f.application.status) for f in flags if f.code == "not_in_registry"]
    assert city == [(True, None, "pending_city")] * 2


def test_the_demo_shows_a_district_the_other_signals_and_migrant_workers(settings, tmp_path, business_day):
    """上城区's reviewer meets a bank card given by two people (hard) and one mobile number on three
    applications (soft); about one worker in four is a migrant worker, online and on the sheet."""
    from rewards.applications.models import Application, Flag
    from rewards.review.flags import ensure_signals

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    for application in Application.objects.all():
        ensure_signals(application)  # as a reviewer's first look does
    flags = Flag.objects.select_related("application__union").exclude(code="not_in_registry")
    found = sorted((f.code, f.hard, f.application.union.name, f.application.status) for f in flags)
    assert (
        found
        == [("card_shared", True, "上城区总工会", "pending_district")] * 2
        + [("phone_shared", False, "上城区总工会", "pending_district")] * 3
    )
    migrants = Application.objects.filter(is_migrant=True)
    assert {a.channel for a in migrants} == {"online", "batch"}
    assert all(a.hukou_place and a.years_in_hangzhou for a in migrants)
    assert Application.objects.count() > migrants.count() * 3


def test_the_demo_files_its_applications_inside_the_campaign_up_to_the_business_date(settings, tmp_path, business_day):
    """填报日期 and the weekly chart of 工作进度 fall within 2020's campaign, not on the real date."""
    from rewards.applications.models import Application
    from rewards.campaigns.selectors import require_current_campaign
    from rewards.core import clock

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    campaign = require_current_campaign()
    days = sorted(a.submitted_at.astimezone(clock.SHANGHAI).date() for a in Application.objects.all())
    # From the opening on (a certificate issued later is claimed no earlier than its date) to today.
    assert campaign.opens_on <= days[0] <= campaign.opens_on + dt.timedelta(days=14) and days[-1] == clock.today()
    assert all(a.submitted_at.astimezone(clock.SHANGHAI).date() >= a.certificate_issue_date for a in Application.objects.all())
    assert len(set(days)) > 10  # spread over the weeks, not all on one day


def test_an_application_filed_under_a_business_date_carries_it(settings, business_day):
    from rewards.core import clock

    settings.APP_TODAY = "2020-10-15"
    filed = clock.business_now().astimezone(clock.SHANGHAI)
    assert filed.date().isoformat() == "2020-10-15" and filed.utcoffset() == dt.timedelta(hours=8)
    settings.APP_TODAY = ""
    assert abs((clock.business_now() - clock.now()).total_seconds()) < 5


def test_the_demos_declarations_are_dated_inside_the_campaign(settings, tmp_path, business_day):
    from rewards.campaigns.declarations import declaration_deadline
    from rewards.campaigns.models import OccupationDeclaration
    from rewards.campaigns.selectors import require_current_campaign
    from rewards.core import clock

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    deadline = declaration_deadline(require_current_campaign())
    rows = list(OccupationDeclaration.objects.all())
    assert rows and all(row.created_at.astimezone(clock.SHANGHAI).date() <= deadline for row in rows)
    assert all(row.decided_at is None or row.decided_at > row.created_at for row in rows)


def test_the_demos_dates_agree_certificate_then_filing_then_history(settings, tmp_path, business_day):
    """A worker's 填报日期 is never before the certificate's issue, and the history (the printed
    Annex 3's opinion dates) follows it, up to the business date (decision 101)."""
    from rewards.applications.models import Application
    from rewards.core import clock

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    end = clock.end_of_day(clock.today())
    applications = list(Application.objects.prefetch_related("events"))
    assert applications
    for application in applications:
        filed = application.submitted_at
        assert filed.astimezone(clock.SHANGHAI).date() >= application.certificate_issue_date, application.application_no
        steps = [event.at for event in application.events.all()]
        assert steps and all(filed <= at <= end for at in steps), application.application_no


def test_under_a_business_date_history_keeps_the_real_clock(settings, business_day, campaign, xihu, xihu_reviewer):
    """API.md, Configuration: ``APP_TODAY`` moves deadlines, windows and 填报日期; "history, audit,
    sessions, codes and throttles keep the real clock" (decision 113)."""
    from rewards.core import clock
    from rewards.review.services import review_decide
    from tests import factories

    settings.APP_TODAY = "2020-10-15"
    application = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_district")
    before = clock.now()
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve")
    event = application.events.get(decision="approve")
    assert before <= event.at <= clock.now()
    assert event.at.astimezone(clock.SHANGHAI).date() != dt.date(2020, 10, 15)


def test_the_printed_members_can_apply_and_reach_a_demo_reviewer(settings, tmp_path, business_day):
    """A new user signing in as a printed member applies, and 西湖区's or 上城区's reviewer sees it."""
    from rewards.applications.models import Application
    from rewards.core import crypto
    from rewards.demo.seed import STAFF
    from rewards.registries.models import Member

    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue().split("可用于资格自测和网上申报的会员", 1)[1].strip().splitlines()[1:5]
    numbers = [line.split()[1] for line in printed]
    members = [Member.objects.select_related("union").get(id_hash=crypto.blind_index("id", number)) for number in numbers]
    reviewed = {org for _, role, org, _ in STAFF if role == "district_reviewer"}
    assert len(members) == 4 and {m.union.name for m in members} <= reviewed
    assert all(m.verified and m.phone for m in members)
    assert not Application.objects.filter(id_hash__in=[m.id_hash for m in members]).exists()


def test_the_demo_accounts_hold_their_roles_at_once_and_two_administrators_can_confirm_grants(settings, tmp_path, business_day):
    """Seeded as ``create_staff`` creates accounts: nothing waits for a second administrator; and
    there is one (admin.b) to try 确认授权 with."""
    from rewards.demo.seed import STAFF, demo_password
    from rewards.organisations.models import RoleGrant, StaffUser
    from tests.security.staff_helpers import web_client, web_login

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", "--members", "5", stdout=io.StringIO())
    accounts = {user.username: user for user in StaffUser.objects.all()}
    assert {username: (accounts[username].role, accounts[username].is_active) for username, *_ in STAFF} == {
        username: (role, True) for username, role, *_ in STAFF
    }
    assert not RoleGrant.objects.exists()
    assert sum(role == "admin" for _, role, *_ in STAFF) == 2
    assert web_login(web_client(), "admin.b", demo_password()).status_code == 302


@pytest.mark.parametrize("day", ["2020-12-16", "2020-03-25", None])
def test_outside_the_2020_filing_period_the_seed_says_how_to_run_it_and_writes_nothing(settings, tmp_path, day):
    """``make run DEMO_TODAY=`` (the real date) ended in a traceback: the first demo application
    was refused as past 2020's deadline, after the campaign, the accounts and the members were
    written. The day after the deadline, the day before the opening, and no business date."""
    from django.core.management.base import CommandError

    from rewards.campaigns.models import Campaign
    from rewards.organisations.models import StaffUser
    from rewards.registries.models import Member

    settings.DATA_DIR = tmp_path
    settings.APP_TODAY = day
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--members", "5", stdout=io.StringIO())
    said = str(refused.value)
    assert said.startswith("演示数据是2020年度的申请，只能在2020年度的受理期（2020年3月26日至2020年12月15日）内载入")
    assert "APP_TODAY=2020-10-15" in said and "本次没有写入任何数据" in said
    if day:
        assert f"业务日期是{int(day[:4])}年{int(day[5:7])}月{int(day[8:])}日" in said
    assert not Campaign.objects.exists() and not StaffUser.objects.exists() and not Member.objects.exists()
    assert not (tmp_path / "demo-password").exists()


@pytest.mark.parametrize("day", ["2020-03-26", "2020-12-15"])
def test_on_the_first_and_the_last_day_of_2020s_filing_the_seed_runs(settings, tmp_path, day):
    from rewards.campaigns.models import Campaign

    settings.DATA_DIR = tmp_path
    settings.APP_TODAY = day
    call_command("seed_demo", "--members", "5", stdout=io.StringIO())
    assert Campaign.objects.filter(year=2020).exists()
