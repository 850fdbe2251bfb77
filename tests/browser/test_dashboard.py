"""工作进度 as the city and a union read it: the economic department's officer opens the dashboard
(Annex 1 with live columns, the charts by union, level, occupation, channel, migrant workers and
week, drawn by ECharts served from this server) and downloads Annex 1; 西湖区's reviewer sees
only its own line; with the script blocked the page falls back to its tables; in August the
declaration deadline is counted down too. Screenshots 80–84 in docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import io
import random
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from rewards.applications.models import Application
from rewards.campaigns.selectors import campaign_units
from rewards.campaigns.services import campaign_load_notice
from rewards.core import clock
from rewards.core.vocab import Status
from rewards.demo import synthetic
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from tests import factories

from .conftest import SCREENSHOTS, STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = STAFF_PASSWORD
OPENS = dt.datetime(2020, 3, 26, 9, 0, tzinfo=clock.SHANGHAI)
LAST = dt.datetime(2020, 10, 14, 17, 0, tzinfo=clock.SHANGHAI)
LEVELS = (("senior_worker", 0.62), ("technician", 0.28), ("senior_technician", 0.10))


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    point, total = rng.random(), 0.0
    for value, share in table:
        total += share
        if point < total:
            return value
    return table[-1][0]


def _status(rng: random.Random, submitted: dt.datetime) -> str:
    """Older applications have gone further up the chain (and been paid)."""
    age = (LAST - submitted).days
    point = rng.random()
    if point < 0.03:
        return Status.WITHDRAWN
    if point < 0.06:
        return Status.REJECTED
    if point < 0.10:
        return Status.RETURNED
    if age > 120:
        return Status.PAID if point < 0.85 else (Status.PAYMENT_FAILED if point < 0.88 else Status.APPROVED)
    if age > 60:
        return Status.APPROVED if point < 0.6 else (Status.PAID if point < 0.8 else Status.PENDING_CITY)
    if age > 20:
        return Status.PENDING_CITY if point < 0.55 else Status.PENDING_DISTRICT
    return Status.PENDING_DISTRICT


@pytest.fixture
def cast(settings):  # type: ignore[no-untyped-def]
    """The 2020 campaign at 15 October with about 2 800 applications over the 24 units (roughly a
    third of each guidance number, more where the union is busier), submitted from the opening
    on, faster after the summer; two staff users."""
    settings.APP_TODAY = "2020-10-15"
    settings.SHOW_DEMO_BANNER = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    xihu = organisation_by_name("西湖区总工会")
    staff_create(username="economic.zhou", role=Role.ECONOMIC_OFFICER, organisation=city, password=PASSWORD, full_name="周建华")
    staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=PASSWORD, full_name="王丽")
    rng = random.Random(80)
    span = (LAST - OPENS).total_seconds()
    busy = {"西湖区总工会": 1.6, "萧山区总工会": 1.3, "余杭区总工会": 1.2, "钱塘新区区总工会": 0.7, "金融工会": 2.0, "教育工会": 3.0}
    used: set[str] = set()

    def new_id() -> str:  # unique in this cast (random ones of 2 800 people may meet)
        while (number := synthetic.id_number(rng)) in used:
            pass
        used.add(number)
        return number

    for unit in campaign_units(campaign):
        count = round(unit.guidance * 0.33 * busy.get(unit.organisation.name, rng.uniform(0.6, 1.3)))
        for _ in range(count):
            # More submissions as the deadline nears (the square root bends the curve).
            submitted = OPENS + dt.timedelta(seconds=span * (rng.random() ** 0.6))
            level = _pick(rng, LEVELS)
            migrant = rng.random() < 0.38
            factories.make_application(
                campaign=campaign,
                member=factories.make_member(union=unit.organisation, name=synthetic.person_name(rng), id_number=new_id()),
                status=_status(rng, submitted),
                new_level=level,
                channel="batch" if rng.random() < 0.35 else "online",
                is_migrant=migrant,
                hukou_place="安徽省安庆市" if migrant else "",
                occupation=rng.choice(synthetic.OCCUPATIONS[: 6 + rng.randrange(10)]),
                submitted_at=submitted,
            )
    return {"campaign": campaign, "count": Application.objects.count()}


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def open_dashboard(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.click("nav.staff-nav >> text=工作进度")
    page.wait_for_selector("#annex1-table")
    page.wait_for_function("document.documentElement.getAttribute('data-charts') === '6'")


def drawn(page, chart_id: str) -> bool:  # type: ignore[no-untyped-def]
    """ECharts drew into the element: a canvas with something on it."""
    return page.evaluate(
        """(id) => {
            const canvas = document.querySelector('#' + id + ' canvas');
            if (!canvas || canvas.width < 100) return false;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
            return false;
        }""",
        chart_id,
    )


def test_the_city_reads_the_dashboard_and_downloads_annex1(cast, live_server, page_factory):
    base = live_server.url
    page = page_factory(1440, 900)
    sign_in(page, base, "economic.zhou")
    open_dashboard(page, base)
    assert page.locator("#annex1-table tbody tr").count() == 24
    assert "全市" in page.inner_text(".prog-head")
    assert "还有 61 天" in page.inner_text(".prog-top")
    for chart in ("chart-unions", "chart-level", "chart-channel", "chart-migrant", "chart-occupation", "chart-week"):
        assert drawn(page, chart), chart
    assert page.locator("#charts-missing").is_hidden()
    total = page.inner_text("#annex1-table tfoot")
    live = Application.objects.exclude(status=Status.WITHDRAWN).count()
    assert "8,000" in total and f"{live:,}" in total  # counts grouped in thousands, as amounts are
    # The charts' labels and tooltips read counts as the tables do (1,234), the weeks' dates as dates.
    said = page.evaluate(
        """() => {
            const option = (id) => echarts.getInstanceByDom(document.getElementById(id)).getOption();
            const unions = option('chart-unions'), level = option('chart-level'), channel = option('chart-channel');
            const week = option('chart-week'), last = week.series[1].data.length - 1;
            const yuhang = unions.yAxis[0].data.indexOf('余杭区总工会');
            return {
                completion: unions.series[1].label.formatter({dataIndex: yuhang}),
                levels: level.series[0].data.map((value) => [value, level.series[0].label.formatter({value: value})]),
                tooltip: level.tooltip[0].valueFormatter(1234),
                channels: channel.series[0].data.map((item) => [item.value, channel.series[0].label.formatter(
                    {name: item.name, value: item.value, percent: 50})]),
                week: week.tooltip[0].formatter([{dataIndex: last}]),
                cumulative: week.series[1].data[last],
            };
        }"""
    )
    assert re.fullmatch(r"[\d,]+ / 1,000（\d+\.\d%）", said["completion"])  # 余杭区's guidance of 1000
    assert all(label == f"{value:,}" for value, label in said["levels"]) and max(v for v, _ in said["levels"]) >= 1000
    assert said["tooltip"] == "1,234"
    assert all(label.endswith(f"\n{value:,} 人（50%）") for value, label in said["channels"])
    assert said["cumulative"] >= 1000 and f"累计：{said['cumulative']:,} 人" in said["week"] and said["week"].startswith("10-12～10-18\n")
    screenshot(page, "80-progress-city")
    page.locator(".prog-grid").screenshot(path=str(SCREENSHOTS / "81-progress-city-charts.png"))

    with page.expect_download() as download:
        page.click("text=下载附件1（Excel）")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "附件1" and any(row[1] == "合计" and row[3] == live for row in rows)
    assert download.value.suggested_filename.startswith("附件1-2020")
    assert page_factory.outside == []


def test_a_union_sees_its_own_line_and_the_tables_stand_without_the_script(cast, live_server, page_factory):
    base = live_server.url
    page = page_factory(1440, 900)
    sign_in(page, base, "xihu.reviewer")
    open_dashboard(page, base)
    assert page.locator("#annex1-table tbody tr").count() == 1
    assert page.inner_text("#annex1-table tbody td:nth-child(2)") == "西湖区总工会"
    assert "萧山区" not in page.content()
    assert drawn(page, "chart-unions") and drawn(page, "chart-week")
    screenshot(page, "82-progress-district")

    # The script blocked (as if it had never been installed): the note, and every table open.
    blocked = page_factory(1440, 900)
    blocked.route("**/vendor/echarts/**", lambda route: route.abort())
    sign_in(blocked, base, "xihu.reviewer")
    blocked.goto(base + "/staff/progress")
    blocked.wait_for_selector("#charts-missing", state="visible")
    assert "未能加载" in blocked.inner_text("#charts-missing")
    assert blocked.locator(".prog-chart:visible").count() == 0
    assert blocked.locator("details.prog-details[open]").count() == 2
    assert blocked.locator("#table-level tbody tr").count() == 3
    screenshot(blocked, "83-progress-without-charts")
    assert page_factory.outside == []


def test_the_declaration_deadline_is_counted_down_while_it_is_ahead(cast, live_server, page_factory, settings):
    settings.APP_TODAY = "2020-08-20"
    Application.objects.filter(submitted_at__gt=timezone.make_aware(dt.datetime(2020, 8, 20, 23, 59), clock.SHANGHAI)).delete()
    base = live_server.url
    page = page_factory(1440, 900)
    sign_in(page, base, "xihu.reviewer")
    open_dashboard(page, base)
    figures = page.inner_text(".prog-top")
    assert "非通用性职业申报截止" in figures and "10" in figures and "117" in figures  # 30 August; 15 December
    page.set_viewport_size({"width": 1440, "height": 1100})
    page.screenshot(path=str(SCREENSHOTS / "84-progress-declaration-countdown.png"), full_page=False)
    assert page_factory.outside == []


def test_the_year_list_opens_a_year_chosen_with_the_mouse_and_waits_for_enter_from_the_keyboard(cast, live_server, page_factory):
    """WCAG 3.2.2: stepping through the years with the arrow keys does not load each year on the
    way; Enter (or the 查看 button) opens the one reached; a year chosen with the mouse opens at
    once."""
    from rewards.campaigns.setup.year_copy import campaign_copy

    campaign_copy(from_year=2020, to_year=2021, acting_user=None)
    campaign_copy(from_year=2021, to_year=2022, acting_user=None)
    base = live_server.url
    page = page_factory(1440, 900)
    sign_in(page, base, "economic.zhou")
    page.goto(base + "/staff/progress?year=2022")
    years = page.locator(".prog-year select")
    assert years.input_value() == "2022"

    years.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert years.input_value() == "2020" and page.url.endswith("year=2022")  # nothing loaded on the way
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("year=2020") and "2020年度" in page.inner_text("h1")

    with page.expect_navigation():
        page.locator(".prog-year select").select_option("2021")
    assert page.url.endswith("year=2021")
    assert page.locator(".prog-year button", has_text="查看").is_visible()
    assert page_factory.outside == []
