"""An application's 发放记录 on its page, at a 1366-pixel desktop: the bank's reason for a failed
payment is read on a line or two, not one character a line beside the batch, reference, card
and times (every other column kept whole)."""

from __future__ import annotations

import csv
import io

import pytest

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.payments import services
from tests import factories

from .conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "户名与卡号不符，请更正为本人名下的银行卡"


@pytest.fixture
def failed_once(settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-12-20"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    finance_a = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD)
    finance_b = staff_create(username="finance.b", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD)
    staff_create(username="audit.zhou", role=Role.AUDITOR, organisation=city, password=STAFF_PASSWORD, full_name="周敏")
    app = factories.make_application(campaign=campaign, member=factories.make_member(union=organisation_by_name("西湖区总工会")))
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    answer = f"reference,amount,result,reason\r\n{row[0]},{row[4]},failure,{REASON}\r\n"
    services.payment_results_import(user=finance_b, batch_no=batch.batch_no, content=answer.encode("utf-8"))
    return app


def test_the_banks_reason_keeps_room_to_be_read(failed_once, live_server, page_factory):
    page = page_factory(1366, 768)
    page.goto(live_server.url + "/staff/login")
    page.fill("#id_username", "audit.zhou")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")
    page.goto(f"{live_server.url}/staff/applications/{failed_once.application_no}")
    page.wait_for_selector("#payments-title")
    cell = page.locator("section[aria-labelledby=payments-title] table tbody td").last
    said = cell.inner_text()  # “失败 2026-11-28 08:41：户名与卡号不符…” (decision 232: each result with its time)
    assert said.startswith("失败 ") and said.endswith("：" + REASON), said
    font = float(
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('section[aria-labelledby=payments-title] table td')).fontSize)")
    )
    box = cell.bounding_box()
    assert box is not None and box["width"] >= 7 * font, box  # 7 characters a line at least (it was 3)
    card = page.locator("section[aria-labelledby=payments-title]").bounding_box()
    table = page.locator("section[aria-labelledby=payments-title] table").bounding_box()
    assert card is not None and table is not None and table["x"] + table["width"] <= card["x"] + card["width"]  # nothing spills out
    for column in range(1, 5):  # batch, reference, amount, card: each on one line
        first = page.locator(f"section[aria-labelledby=payments-title] table tbody td:nth-child({column})")
        assert first.evaluate("cell => cell.getClientRects().length === 1 && cell.scrollWidth <= cell.clientWidth")
    # 编入批次: the date whole on its line (it broke as “2026-” / “11-28” / “20:44”), the time beside or below it.
    built = page.locator("section[aria-labelledby=payments-title] table tbody td:nth-child(6)").first
    date, time = built.locator("span").all()
    assert date.inner_text().count("-") == 2 and date.evaluate("span => span.getClientRects().length === 1")
    assert time.evaluate("span => span.getClientRects().length === 1")
    assert built.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
