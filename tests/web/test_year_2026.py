"""A city that starts the platform in 2026: the 2020 notice loaded, copied straight into 2026
(decision 218), the application period set to open on 2026-03-01, the business day in 2026.
Nothing the worker, the clerk or the staff read may still say 2020 or assume the demo's date."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from rewards.batches.sheet import template
from rewards.campaigns.models import Campaign
from rewards.campaigns.setup.services import campaign_update
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core.memo import clear_all
from rewards.payments.services import payment_batch_build
from rewards.registries.importers import import_awards
from rewards.reports.progress import weekly
from rewards.training.export import training_sheets
from tests import factories

from ._worker import sign_in, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

#: The real date of the walk (Asia/Shanghai), inside the 2026 application period.
WALK_DAY = "2026-11-28"


@pytest.fixture
def year_2026(campaign, administrator, business_day) -> Campaign:  # type: ignore[no-untyped-def]
    """2020 copied into 2026 on a 2026 business day; opens 2026-03-01, deadline 2026-12-15,
    certificates 2025-12-01 to 2026-11-30, make-up 2024-12-01 to 2025-11-30 for 2025."""
    business_day(WALK_DAY)
    copied = campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)
    campaign_update(year=2026, values={"opens_on": dt.date(2026, 3, 1)}, acting_user=administrator)
    clear_all()
    copied.refresh_from_db()
    assert (copied.opens_on, copied.application_deadline) == (dt.date(2026, 3, 1), dt.date(2026, 12, 15))
    assert (copied.main_window_start, copied.main_window_end) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert (copied.makeup_window_start, copied.makeup_window_end, copied.previous_year) == (
        dt.date(2024, 12, 1),
        dt.date(2025, 11, 30),
        2025,
    )
    return copied


@pytest.fixture
def roster_2025(tmp_path):  # type: ignore[no-untyped-def]
    """The 2025 roster imported (a header row alone: nobody was rewarded that year on file)."""

    def run() -> None:
        path = tmp_path / "awards-2025.csv"
        path.write_text("id_number,name,level,amount,status\n", encoding="utf-8")
        import_awards(path, year=2025)
        clear_all()

    return run


def check(client, member, issued: str, **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    data = {
        "name": member.name,
        "id_number": member.id_number,
        "new_level": "senior_worker",
        "certificate_issue_date": issued,
        "issuer": "hr_hangzhou",
        "occupation": "车工",
        **overrides,
    }
    return text(client.post("/worker/check", data, HTTP_HX_REQUEST="true"))


def window_line(body: str) -> str:
    """The 发证时间 rule's explanation on the self-check."""
    match = re.search(r"发证时间\d{4}年\d+月\d+日[^<]*", body)
    assert match, body
    return match.group(0)


# The worker's pages --------------------------------------------------------------------------


def test_the_notice_reads_2026_and_its_windows(client, year_2026):
    body = text(client.get("/worker/"))
    for words in (
        "2026年度",
        "2026年12月15日",
        "还剩 <b>17</b> 天",
        "2025年12月1日 至 2026年11月30日",
        "2024年12月1日 至 2025年11月30日",
        "2025年度奖励",
    ):
        assert words in body.replace('<span class="w-nowrap">', "").replace("</span>", ""), words
    assert "2020" not in body and "2019" not in body
    home = text(client.get("/"))
    assert "2026年度杭州市职工高技能人才奖励" in home and "2020" not in home


def test_the_date_boxes_offer_no_day_after_the_business_date(client, year_2026, business_day, member):
    business_day("2026-12-15")
    body = text(client.get("/worker/check"))
    assert body.count('max="2026-12-15"') == 2  # 发证时间, 原有技能等级取得时间
    sign_in(client, member, next_url="/worker/apply")
    body = text(client.get("/worker/apply"))
    assert 'name="certificate_issue_date"' in body
    assert body.count('max="2026-12-15"') == 2


