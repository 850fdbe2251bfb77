"""工作进度 (API.md GET /api/v1/stats/progress and GET /api/v1/reports/annex1.xlsx): Annex 1
with live figures that equal counts made here in Python from what the test wrote, in Annex 1
order, scoped (a union's staff see only their own row), and the Annex 1 workbook."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db.models import Sum

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign
from rewards.campaigns.notice_2020 import ANNEX1_UNITS, GUIDANCE_TOTAL
from rewards.core import clock
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.organisations.models import Role
from rewards.organisations.services import staff_create
from rewards.payments import services as payments
from rewards.payments.models import LineStatus, PaymentLine
from rewards.reports.annex1 import HEADERS
from rewards.reports.progress import dashboard

from .. import factories
from ..api.helpers import applicant_token, bearer
from ..conftest import PASSWORD
from .conftest import batch_application, get_as, workbook

pytestmark = pytest.mark.django_db

PROGRESS = "/api/v1/stats/progress"
ANNEX1 = "/api/v1/reports/annex1.xlsx"
AMOUNTS = {"senior_worker": Decimal("500.00"), "technician": Decimal("600.00"), "senior_technician": Decimal("800.00")}
#: Every status, the three the contract names (withdrawn, paid, payment_failed) more than once.
STATUSES = [
    Status.PENDING_DISTRICT,
    Status.PENDING_CITY,
    Status.APPROVED,
    Status.PAID,
    Status.PAID,
    Status.PAYMENT_FAILED,
    Status.RETURNED,
    Status.REJECTED,
    Status.WITHDRAWN,
    Status.WITHDRAWN,
]
LEVELS = list(AMOUNTS)
OCCUPATIONS = ["车工", "电工", "焊工", "钳工", "中式烹调师"]


@dataclass(frozen=True)
class Written:
    """What the test wrote, kept apart from the database: the expectations are made from these."""

    union: str
    status: str
    level: str
    channel: str
    migrant: bool
    occupation: str
    submitted_on: dt.date
    clerk_entered: bool = False

    @property
    def amount(self) -> Decimal:
        return AMOUNTS[self.level]


def expected(items: list[Written]) -> dict[str, object]:
    live = [item for item in items if item.status != Status.WITHDRAWN]
    paid = [item for item in live if item.status == Status.PAID]
    return {
        "submitted": len(live),
        "approved": len([item for item in live if item.status in (Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED)]),
        "paid": len(paid),
        "amount": f"{sum((item.amount for item in paid), Decimal('0.00')):.2f}",
        "under_review": len([item for item in live if item.status.startswith("pending_") or item.status == Status.RETURNED]),
        "rejected": len([item for item in live if item.status == Status.REJECTED]),
        "payment_failed": len([item for item in live if item.status == Status.PAYMENT_FAILED]),
    }


@pytest.fixture
def written(campaign, business_day, xihu, shangcheng, xihu_grassroots):  # type: ignore[no-untyped-def]
    """Applications of 西湖区 (43) and 上城区 (21) in every status and both channels, some of them
    entered by 西湖精密's clerk; the same specs, kept in a list, make the expected figures."""
    rng = random.Random(2020)
    start = clock.now() - dt.timedelta(days=60)
    items: list[Written] = []
    for union, count in ((xihu, 43), (shangcheng, 21)):
        for index in range(count):
            status = STATUSES[index % len(STATUSES)] if index < 30 else rng.choice(STATUSES)
            level = rng.choice(LEVELS)
            occupation = OCCUPATIONS[(index * 7) % len(OCCUPATIONS)] if index % 4 else "车工"
            migrant = index % 3 == 0
            at = start + dt.timedelta(days=index, hours=rng.randrange(8))
            clerk = union == xihu and index % 5 == 1
            if clerk:
                entered = batch_application(
                    campaign,
                    xihu_grassroots,
                    name="批量职工",
                    status=status,
                    new_level=level,
                    occupation=occupation,
                    is_migrant=migrant,
                    submitted_at=at,
                )
                Application.objects.filter(pk=entered.pk).update(amount=AMOUNTS[level])  # the helper writes 500
                channel = "batch"
            else:
                channel = "online" if index % 2 else "batch"
                factories.make_application(
                    campaign=campaign,
                    member=factories.make_member(union=union),
                    status=status,
                    new_level=level,
                    channel=channel,
                    is_migrant=migrant,
                    occupation=occupation,
                    submitted_at=at,
                )
            items.append(Written(union.name, status, level, channel, migrant, occupation, at.astimezone(clock.SHANGHAI).date(), clerk))
    return items


