"""工作进度 page with the Django test client: Annex 1 with live columns for the city and for
one union (scoped), the deadline countdowns by the business date, the charts' data equal to the
tables, every table as xlsx, the note and open tables when ECharts is not installed."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from rewards.campaigns.notice_2020 import ANNEX1_UNITS
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.web.staff import progress as page
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/staff/progress"
EXPORT = "/staff/progress/export"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.fixture
def apps(campaign, business_day, xihu, shangcheng):  # type: ignore[no-untyped-def]
    """西湖区: 2 pending, 1 approved, 2 paid (one 技师), 1 withdrawn; 上城区: 1 paid, migrant, batch."""
    made = []
    for status, level in (
        (Status.PENDING_DISTRICT, "senior_worker"),
        (Status.PENDING_CITY, "senior_worker"),
        (Status.APPROVED, "senior_worker"),
        (Status.PAID, "technician"),
        (Status.PAID, "senior_worker"),
        (Status.WITHDRAWN, "senior_worker"),
    ):
        made.append(factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status=status, new_level=level))
    made.append(
        factories.make_application(
            campaign=campaign, member=factories.make_member(union=shangcheng), status=Status.PAID, channel="batch", is_migrant=True
        )
    )
    return made


def charts(response) -> dict:  # type: ignore[no-untyped-def]
    match = re.search(r'<script id="progress-charts" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the charts' data"
    return json.loads(match[1])


def test_the_city_sees_annex1_with_live_columns_and_every_chart(apps, city_reviewer):
    response = signed_in(city_reviewer).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "工作进度 · 2020年度" in html and "统计范围：<strong>全市</strong>" in html
    assert '<a href="/staff/progress">工作进度</a>' in html  # the nav link
    body = html[html.index('id="annex1-table"') :]
    positions = [body.index(f"<td>{name}</td>") for name, _ in ANNEX1_UNITS]
    assert positions == sorted(positions)  # Annex 1 order
    data = charts(response)
    assert data["unions"]["labels"] == [name for name, _ in ANNEX1_UNITS]
    xihu = data["unions"]["labels"].index("西湖区总工会")
    assert (data["unions"]["guidance"][xihu], data["unions"]["submitted"][xihu], data["unions"]["approved"][xihu]) == (300, 5, 3)
    assert data["unions"]["paid"][xihu] == 2
    assert data["levels"]["labels"] == ["高级工", "技师", "高级技师"] and data["levels"]["submitted"] == [5, 1, 0]
    assert dict(zip(data["channels"]["labels"], data["channels"]["submitted"], strict=True)) == {"个人网上申报": 5, "单位统一申报": 1}
    assert dict(zip(data["migrants"]["labels"], data["migrants"]["submitted"], strict=True)) == {"外来务工人员": 1, "本地职工": 5}
    assert sum(data["weeks"]["submitted"]) == 6 == data["weeks"]["cumulative"][-1]
    annex = html[html.index('id="annex1-table"') : html.index("</table>", html.index('id="annex1-table"'))]
    assert "1,100.00" in annex and "1,600.00" in annex  # 西湖 600 + 500; with 上城's 500 in the total
    # Head counts grouped in thousands as amounts are: 余杭区's guidance of 1000, the city's total.
    guidance = sum(number for _, number in ANNEX1_UNITS)
    assert guidance >= 1000 and f'<td class="num">{guidance:,}</td>' in annex and '<td class="num">1,000</td>' in annex
    assert '<td class="num">300</td>' in annex  # under a thousand as before
    assert f"/ {guidance:,} 人</small>" in html
    # ECharts from this server, and no other origin anywhere on the page.
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    assert "http://" not in html.replace("http://127.0.0.1", "") and "https://" not in html
    for table in ("annex1", "level", "channel", "migrant", "occupation", "week", "all"):
        assert f"table={table}&amp;year=2020" in html


def test_a_union_sees_only_its_own_line(apps, shangcheng_reviewer):
    response = signed_in(shangcheng_reviewer).get(URL)
    html = response.content.decode()
    assert response.status_code == 200 and "统计范围：<strong>上城区总工会</strong>" in html
    assert "<td>上城区总工会</td>" in html and "西湖区总工会" not in html
    data = charts(response)
    assert data["unions"] == {"labels": ["上城区总工会"], "guidance": [300], "submitted": [1], "approved": [1], "paid": [1]}
    assert data["channels"]["submitted"] == [0, 1]


def test_countdowns_follow_the_business_date(apps, city_reviewer, business_day):
    html = signed_in(city_reviewer).get(URL).content.decode()
    assert "奖励申报截止 · 2020年12月15日（含当日）" in html and "还有 61 天" in html  # APP_TODAY 2020-10-15
    assert "非通用性职业申报截止" not in html  # 2020-08-30 has passed
    business_day("2020-08-20")
    html = signed_in(city_reviewer).get(URL).content.decode()
    assert "非通用性职业申报截止 · 2020年8月30日（含当日）" in html and "还有 10 天" in html
    business_day("2020-12-15")
    assert "今天截止（24时前）" in signed_in(city_reviewer).get(URL).content.decode()
    business_day("2020-12-20")
    assert "退回的申请可在退回后15天内补正" in signed_in(city_reviewer).get(URL).content.decode()


def test_the_declaration_countdown_only_for_those_who_follow_declarations(apps, xihu_reviewer, grassroots_clerk, finance_a, business_day):
    """A grassroots clerk or a finance officer cannot open 非通用性职业 (403): a countdown to its
    deadline on their dashboard is something they can do nothing about."""
    business_day("2020-08-20")
    assert "非通用性职业申报截止 · 2020年8月30日（含当日）" in signed_in(xihu_reviewer).get(URL).content.decode()
    for user in (grassroots_clerk, finance_a):
        html = signed_in(user).get(URL).content.decode()
        assert "奖励申报截止 · 2020年12月15日（含当日）" in html
        assert "非通用性职业申报截止" not in html


def test_each_download_link_says_which_table(apps, city_reviewer):
    """Five links read 下载（Excel）: each is described by its section's heading, so a screen
    reader's list of links tells them apart."""
    html = signed_in(city_reviewer).get(URL).content.decode()
    for key in ("level", "channel", "migrant", "occupation", "week"):
        link = re.search(rf'<a [^>]*href="{EXPORT}\?table={key}&amp;year=2020"[^>]*>', html)
        assert link, key
        assert f'aria-describedby="{key}-title"' in link[0] and f'id="{key}-title"' in html


