"""What a city administrator and the districts read once a campaign is copied into a later year:
the deadlines the copy left behind today (the message and the 基本设置 page), the weekly chart
across a new year (chart, data table, workbook), and the worker notice's certificate window."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from rewards.campaigns.models import Campaign
from rewards.campaigns.setup.services import campaign_update
from rewards.core.memo import clear_all

pytestmark = pytest.mark.django_db

DECLARATIONS_PAST = "非通用性职业申报截止日 2026年8月30日 已过，请按2026年度的通知修改。"


#: The copy's message when a copied deadline is past: the 基本设置 page's note below says which.
POINTER = "有截止日已过，请按下方的提示修改。"


def flash(html: str) -> str:
    match = re.search(r'<div class="flash-list">(.*?)</div>', html, re.S)
    return plain(match[1]) if match else ""


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def past_note(html: str) -> str | None:
    match = re.search(r'<p class="cmp-past-note" id="past-dates" role="note">(.*?)</p>', html, re.S)
    return plain(match[1]) if match else None


# --- 1. the deadlines a copy leaves behind --------------------------------------------------------


def test_copying_2020_into_2026_in_november_names_the_past_declaration_deadline(administrator, campaign, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-11-27")
    admin = signed_in(administrator)

    response = admin.post("/staff/campaigns/copy", {"from_year": "2020", "to_year": "2026"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/staff/campaigns/2026/"
    # The message says the copy succeeded and points to the page's note, which names the date once.
    assert f"这些年度的活动不在本平台办理。{POINTER}请逐项核对后保存" in flash(html)
    assert past_note(html) == DECLARATIONS_PAST
    assert plain(html).count("已过，请按2026年度的通知修改") == 1 and "8月30日" not in flash(html)
    assert '<a href="#id_declaration_deadline">非通用性职业申报截止日</a>' in html and 'id="id_declaration_deadline"' in html
    # The opening day (2026-03-26) is past too and is not named; the deadline of 15 December is ahead.
    assert "发文日期" not in DECLARATIONS_PAST and "奖励申报截止日" not in html.split('id="past-dates"')[1].split("</p>")[0]
    # The page keeps saying it until the administrator moves the date.
    assert past_note(admin.get("/staff/campaigns/2026/").content.decode()) == DECLARATIONS_PAST
    campaign_update(year=2026, values={"declaration_deadline": dt.date(2026, 12, 10)}, acting_user=administrator)
    assert past_note(admin.get("/staff/campaigns/2026/").content.decode()) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2026-12-15", DECLARATIONS_PAST, id="奖励申报截止日当天"),
        pytest.param(
            "2026-12-16",
            "奖励申报截止日 2026年12月15日、非通用性职业申报截止日 2026年8月30日 已过，请按2026年度的通知修改。",
            id="截止次日",
        ),
        pytest.param("2026-08-30", None, id="非通用性职业申报截止日当天"),
    ],
)
def test_the_boundaries_on_the_page(administrator, campaign, business_day, day, expected):  # type: ignore[no-untyped-def]
    business_day(day)
    response = signed_in(administrator).post("/staff/campaigns/copy", {"from_year": "2020", "to_year": "2026"}, follow=True)

    html = response.content.decode()
    assert past_note(html) == expected
    assert "已将2020年度复制为2026年度" in flash(html)
    if expected is None:
        assert "请按2026年度的通知修改" not in html and "已过" not in flash(html)
    else:
        assert POINTER in flash(html) and "截止日 " not in flash(html)  # the message points; the note names
        assert plain(html).count(expected) == 1


def test_a_campaign_that_was_not_copied_says_nothing_of_its_past_deadlines(administrator, auditor, campaign, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-11-27")
    signed_in(administrator).post("/staff/campaigns/copy", {"from_year": "2020", "to_year": "2026"})
    # 2020's deadlines are long past: that campaign ran, nothing to move. The auditor reads the same note.
    assert past_note(signed_in(administrator).get("/staff/campaigns/2020/").content.decode()) is None
    assert past_note(signed_in(auditor).get("/staff/campaigns/2026/").content.decode()) == DECLARATIONS_PAST


# --- 2. the weekly chart across a new year ---------------------------------------------------------


def weekly_of_2020(user, business_day, *, today: str, grace: int) -> tuple[dict, str, list[str]]:  # type: ignore[no-untyped-def]
    """The chart's data, the page's data table and the workbook's rows of 2020's weeks."""
    Campaign.objects.filter(year=2020).update(resubmission_grace_days=grace)
    clear_all()
    business_day(today)
    client = signed_in(user)
    html = client.get("/staff/progress", {"year": "2020"}).content.decode()
    match = re.search(r'<script id="progress-charts" type="application/json">(.*?)</script>', html)
    assert match
    table = html[html.index('class="table prog-table prog-weeks"') :]
    table = table[: table.index("</table>")]
    book = load_workbook(io.BytesIO(client.get("/staff/progress/export", {"table": "week", "year": "2020"}).content))
    rows = [str(row[0]) for row in book.active.iter_rows(values_only=True) if row and re.fullmatch(r"[\d-]+～[\d-]+", str(row[0]))]
    return json.loads(match[1])["weeks"], table, rows


def test_weeks_that_run_into_a_new_year_give_the_year_on_every_label(campaign, city_reviewer, business_day):  # type: ignore[no-untyped-def]
    # 15 December + 30 days of grace = 14 January 2021: Mondays 2020-03-23 … 2021-01-11.
    weeks, table, rows = weekly_of_2020(city_reviewer, business_day, today="2021-01-20", grace=30)

    assert weeks["ticks"][0] == "2020-03-23" and weeks["ticks"][-3:] == ["2020-12-28", "2021-01-04", "2021-01-11"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", tick) for tick in weeks["ticks"])
    assert weeks["labels"][-3:] == ["2020-12-28～2021-01-03", "2021-01-04～2021-01-10", "2021-01-11～2021-01-17"]
    assert weeks["labels"][0] == "2020-03-23～2020-03-29"
    # The first week of 2021, which the chart always labels.
    assert weeks["year_starts"] == [weeks["ticks"].index("2021-01-04")]
    for week in ("2020-12-28～2021-01-03", "2021-01-04～2021-01-10"):
        assert f"<td>{week}</td>" in table and week in rows
    assert rows[0] == "2020-03-23～2020-03-29" and len(rows) == len(weeks["ticks"])


def test_weeks_inside_one_year_keep_month_and_day(campaign, city_reviewer, business_day):  # type: ignore[no-untyped-def]
    weeks, table, rows = weekly_of_2020(city_reviewer, business_day, today="2020-11-28", grace=15)

    assert weeks["ticks"][0] == "03-23" and weeks["ticks"][-1] == "11-23"
    assert all(re.fullmatch(r"\d\d-\d\d", tick) for tick in weeks["ticks"])
    assert weeks["labels"][-1] == "11-23～11-29" and weeks["year_starts"] == []
    assert "<td>2020-11-23～2020-11-29</td>" in table and rows[-1] == "2020-11-23～2020-11-29"


def test_a_last_week_that_alone_runs_into_january_gives_both_years_in_its_tooltip(campaign, city_reviewer, business_day):  # type: ignore[no-untyped-def]
    # 15 December + 15 days = 30 December: the last Monday is 28 December, its Sunday 3 January.
    weeks, table, rows = weekly_of_2020(city_reviewer, business_day, today="2021-01-20", grace=15)

    assert weeks["ticks"][-2:] == ["12-21", "12-28"]
    assert weeks["labels"][-2:] == ["12-21～12-27", "2020-12-28～2021-01-03"] and weeks["year_starts"] == []
    assert "<td>2020-12-28～2021-01-03</td>" in table and rows[-1] == "2020-12-28～2021-01-03"


# --- 3. the worker notice's certificate window -------------------------------------------------


def notice(client) -> str:  # type: ignore[no-untyped-def]
    """The worker notice, its dates kept whole on a line (``w-nowrap``) read as plain text."""
    return client.get("/worker/").content.decode().replace('<span class="w-nowrap">', "").replace("</span>", "")


def test_the_notice_says_the_certificate_window_not_this_year(client, campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    body = notice(client)
    assert (
        '<span class="w-nowrap">2019年12月1日</span> 至 <span class="w-nowrap">2020年11月30日</span>'
        in client.get("/worker/").content.decode()
    )
    assert "在 2019年12月1日 至 2020年11月30日 之间<strong>晋级</strong>并取得高级工" in body
    assert "在 <strong>2019年12月1日 至 2020年11月30日</strong> 之间取得了高级工、技师或高级技师证书" in body
    assert "今年" not in body and "年度<strong>晋级" not in body
    home = client.get("/").content.decode()
    assert "在 2019年12月1日 至 2020年11月30日 之间晋级并取得" in home and "本年度晋级" not in home

    # The campaign's own window, whatever it is.
    campaign_update(
        year=2020,
        values={"main_window_start": dt.date(2020, 1, 1), "main_window_end": dt.date(2020, 12, 10)},
        acting_user=administrator,
    )
    clear_all()
    body = notice(client)
    assert "在 2020年1月1日 至 2020年12月10日 之间<strong>晋级</strong>" in body
    assert "在 <strong>2020年1月1日 至 2020年12月10日</strong> 之间取得了" in body
    assert "2019年12月1日" not in body