def test_the_clerks_paper_entry_has_the_same_limit(clerk, year_2026):
    body = text(clerk.get("/staff/batch/new-entry"))
    assert body.count(f'max="{WALK_DAY}"') == 2


def test_certificate_window_first_and_last_day_and_one_day_outside(client, year_2026, business_day, member):
    business_day("2026-12-15")  # the deadline's last day: a certificate of 2026-12-01 is no longer in the future
    assert "符合奖励条件" in check(client, member, "2025-12-01") and "暂不符合" not in check(client, member, "2025-12-01")
    assert "在2026年度奖励的发证时间范围（2025年12月1日至2026年11月30日）内" in window_line(check(client, member, "2025-12-01"))
    assert "在2026年度奖励的发证时间范围（2025年12月1日至2026年11月30日）内" in window_line(check(client, member, "2026-11-30"))
    outside = check(client, member, "2026-12-01")
    assert "暂不符合奖励条件" in outside
    assert "不在2026年度奖励的发证时间范围（2025年12月1日至2026年11月30日）和补申报范围（2024年12月1日至2025年11月30日）内" in window_line(
        outside
    )
    before = check(client, member, "2024-11-30")
    assert "暂不符合奖励条件" in before and "不在2026年度奖励的发证时间范围" in window_line(before)


def test_the_rules_name_the_campaigns_window_not_this_year(client, year_2026, business_day, member, city_reviewer):
    """The certificate window runs 2025-12-01 to 2026-11-30: 本年度 would name 2026 alone. The
    self-check page, the API's self-check and the staff detail's rule results say the window."""
    business_day("2026-12-15")
    window = "2026年度奖励的发证时间范围（2025年12月1日至2026年11月30日）"
    page = check(client, member, "2025-12-01")
    assert "<strong>晋级</strong>" in page and f"在{window}内" in window_line(page)
    assert "本年度晋级" not in page and "本年度发证时间范围" not in page and "今年" not in page

    data = {"name": member.name, "id_number": member.id_number, "new_level": "senior_worker", "certificate_issue_date": "2025-12-01"}
    data.update(issuer="hr_hangzhou", occupation="车工")
    answer = client.post("/api/v1/eligibility", data, content_type="application/json").json()
    said = {row["rule"]: row["message"] for row in answer["checks"]}
    assert said["window"] == f"发证时间2025年12月1日在{window}内。" and "本年度" not in said["promotion"]
    data["certificate_issue_date"] = "2026-12-01"
    said = {
        row["rule"]: row["message"] for row in client.post("/api/v1/eligibility", data, content_type="application/json").json()["checks"]
    }
    assert said["window"] == f"发证时间2026年12月1日不在{window}和补申报范围（2024年12月1日至2025年11月30日）内。"

    from django.test import Client

    from ._worker import submit

    business_day(WALK_DAY)
    sign_in(client, member, next_url="/worker/apply")
    application = submit(client, member, certificate_issue_date="2025-12-01", certificate_no="2026330100043")
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(city_reviewer)
    detail = text(staff.get(f"/staff/applications/{application.application_no}"))
    assert f"发证时间2025年12月1日在{window}内。" in detail
    assert "本年度晋级" not in detail and "本年度发证时间范围" not in detail


def test_make_up_waits_for_the_2025_roster_then_holds_at_both_ends(client, year_2026, roster_2025, member):
    waiting = check(client, member, "2025-11-30")
    assert "暂不符合奖励条件" in waiting
    assert "2025年度奖励名单尚未导入系统" in window_line(waiting)
    roster_2025()
    for day in ("2024-12-01", "2025-11-30"):
        body = check(client, member, day)
        assert "符合奖励条件" in body and "暂不符合" not in body, day
        assert "（补申报）" in body and "未申请过2025年度奖励，可以补申报" in window_line(body)