@pytest.mark.parametrize("table", ["annex1", "level", "channel", "migrant", "occupation", "week"])
def test_every_table_downloads_as_xlsx(apps, xihu_reviewer, table):
    response = signed_in(xihu_reviewer).get(EXPORT, {"table": table, "year": "2020"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    text = str([list(row) for row in book.active.iter_rows(values_only=True)])
    assert "合计" in text and "上城区" not in text
    assert AuditEvent.objects.filter(action__in=("report.annex1", "report.progress"), actor=xihu_reviewer).count() == 1


def test_a_unions_workbook_is_named_after_the_union(apps, city_reviewer, xihu_reviewer, grassroots_clerk):
    """A union's Annex 1 holds its own line only: it is not named as the city's table (24 files
    of the same name reach the city otherwise), as its Annex 5 and training plans are named."""
    from urllib.parse import unquote

    def filename(user, table: str) -> str:  # type: ignore[no-untyped-def]
        response = signed_in(user).get(EXPORT, {"table": table, "year": "2020"})
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        return unquote(disposition.split("filename*=UTF-8''")[1]) + " | " + disposition.split('filename="')[1].split('"')[0]

    xihu = xihu_reviewer.organisation
    assert filename(city_reviewer, "annex1") == "附件1-2020年任务分解表（工作进度）.xlsx | annex1-2020.xlsx"
    assert filename(city_reviewer, "all") == "2020年度工作进度-全部表格.xlsx | progress-2020-all.xlsx"
    assert filename(xihu_reviewer, "annex1") == f"附件1-2020年任务分解表（工作进度）-西湖区总工会.xlsx | annex1-2020-{xihu.pk}.xlsx"
    assert filename(xihu_reviewer, "week") == f"2020年度工作进度-按周-西湖区总工会.xlsx | progress-2020-week-{xihu.pk}.xlsx"
    clerk_union = grassroots_clerk.organisation
    assert (
        filename(grassroots_clerk, "all") == f"2020年度工作进度-全部表格-{clerk_union.name}.xlsx | progress-2020-all-{clerk_union.pk}.xlsx"
    )


def test_all_tables_in_one_workbook(apps, city_reviewer):
    book = load_workbook(io.BytesIO(signed_in(city_reviewer).get(EXPORT, {"table": "all", "year": "2020"}).content))
    assert book.sheetnames == ["任务分解表", "按技能等级", "按申报方式", "外来务工人员", "按职业（工种）", "按周"]
    level_rows = list(book["按技能等级"].iter_rows(values_only=True))
    senior = next(row for row in level_rows if row[0] == "高级工")
    assert senior[:6] == ("高级工", 5, 2, 3, 2, 1000) and senior[6] == pytest.approx(5 / 6)


def test_unknown_table_or_year_is_said_on_the_page(apps, city_reviewer):
    client = signed_in(city_reviewer)
    response = client.get(EXPORT, {"table": "salaries"}, follow=True)
    assert "没有这张表。" in response.content.decode()
    response = client.get(URL, {"year": "1999"})
    assert response.status_code == 404 and "没有1999年度的奖励活动。" in response.content.decode()


def test_without_echarts_the_page_says_so_and_opens_its_tables(apps, city_reviewer, monkeypatch):
    monkeypatch.setattr(page, "echarts_url", lambda: None)
    html = signed_in(city_reviewer).get(URL).content.decode()
    assert "echarts.min.js" not in html
    assert re.search(r'<p id="charts-missing" class="form-warning prog-missing" role="status">\s*图表组件（Apache ECharts）尚未安装', html)
    assert html.count('<details class="prog-details" open>') == 2
    assert 'id="table-level"' in html and 'id="table-occupation"' in html


def test_anonymous_is_sent_to_sign_in(apps):
    response = Client(HTTP_HOST="127.0.0.1").get(URL)
    assert response.status_code == 302 and "/staff/login" in response["Location"]