def of(items: list[Written], union: str) -> list[Written]:
    return [item for item in items if item.union == union]


def test_progress_figures_equal_counts_made_independently(api, written, city_reviewer):
    response = get_as(api, city_reviewer, PROGRESS, year=2020)
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["union"] for row in rows] == [name for name, _ in ANNEX1_UNITS]  # Annex 1 order
    assert [row["position"] for row in rows] == list(range(1, 25))
    assert [row["guidance"] for row in rows] == [guidance for _, guidance in ANNEX1_UNITS]
    by_union = {row["union"]: row for row in rows}
    for name in ("西湖区总工会", "上城区总工会"):
        row = by_union[name]
        assert {key: row[key] for key in expected(of(written, name))} == expected(of(written, name)), name
        assert row["completion"] == f"{Decimal(row['submitted']) * 100 / 300:.1f}"
    for row in rows:
        if row["union"] not in ("西湖区总工会", "上城区总工会"):
            assert (row["submitted"], row["approved"], row["paid"], row["amount"]) == (0, 0, 0, "0.00")
    # Contract names and types.
    assert set(rows[0]) >= {"union", "guidance", "submitted", "approved", "paid", "amount"}
    assert isinstance(rows[0]["amount"], str) and isinstance(rows[0]["guidance"], int)


def test_the_current_campaign_when_no_year_is_given(api, written, city_reviewer):
    rows = get_as(api, city_reviewer, PROGRESS).json()
    assert sum(row["submitted"] for row in rows) == expected(written)["submitted"]


@pytest.mark.parametrize("role", [Role.CITY_REVIEWER, Role.FINANCE_OFFICER, Role.ECONOMIC_OFFICER, Role.AUDITOR, Role.ADMIN])
def test_city_roles_see_every_row(api, written, city, role):
    user = staff_create(username=f"city.{role}", role=role, organisation=city, password=PASSWORD)
    rows = get_as(api, user, PROGRESS, year=2020).json()
    assert len(rows) == 24
    assert sum(row["submitted"] for row in rows) == expected(written)["submitted"]
    assert sum(row["guidance"] for row in rows) == GUIDANCE_TOTAL


def test_a_district_reviewer_sees_only_its_own_row(api, written, xihu_reviewer, shangcheng_reviewer):
    for user, name in ((xihu_reviewer, "西湖区总工会"), (shangcheng_reviewer, "上城区总工会")):
        rows = get_as(api, user, PROGRESS, year=2020).json()
        assert [row["union"] for row in rows] == [name]
        assert {key: rows[0][key] for key in expected(of(written, name))} == expected(of(written, name))
        assert rows[0]["guidance"] == 300 and rows[0]["position"] == dict((n, i) for i, (n, _) in enumerate(ANNEX1_UNITS, 1))[name]


def test_a_grassroots_clerk_sees_its_unions_row_counting_what_it_entered(api, written, grassroots_clerk):
    rows = get_as(api, grassroots_clerk, PROGRESS, year=2020).json()
    assert [row["union"] for row in rows] == ["西湖区总工会"]
    mine = [item for item in written if item.clerk_entered]
    assert mine and len(mine) < len(of(written, "西湖区总工会"))
    assert {key: rows[0][key] for key in expected(mine)} == expected(mine)


def test_applications_of_another_campaign_do_not_count(api, written, city_reviewer, xihu):
    before = sum(row["submitted"] for row in get_as(api, city_reviewer, PROGRESS, year=2020).json())
    other = Campaign.objects.create(
        year=2019,
        title="2019年度",
        opens_on=dt.date(2019, 3, 1),
        application_deadline=dt.date(2019, 12, 15),
        main_window_start=dt.date(2018, 12, 1),
        main_window_end=dt.date(2019, 11, 30),
    )
    factories.make_application(campaign=other, member=factories.make_member(union=xihu), status=Status.PAID)
    assert sum(row["submitted"] for row in get_as(api, city_reviewer, PROGRESS, year=2020).json()) == before
    # 2019 lists no Annex 1 unit here: the city still sees its application, on a line of its own.
    rows = get_as(api, city_reviewer, PROGRESS, year=2019).json()
    assert [(row["position"], row["union"], row["guidance"], row["paid"], row["amount"]) for row in rows] == [
        (None, "其他（不在本年度附件1中的工会）", 0, 1, "500.00")
    ]