def test_the_application_period_opens_on_1_march_and_ends_with_15_december(client, year_2026, business_day, member):
    for day, open_now in (("2026-02-28", False), ("2026-03-01", True), ("2026-12-15", True), ("2026-12-16", False)):
        business_day(day)
        clear_all()
        body = check(client, member, "2025-12-01")
        assert ("目前可以申报" in body) is open_now, day
        assert ("暂不符合奖励条件" in body) is not open_now, day


def test_submitted_confirmation_and_sms_name_2026(client, year_2026, member):
    from rewards.notifications.models import SmsMessage

    from ._worker import submit

    sign_in(client, member, next_url="/worker/apply")
    application = submit(client, member, certificate_issue_date="2026-11-27", certificate_no="2026330100042")
    assert application.application_no.startswith("2026") and application.campaign_id == year_2026.pk
    mine = text(client.get("/worker/mine"))
    assert "2026年度 · 个人网上申报" in mine and "2020" not in mine
    sms = SmsMessage.objects.filter(template="submitted").latest("pk")
    assert application.application_no in sms.text and "2020" not in sms.text


# The clerk's and the staff's pages and files -------------------------------------------------


def test_the_batch_templates_example_row_lies_inside_2026(year_2026):
    sheet = load_workbook(io.BytesIO(template(year=2026, org_name="杭州西湖精密机械有限公司工会"))).active
    header = [cell.value for cell in sheet[3]]
    example = dict(zip(header, [cell.value for cell in sheet[4]], strict=True))
    assert sheet["A1"].value == "2026年度杭州市职工高技能人才奖励人员汇总表"
    assert example["序号"] == "示例"
    issued = dt.date.fromisoformat(example["发证时间"])
    assert year_2026.main_window_start <= issued <= year_2026.main_window_end
    assert example["证书编号"] == "2026330100001" and example["原有技能等级取得时间"] == "2022-06-30"
    # (the example card 6222020000000000000 holds the digits 2020 by chance: it is no year)
    assert not any("2020" in str(value) for name, value in example.items() if value and name != "银行卡号")


def test_the_training_workbook_cites_no_2020_notice(year_2026, city_reviewer):
    sheets, _ = training_sheets(user=city_reviewer, campaign=year_2026)
    assert [sheet.title for sheet in sheets] == ["2026年度职工高技能人才培训计划汇总表", "2026年度职工高技能人才培训计划及进度"]
    assert all("2020" not in note for sheet in sheets for note in sheet.notes)


def test_the_weekly_chart_of_a_campaign_opened_on_a_sunday_in_march(year_2026):
    weeks = weekly({}, year_2026, today=dt.date(2026, 11, 28))
    assert (weeks[0].start, weeks[-1].start, len(weeks)) == (dt.date(2026, 2, 23), dt.date(2026, 11, 23), 40)
    # After the grace period (15 December + 15 days = Wednesday 30 December) the chart stops there.
    weeks = weekly({}, year_2026, today=dt.date(2027, 1, 20))
    assert weeks[-1].start == dt.date(2026, 12, 28)


def test_progress_and_reports_pick_2026_first_and_list_only_the_years_in_the_system(year_2026, city_reviewer):
    from django.test import Client

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(city_reviewer)
    for url in ("/staff/progress", "/staff/reports/annex4", "/staff/payments/reports", "/staff/occupations/", "/staff/training/"):
        body = text(staff.get(url))
        years = re.findall(r'<option value="(\d{4})"( selected)?>(\d{4})年度', body)
        assert [(year, label) for year, _, label in years] == [("2026", "2026"), ("2020", "2020")], url
        assert years[0][1] == " selected" and years[1][1] == "", url


def test_a_payment_batch_of_2026(year_2026, xihu, finance_a):
    application = factories.make_application(campaign=year_2026, member=factories.make_member(union=xihu), status="approved")
    batch, _ = payment_batch_build(user=finance_a, campaign=year_2026)
    assert batch.batch_no.startswith("P2026") and batch.campaign_id == year_2026.pk
    assert list(batch.lines.values_list("application_id", flat=True)) == [application.pk]


