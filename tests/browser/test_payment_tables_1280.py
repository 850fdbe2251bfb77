"""The payment tables at a 1280-pixel desktop, the clerks' screens: a batch's 按工会、等级汇总
(every award level, its counts and sums, a whole city's amounts) and an application's 发放记录
(a payment sent back, one failed, one paid on a corrected card) are read whole, not cut at the
card's edge behind a scroll bar."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from rewards.applications.services import application_resubmit
from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.payments import services
from rewards.payments.models import PaymentLine
from tests import factories

from .conftest import STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 900
#: The unions of the batch, the longest Annex 1 names among them, with a level each.
UNIONS = [
    ("高新区（滨江）总工会", "senior_technician"),
    ("钱塘新区区总工会", "technician"),
    ("萧山区总工会", "senior_worker"),
    ("余杭区总工会", "senior_technician"),
    ("宣文卫工会", "technician"),
    ("发改农林工会", "senior_worker"),
]
#: What a whole city's batch adds up to (8 000 awards): the sums the cells must hold.
CITY_SUMS = {
    "高新区（滨江）总工会": Decimal("560000.00"),
    "钱塘新区区总工会": Decimal("600000.00"),
    "萧山区总工会": Decimal("450000.00"),
    "余杭区总工会": Decimal("800000.00"),
    "宣文卫工会": Decimal("12000.00"),
    "发改农林工会": Decimal("1815000.00"),
}
#: The union of the application paid three times (its own amounts stay 800 元).
WORKERS_UNION = "西湖区总工会"
LONG_REASON = "户名与卡号不符，请更正为本人名下的银行卡"


def _answer(content: bytes, failed: dict[str, str]) -> bytes:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    lines = [f"{row[0]},{row[4]},{'failure' if row[0] in failed else 'success'},{failed.get(row[0], '')}\r\n" for row in rows]
    return ("reference,amount,result,reason\r\n" + "".join(lines)).encode()


def _correct_card(app) -> None:  # type: ignore[no-untyped-def]
    application_resubmit(
        application_no=app.application_no,
        data={"bank_card_no": factories.new_card(), "bank_branch": "中国工商银行杭州高新技术产业开发区支行"},
        files={},
        applicant_id_hash=app.id_hash,
    )


@pytest.fixture
def paid_city(settings):  # type: ignore[no-untyped-def]
    """Batch 1 of seven unions at every level, paid, one application's money sent back; that
    application then fails in batch 2 and is paid in batch 3, each time on a corrected card.
    Batch 1's other lines then carry a whole city's sums, as its page adds them up."""
    settings.APP_TODAY = "2020-12-20"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    finance_a = staff_create(username="finance.a", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD)
    finance_b = staff_create(username="finance.b", role=Role.FINANCE_OFFICER, organisation=city, password=STAFF_PASSWORD)
    apps = []
    for name, level in [*UNIONS, (WORKERS_UNION, "senior_technician")]:
        member = factories.make_member(union=organisation_by_name(name))
        app = factories.make_registered_application(campaign=campaign, member=member, new_level=level)
        apps.append(app)
    worker = apps[-1]

    def send(failed_reason: str = "") -> tuple[str, str]:
        batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
        services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
        content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
        reference = PaymentLine.objects.get(batch=batch, application=worker).reference
        services.payment_results_import(
            user=finance_b, batch_no=batch.batch_no, content=_answer(content, {reference: failed_reason} if failed_reason else {})
        )
        return batch.batch_no, reference

    first, reference = send()
    services.payment_line_reversal(user=finance_a, reference=reference, reason="账户已冻结，银行退汇，请职工更正银行卡")
    _correct_card(worker)
    send(LONG_REASON)
    _correct_card(worker)
    send()
    # A whole city's sums in batch 1's lines (the page adds them up per union and level).
    for name, total in CITY_SUMS.items():
        PaymentLine.objects.filter(batch__batch_no=first, application__union__name=name).update(amount=total)
    return first, worker


def _sign_in(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/staff/login")
    page.fill("#id_username", "finance.a")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")


FITS = """
table => {
  const box = table.parentElement;
  const card = table.closest('section');
  return {
    table: table.scrollWidth, box: box.clientWidth, boxScroll: box.scrollWidth,
    tableRight: table.getBoundingClientRect().right, cardRight: card.getBoundingClientRect().right,
    page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
  };
}
"""


def _fits(sizes: dict[str, float]) -> None:
    assert sizes["boxScroll"] <= sizes["box"], sizes  # nothing behind a scroll bar
    assert sizes["tableRight"] <= sizes["cardRight"], sizes  # nothing past the card's edge
    assert sizes["page"] <= sizes["viewport"], sizes  # the page itself scrolls only down


#: A 1280-pixel window, and the same with a classic 17-pixel scroll bar taking its share.
WIDTHS = [WIDTH, WIDTH - 17]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_batch_union_and_level_table_fits(paid_city, live_server, page_factory, width):
    first, _ = paid_city
    page = page_factory(width, HEIGHT)
    _sign_in(page, live_server)

    page.goto(f"{live_server.url}/staff/payments/{first}/")

    matrix = page.locator("section[aria-labelledby=unions-title] table")
    assert "1,815,000.00" in matrix.inner_text() and "高新区（滨江）总工会" in matrix.inner_text()
    screenshot(page, f"64b-payments-batch-{width}px")
    _fits(matrix.evaluate(FITS))
    # Every figure on one line: a count or a sum broken over two lines is misread.
    assert matrix.evaluate(
        "t => [...t.querySelectorAll('td.num')].every(c => c.getClientRects().length === 1 && c.scrollWidth <= c.clientWidth)"
    )
    # The lines (明细) fit too, every column seen, and a branch's name reads in at most two lines
    # (“中国工商银行杭州西湖支行”), not three or four characters a line.
    lines = page.locator("table.pay-lines")
    sizes = lines.evaluate(FITS.replace("table.closest('section')", "table.parentElement"))
    assert sizes["boxScroll"] <= sizes["box"] and sizes["page"] <= sizes["viewport"], sizes
    branch_lines = lines.evaluate(
        "t => [...t.querySelectorAll('td.pay-branch')].map(c => {"
        " const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })"
    )
    assert branch_lines and max(branch_lines) <= 2, branch_lines


@pytest.mark.parametrize("width", WIDTHS)
def test_the_applications_payment_record_fits(paid_city, live_server, page_factory, width):
    _, worker = paid_city
    page = page_factory(width, HEIGHT)
    _sign_in(page, live_server)

    page.goto(f"{live_server.url}/staff/applications/{worker.application_no}")

    record = page.locator("section[aria-labelledby=payments-title] table")
    assert record.locator("tbody tr").count() == 3 and LONG_REASON in record.inner_text()
    screenshot(page, f"64c-payments-record-{width}px")
    _fits(record.evaluate(FITS))
