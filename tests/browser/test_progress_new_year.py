"""The weekly chart of a campaign whose weeks run into the next year (2020 with 30 days of grace:
Mondays 2020-03-23 … 2021-01-11): every label the axis shows gives its year, and the first week
of 2021 is always among them, however narrow the chart; a campaign inside one year keeps MM-DD."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign
from rewards.campaigns.services import campaign_load_notice
from rewards.core import clock
from rewards.core.memo import clear_all
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from tests import factories

from .conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOWN = """() => {
    const axis = echarts.getInstanceByDom(document.getElementById('chart-week')).getOption().xAxis[0];
    const interval = axis.axisLabel.interval;
    return typeof interval === 'function' ? axis.data.filter((value, index) => interval(index)) : interval;
}"""


@pytest.fixture
def weeks_into_2021(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    Campaign.objects.filter(pk=campaign.pk).update(resubmission_grace_days=30)
    clear_all()
    xihu = organisation_by_name("西湖区总工会")
    for day in (dt.date(2020, 4, 1), dt.date(2020, 12, 29), dt.date(2021, 1, 5)):
        submitted = dt.datetime.combine(day, dt.time(10), tzinfo=clock.SHANGHAI)
        factories.make_application(
            campaign=campaign, member=factories.make_member(union=xihu), status="pending_district", submitted_at=submitted
        )
    city = organisation_by_name("杭州市总工会")
    staff_create(username="economic.zhou", role=Role.ECONOMIC_OFFICER, organisation=city, password=STAFF_PASSWORD, full_name="周建华")


def open_progress(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/progress?year=2020")
    page.wait_for_function("document.documentElement.getAttribute('data-charts') === '6'")


def test_the_first_week_of_the_new_year_is_labelled_with_its_year(weeks_into_2021, live_server, page_factory, settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2021-01-20"
    page = page_factory(1280, 900)
    page.goto(live_server.url + "/staff/login")
    page.fill("#id_username", "economic.zhou")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    for width in (1440, 1280, 800):
        page.set_viewport_size({"width": width, "height": 900})
        open_progress(page, live_server.url)
        shown = page.evaluate(SHOWN)
        assert shown[0] == "2020-03-23" and shown[-1] == "2021-01-04", (width, shown)
        assert all(len(label) == 10 for label in shown) and 5 <= len(shown) <= 20, (width, shown)
    tooltip = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-week')).getOption().tooltip[0].formatter([{dataIndex: 40}])"
    )
    assert tooltip.startswith("2020-12-28～2021-01-03\n本周提交：1 人")

    # Inside one year (on 15 October, before any of the later applications' weeks): MM-DD, ECharts' own spacing.
    settings.APP_TODAY = "2020-10-15"
    Application.objects.filter(submitted_at__date__gt=dt.date(2020, 10, 15)).delete()
    open_progress(page, live_server.url)
    assert page.evaluate(SHOWN) == "auto"
    assert page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-week')).getOption().xAxis[0].data[0]") == "03-23"