def test_permissions_and_errors(api, written, xihu_reviewer, member):
    assert api.get(PROGRESS).status_code == 401
    assert api.get(ANNEX1).status_code == 401
    assert api.get(PROGRESS).json()["error"]["code"] == "not_authenticated"
    # A worker's token is not a staff token.
    worker = applicant_token(api, member)
    assert api.get(PROGRESS, **bearer(worker)).status_code == 401
    bad = get_as(api, xihu_reviewer, PROGRESS, year="二〇二〇")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["year"]
    missing = get_as(api, xihu_reviewer, ANNEX1, year=1999)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_paid_and_amount_follow_the_bank_results(api, campaign, business_day, xihu, shangcheng, finance_a, finance_b, city_reviewer):
    """Through a real payment batch: one line fails (payment_failed: approved, not paid), one
    is reversed after success (退汇: no longer paid, not in the amount)."""
    import csv
    import io

    apps = [
        factories.make_application(campaign=campaign, member=factories.make_member(union=union), new_level=level)
        for union, level in ((xihu, "senior_worker"), (xihu, "technician"), (xihu, "senior_technician"), (shangcheng, "technician"))
    ]
    batch, _ = payments.payment_batch_build(user=finance_a, campaign=campaign)
    payments.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = payments.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    failed_app = apps[1]
    failed_ref = PaymentLine.objects.get(application=failed_app).reference
    answer = "".join(
        f"{line[0]},{line[4]},{'failure' if line[0] == failed_ref else 'success'},{'户名不符' if line[0] == failed_ref else ''}\r\n"
        for line in lines
    )
    payments.payment_results_import(
        user=finance_a, batch_no=batch.batch_no, content=("reference,amount,result,reason\r\n" + answer).encode()
    )
    reversed_line = PaymentLine.objects.get(application=apps[2])
    payments.payment_line_reversal(user=finance_a, reference=reversed_line.reference, reason="账户已销户")

    rows = {row["union"]: row for row in get_as(api, city_reviewer, PROGRESS, year=2020).json()}
    paid_sum = PaymentLine.objects.filter(status=LineStatus.PAID, application__union=xihu).aggregate(s=Sum("amount"))["s"]
    assert rows["西湖区总工会"]["paid"] == 1 and rows["西湖区总工会"]["amount"] == f"{paid_sum:.2f}" == "500.00"
    assert rows["西湖区总工会"]["approved"] == 3 and rows["西湖区总工会"]["payment_failed"] == 2
    assert rows["上城区总工会"]["paid"] == 1 and rows["上城区总工会"]["amount"] == "600.00"


def test_annex1_workbook_has_the_annex_columns_in_order_and_the_totals(api, written, city_reviewer):
    response = get_as(api, city_reviewer, ANNEX1, year=2020)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    sheet = workbook(response.content).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "附件1"
    assert values[1][0] == "2020年杭州市职工高技能人才奖励工作任务分解表（工作进度）"
    header_at = next(index for index, row in enumerate(values) if row[0] == "序号")
    header = list(values[header_at])
    assert header[:3] == ["序号", "系统（单位）", "高技能人才奖励指导数（上不封顶）"]  # the annex's own columns first
    assert header == list(HEADERS)
    body = values[header_at + 1 : header_at + 26]
    assert [row[1] for row in body[:24]] == [name for name, _ in ANNEX1_UNITS]
    assert [row[0] for row in body[:24]] == list(range(1, 25))
    assert [row[2] for row in body[:24]] == [guidance for _, guidance in ANNEX1_UNITS]
    total = body[24]
    everything = expected(written)
    assert total[1] == "合计" and total[2] == GUIDANCE_TOTAL
    assert tuple(total[3:7]) == (everything["submitted"], everything["under_review"], everything["approved"], everything["paid"])
    assert f"{Decimal(str(total[7])):.2f}" == everything["amount"]
    # 完成率 is a number Excel sorts and adds up, shown as a percentage with one decimal.
    assert f"{total[8]:.1%}" == f"{Decimal(everything['submitted']) * 100 / GUIDANCE_TOTAL:.1f}%"
    total_cells = next(sheet.iter_rows(min_row=header_at + 25, max_row=header_at + 25))
    assert total_cells[8].number_format == "0.0%"
    # Head counts as the page shows them (8,000), still numbers; 序号 and amounts keep their own.
    assert [cell.number_format for cell in total_cells[2:7]] == ["#,##0"] * 5
    assert total_cells[7].number_format == "#,##0.00" and total_cells[0].number_format == "General"
    xihu_row = body[14]
    assert xihu_row[1] == "西湖区总工会" and xihu_row[3] == expected(of(written, "西湖区总工会"))["submitted"]
    assert any("不含已撤回" in str(row[0]) for row in values[header_at + 26 :])
    assert AuditEvent.objects.filter(action="report.annex1", actor=city_reviewer).count() == 1


