"""退汇 keeps the bank's success: a reversal has its own time (``reversed_at``) and leaves
``result_at``, when the return file paid the line, as it was; the batch page and the
application's 发放记录 show both. Migration payments 0003 splits the lines reversed before."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from rewards.applications.models import ApplicationEvent
from rewards.core import clock
from rewards.payments import services
from rewards.payments.models import LineStatus, PaymentLine
from tests import factories
from tests.migrations import migrate

from .helpers import results_file

BUILT = dt.datetime(2026, 11, 18, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing
SUCCESS = dt.datetime(2026, 11, 20, 2, 5, tzinfo=dt.UTC)  # 10:05 in Beijing
REVERSAL = dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)  # 14:30 in Beijing


def _paid_then_reversed(monkeypatch, finance_a, finance_b, campaign) -> PaymentLine:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: BUILT)
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    monkeypatch.setattr(clock, "now", lambda: SUCCESS)
    answers = [(row[0], row[4], "success", "") for row in rows]
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file(answers).read())
    monkeypatch.setattr(clock, "now", lambda: REVERSAL)
    return services.payment_line_reversal(user=finance_a, reference=rows[0][0], reason="账户冻结，银行退汇")


@pytest.mark.django_db
def test_a_reversal_keeps_the_success_time_and_has_its_own(monkeypatch, approved, finance_a, finance_b, campaign):
    line = _paid_then_reversed(monkeypatch, finance_a, finance_b, campaign)
    line.refresh_from_db()
    assert line.status == LineStatus.REVERSED
    assert (line.result_at, line.reversed_at) == (SUCCESS, REVERSAL)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(finance_a)
    html = client.get(f"/staff/payments/{line.batch.batch_no}/?q={line.reference}").content.decode()
    cell = html[html.index('<td class="pay-bank-results">') :]
    cell = cell[: cell.index("</td>")]
    assert '成功</strong> <span class="nowrap">2026-11-20 10:05</span>' in cell
    assert '退汇</strong> <span class="nowrap">2026-11-25 14:30</span>：账户冻结，银行退汇' in cell
    detail = client.get(f"/staff/applications/{line.application.application_no}").content.decode()
    history = detail[detail.index('id="payments-title"') :]
    assert "2026-11-20 10:05" in history and "2026-11-25 14:30" in history and "账户冻结，银行退汇" in history


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_after")
def test_the_migration_gives_lines_reversed_before_their_success_time_back(monkeypatch, approved, finance_a, finance_b, campaign):
    line = _paid_then_reversed(monkeypatch, finance_a, finance_b, campaign)
    paid_line = PaymentLine.objects.filter(status=LineStatus.PAID).order_by("pk").first()
    assert paid_line is not None
    before = ("payments", "0002_masked_free_text")
    migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("payments", "PaymentLine")
    old.objects.filter(pk=line.pk).update(result_at=REVERSAL)  # as a reversal wrote it before
    # A paid event after the reversal (paid again by a later batch) is not this line's success.
    ApplicationEvent.objects.create(
        application_id=line.application_id, at=REVERSAL + dt.timedelta(days=3), stage="paid", from_status="approved", to_status="paid"
    )

    migrate(("payments", "0003_paymentline_reversed_at"))

    new = (
        MigrationExecutor(connection)
        .loader.project_state(("payments", "0003_paymentline_reversed_at"))
        .apps.get_model("payments", "PaymentLine")
    )
    reversed_line = new.objects.get(pk=line.pk)
    assert (reversed_line.result_at, reversed_line.reversed_at) == (SUCCESS, REVERSAL)
    untouched = new.objects.get(pk=paid_line.pk)
    assert (untouched.result_at, untouched.reversed_at) == (SUCCESS, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_after")
def test_the_migration_never_gives_a_line_an_earlier_lines_success_time(monkeypatch, approved, finance_a, finance_b, campaign):
    """Two lines of one application, each paid and sent back: the second line's 已发放 step
    lost, the latest one before its reversal is the first line's, before the second batch was
    built: not its success, so none (unknown). The first line keeps its own."""
    from rewards.applications.services import application_resubmit

    first = _paid_then_reversed(monkeypatch, finance_a, finance_b, campaign)
    application = first.application
    later = dt.timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: REVERSAL + later)
    application_resubmit(
        application_no=application.application_no,
        data={"bank_card_no": factories.new_card(), "bank_branch": "中国银行杭州滨江支行"},
        files={},
        applicant_id_hash=application.id_hash,
    )
    monkeypatch.setattr(clock, "now", lambda: REVERSAL + 2 * later)
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    assert batch.count == 1
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    second_success = REVERSAL + 3 * later
    monkeypatch.setattr(clock, "now", lambda: second_success)
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file([(row[0], row[4], "success", "")]).read())
    second_reversal = REVERSAL + 4 * later
    monkeypatch.setattr(clock, "now", lambda: second_reversal)
    second = services.payment_line_reversal(user=finance_a, reference=row[0], reason="账户冻结，银行退汇")
    before = ("payments", "0002_masked_free_text")
    migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("payments", "PaymentLine")
    old.objects.filter(pk=first.pk).update(result_at=REVERSAL)  # as a reversal wrote it before
    old.objects.filter(pk=second.pk).update(result_at=second_reversal)
    paid_steps = ApplicationEvent.objects.filter(application_id=application.pk, stage="paid")
    assert sorted(paid_steps.values_list("at", flat=True)) == [SUCCESS, second_success]
    paid_steps.filter(at=second_success).delete()

    migrate(("payments", "0003_paymentline_reversed_at"))

    new = (
        MigrationExecutor(connection)
        .loader.project_state(("payments", "0003_paymentline_reversed_at"))
        .apps.get_model("payments", "PaymentLine")
    )
    assert (new.objects.get(pk=second.pk).result_at, new.objects.get(pk=second.pk).reversed_at) == (None, second_reversal)
    assert (new.objects.get(pk=first.pk).result_at, new.objects.get(pk=first.pk).reversed_at) == (SUCCESS, REVERSAL)