def test_the_settings_page_says_whether_the_2025_roster_is_in(year_2026, administrator, roster_2025):
    from django.test import Client

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(administrator)
    body = text(staff.get("/staff/campaigns/2026/"))
    assert "2025年度奖励名单尚未导入" in body and "import_awards 名单文件 --year 2025" in body
    roster_2025()
    body = text(staff.get("/staff/campaigns/2026/"))
    assert "尚未导入" not in body and re.search(r"2025年度奖励名单已于 2026-\d\d-\d\d \d\d:\d\d 导入（0 行）", body)
    # The 2020 campaign refers to 2019, run before the platform and not imported in this test.
    assert "2019年度奖励名单尚未导入" in text(staff.get("/staff/campaigns/2020/"))


def test_a_campaign_whose_previous_year_is_in_the_system_says_so(year_2026, administrator, business_day):
    from django.test import Client

    campaign_copy(from_year=2026, to_year=2027, acting_user=administrator)
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(administrator)
    body = text(staff.get("/staff/campaigns/2027/"))
    assert "2026年度在本平台办理" in body and "尚未导入" not in body


def test_the_nightly_purge_says_the_2020_notice_never_had_applications(year_2026, xihu, capsys):
    from django.core.management import call_command

    call_command("purge_expired", "--dry-run")
    out = capsys.readouterr().out
    assert (
        "2020年度：活动结束于 2020-12-30，个人信息保存至 2025-12-30（5 年），已到期。将清除：没有需要清除的内容（本年度在本平台没有申请）。"
        in out
    )
    assert "2026年度：活动结束于 2026-12-30，个人信息保存至 2031-12-30（5 年），未到期。" in out
    # A campaign whose applications were all purged already says so, as before.
    factories.make_application(campaign=year_2026, member=factories.make_member(union=xihu), status="rejected")
    call_command("purge_expired", "--today", "2031-12-30")
    assert "2026年度：活动结束于 2026-12-30，个人信息保存至 2031-12-30（5 年），未到期。" in capsys.readouterr().out
    call_command("purge_expired", "--today", "2031-12-31")
    assert "2026年度：活动结束于 2026-12-30，个人信息保存至 2031-12-30（5 年），已到期。已清除：" in capsys.readouterr().out
    call_command("purge_expired", "--today", "2031-12-31")
    assert (
        "2026年度：活动结束于 2026-12-30，个人信息保存至 2031-12-30（5 年），已到期。已清除：没有需要清除的内容（已清除过）。"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("returned_on", "last_day"),
    [
        pytest.param("2026-11-30", "12月15日", id="grace ending before the deadline"),
        pytest.param("2026-12-16", "12月31日", id="grace ending on the year's last day"),
        pytest.param("2026-12-17", "2027年1月1日", id="grace running into 2027"),
    ],
)
def test_the_return_sms_names_the_year_only_when_the_last_day_is_in_the_next(
    client, year_2026, business_day, member, xihu_reviewer, returned_on, last_day
):
    from rewards.notifications.models import SmsMessage
    from rewards.review.services import review_decide

    from ._worker import submit

    business_day("2026-11-30")
    sign_in(client, member, next_url="/worker/apply")
    application = submit(client, member, certificate_issue_date="2026-11-27", certificate_no="2026330100043")
    business_day(returned_on)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="证书照片看不清。")
    sms = SmsMessage.objects.get(template="returned", event_key__startswith=f"app:{application.application_no}:returned:")
    assert f"请最迟于{last_day}登录平台修改后重新提交。" in sms.text
    if "年" in last_day:
        assert "2027年1月1日" in text(client.get("/worker/mine"))


def test_the_audit_logs_examples_are_of_2026(year_2026, administrator):
    from django.test import Client

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(administrator)
    body = text(staff.get("/staff/audit"))
    assert 'placeholder="如 2026000001"' in body and "2020000001" not in body
    body = text(staff.get("/staff/audit", {"date_from": "2026-13-01"}))
    assert "不是有效日期，请按 年-月-日 填写，如 2026-11-28。" in body