def test_annex1_workbook_of_a_district_has_its_row_and_total_only(api, written, shangcheng_reviewer):
    sheet = workbook(get_as(api, shangcheng_reviewer, ANNEX1, year=2020).content).active
    values = list(sheet.iter_rows(values_only=True))
    header_at = next(index for index, row in enumerate(values) if row[0] == "序号")
    assert values[header_at - 1][0] == "统计范围：上城区总工会"
    assert values[header_at + 1][1] == "上城区总工会" and values[header_at + 2][1] == "合计"
    assert values[header_at + 1][3] == values[header_at + 2][3] == expected(of(written, "上城区总工会"))["submitted"]
    assert "西湖区总工会" not in str(values)


def test_dashboard_breakdowns_equal_counts_made_independently(written, city_reviewer, xihu_reviewer, campaign):
    for user, items in ((city_reviewer, written), (xihu_reviewer, of(written, "西湖区总工会"))):
        board = dashboard(user, campaign, today=dt.date(2020, 10, 15))
        live = [item for item in items if item.status != Status.WITHDRAWN]
        levels = {label: tally.submitted for label, tally in board.levels.rows}
        assert levels == {
            "高级工": sum(i.level == "senior_worker" for i in live),
            "技师": sum(i.level == "technician" for i in live),
            "高级技师": sum(i.level == "senior_technician" for i in live),
        }
        channels = {label: (tally.submitted, tally.paid) for label, tally in board.channels.rows}
        assert channels == {
            "个人网上申报": (
                sum(i.channel == "online" for i in live),
                sum(i.channel == "online" and i.status == Status.PAID for i in live),
            ),
            "单位统一申报": (sum(i.channel == "batch" for i in live), sum(i.channel == "batch" and i.status == Status.PAID for i in live)),
        }
        migrants = {label: tally.submitted for label, tally in board.migrants.rows}
        assert migrants == {"外来务工人员": sum(i.migrant for i in live), "本地职工": sum(not i.migrant for i in live)}
        occupations = {label: tally.submitted for label, tally in board.occupations.rows}
        assert occupations == {
            name: sum(i.occupation == name for i in live) for name in OCCUPATIONS if any(i.occupation == name for i in live)
        }
        assert list(occupations.values()) == sorted(occupations.values(), reverse=True)  # most first
        weeks = {week.start: week.submitted for week in board.weeks if week.submitted}
        mondays: dict[dt.date, int] = {}
        for item in live:
            monday = item.submitted_on - dt.timedelta(days=item.submitted_on.weekday())
            mondays[monday] = mondays.get(monday, 0) + 1
        assert weeks == mondays
        assert board.weeks[-1].cumulative == len(live)
        assert board.progress.total.tally.submitted == len(live)


def test_a_grassroots_clerks_line_is_named_as_counting_its_own_entries_on_the_page(written, grassroots_clerk, campaign):
    from rewards.reports.progress import progress

    board = progress(grassroots_clerk, campaign)
    assert [row.label for row in board.rows] == [f"西湖区总工会（仅{grassroots_clerk.organisation.name}填报）"]
    assert [row.as_api()["union"] for row in board.rows] == ["西湖区总工会"]  # the API keeps the union's name
    assert [row.as_api()["filed_by"] for row in board.rows] == [grassroots_clerk.organisation.name]  # … and says whose it counts


def test_a_whole_unions_line_is_filed_by_nobody_in_particular(written, xihu_reviewer, campaign):
    from rewards.reports.progress import progress

    assert {row.as_api()["filed_by"] for row in progress(xihu_reviewer, campaign).rows} == {None}
