"""卡已变更 is frozen with the line: whether the card it carries had been changed after approval
when its batch was built, and when. A correction after the build neither takes the mark off an
older batch that paid the corrected card nor puts it on one that paid the card before it: the
batch page keeps telling what its approver saw. Migration payments 0004 fills the lines built
before from the application's history, and leaves unknown what the history does not tell."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from rewards.applications.models import Application, ApplicationEvent, Flag, FlagCode
from rewards.applications.services import application_resubmit
from rewards.core import clock
from rewards.payments import services
from rewards.payments.models import PaymentBatch, PaymentLine
from tests import factories
from tests.migrations import migrate, migrate_to_latest

from .helpers import results_file

DAY = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing


class Clock:
    """``clock.now`` at a time the test moves on (history, signals and builds all read it)."""

    def __init__(self, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        self.at = DAY
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def day(self, n: int, hour: int = 1) -> dt.datetime:
        self.at = DAY + dt.timedelta(days=n, hours=hour - 1)
        return self.at


def _sent(finance_a, finance_b, campaign) -> tuple[PaymentBatch, dict[int, list[str]]]:  # type: ignore[no-untyped-def]
    """A batch of everything payable, approved and downloaded: its bank-file rows by application."""
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    owners = dict(PaymentLine.objects.filter(batch=batch).values_list("reference", "application_id"))
    return batch, {owners[row[0]]: row for row in rows}


def _answer(finance_a, batch: PaymentBatch, rows: dict[int, list[str]], *, failed: set[int]) -> None:  # type: ignore[no-untyped-def]
    answers = [(row[0], row[4], "failure" if pk in failed else "success", "账户已销户" if pk in failed else "") for pk, row in rows.items()]
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=results_file(answers).read())


def _correct(application: Application, *, card: str | None = None, branch: str = "中国银行杭州滨江支行") -> None:
    application.refresh_from_db()
    application_resubmit(
        application_no=application.application_no,
        data={"bank_card_no": card or factories.new_card(), "bank_branch": branch},
        files={},
        applicant_id_hash=application.id_hash,
    )


def _page(user, batch: PaymentBatch, **query: str) -> str:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client.get(f"/staff/payments/{batch.batch_no}/", query).content.decode()


def _line(batch: PaymentBatch, application: Application) -> PaymentLine:
    return PaymentLine.objects.get(batch=batch, application=application)


def _lines_table(html: str) -> str:
    return html[html.index('id="lines-title"') :]


def _changed_section(html: str) -> str:
    """The 审核通过后更改了银行卡 list: in the approval screen while built, below it afterwards."""
    start = html.index("审核通过后更改了银行卡的申请（")
    return html[start : html.index('id="lines-title"')]


@pytest.mark.django_db
def test_a_second_correction_leaves_the_older_batchs_mark_as_it_was(monkeypatch, approved, finance_a, finance_b, auditor, campaign):
    now = Clock(monkeypatch)
    x = approved[0]
    first, rows = _sent(finance_a, finance_b, campaign)
    _answer(finance_a, first, rows, failed={x.pk})
    corrected = now.day(1)  # 09:00
    _correct(x)
    now.day(2)
    second, rows = _sent(finance_a, finance_b, campaign)
    line = _line(second, x)
    assert (line.card_changed, line.card_changed_at) == (True, corrected)
    _answer(finance_a, second, rows, failed={x.pk})
    again = now.day(3, hour=7)  # 15:00
    _correct(x)
    assert Flag.objects.get(application=x, code=FlagCode.BANK_CHANGED).raised_at == again

    html = _page(auditor, second)

    line.refresh_from_db()
    assert (line.card_changed, line.card_changed_at) == (True, corrected)
    section = _changed_section(html)
    assert "审核通过后更改了银行卡的申请（1 笔）" in section and x.application_no in section
    assert "2026-11-03 09:00" in section  # the correction this batch paid, not the later one's time
    assert "本批次生成后，职工于 2026-11-05 15:00 再次更正了银行卡" in section
    table = _lines_table(html)
    assert table.count("卡已变更") == 1 and table.count('class="pay-bank-changed') == 1
    assert 'title="生成批次时，该申请审核通过后已更改过银行卡（2026-11-03 09:00）"' in table
    # The next batch pays the card of the second correction, and says so.
    now.day(4)
    third, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    assert (_line(third, x).card_changed, _line(third, x).card_changed_at) == (True, again)
    assert "2026-11-05 15:00" in _changed_section(_page(finance_b, third))


@pytest.mark.django_db
def test_a_line_built_before_any_change_is_never_marked_later(monkeypatch, approved, finance_a, finance_b, auditor, campaign):
    now = Clock(monkeypatch)
    x = approved[0]
    first, rows = _sent(finance_a, finance_b, campaign)
    assert set(first.lines.values_list("card_changed", "card_changed_at")) == {(False, None)}
    _answer(finance_a, first, rows, failed={x.pk})
    now.day(1)
    _correct(x)
    # Even a signal dated before the build (as a signal edited by hand would be, or any reading
    # of the signal against the build time) does not reach the frozen line.
    Flag.objects.filter(application=x, code=FlagCode.BANK_CHANGED).update(raised_at=first.built_at - dt.timedelta(hours=1))

    html = _page(auditor, first)

    line = _line(first, x)
    assert (line.card_changed, line.card_changed_at) == (False, None)
    assert "审核通过后更改了银行卡的申请" not in html and "卡已变更" not in html and "卡变更不详" not in html
    # The application's 发放记录 reads the same frozen value: the failed line, unmarked.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(auditor)
    detail = client.get(f"/staff/applications/{x.application_no}").content.decode()
    assert "卡已变更" not in detail[detail.index('id="payments-title"') :]


@pytest.mark.django_db
def test_the_approval_screen_lists_the_changed_cards_before_approving(monkeypatch, approved, finance_a, finance_b, city_reviewer, campaign):
    now = Clock(monkeypatch)
    x, y = approved[0], approved[1]
    first, rows = _sent(finance_a, finance_b, campaign)
    _answer(finance_a, first, rows, failed={x.pk, y.pk})
    now.day(1)
    _correct(x)
    now.day(1, hour=3)
    _correct(y)
    Flag.objects.filter(application=y, code=FlagCode.BANK_CHANGED).update(
        resolved_at=now.at, resolved_by=city_reviewer, resolution_note="已电话核实为本人名下银行卡"
    )
    now.day(2)
    second, _ = services.payment_batch_build(user=finance_a, campaign=campaign)

    html = _page(finance_b, second)

    review = html[html.index('id="review"') : html.index('id="unions-title"')]
    assert "审核通过后更改了银行卡的申请（2 笔）" in review
    assert x.application_no in review and "2026-11-03 09:00" in review and "未处理（提示信号）" in review
    assert y.application_no in review and "2026-11-03 11:00" in review and "已电话核实为本人名下银行卡" in review
    assert "和上列 2 笔银行卡变更" in review
    assert _lines_table(html).count("卡已变更") == 2
    services.payment_batch_approve(user=finance_b, batch_no=second.batch_no)
    second.refresh_from_db()
    assert second.status == "approved"
    # After approval the list stays on the page, below the batch's figures.
    after = _page(finance_b, second)
    assert 'id="changed-title">审核通过后更改了银行卡的申请（2 笔）' in after


# --- migration payments 0004 ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_after")
def test_the_migration_marks_lines_built_before_from_the_history_and_leaves_unknown_unknown(
    monkeypatch, approved, finance_a, finance_b, campaign
):
    """x: two corrections, lines in three batches. y: never changed. z: corrected twice to the
    same card, its history's correction steps lost (only the signal, at the second). w: a
    new card, neither steps nor signal left: only the cards on its lines tell."""
    now = Clock(monkeypatch)
    x, y, z, w = approved[:4]
    first, rows = _sent(finance_a, finance_b, campaign)
    _answer(finance_a, first, {pk: rows[pk] for pk in (x.pk, y.pk, z.pk, w.pk)}, failed={x.pk, z.pk, w.pk})
    x_first = now.day(1)
    _correct(x)
    z.refresh_from_db()
    _correct(z, card=z.bank_card_no, branch=z.bank_branch)
    _correct(w)
    now.day(2)
    second, rows = _sent(finance_a, finance_b, campaign)
    _answer(finance_a, second, {pk: rows[pk] for pk in (x.pk, z.pk)}, failed={x.pk, z.pk})
    x_again = now.day(3)
    _correct(x)
    z.refresh_from_db()
    _correct(z, card=z.bank_card_no, branch=z.bank_branch)
    now.day(4)
    third, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    ApplicationEvent.objects.filter(application__in=[z, w], stage="bank_corrected").delete()
    Flag.objects.filter(application=w).delete()
    z_signal = Flag.objects.get(application=z, code=FlagCode.BANK_CHANGED).raised_at
    migrate(("payments", "0003_paymentline_reversed_at"))

    migrate_to_latest()

    def frozen(batch: PaymentBatch, application: Application) -> tuple[bool | None, dt.datetime | None]:
        line = PaymentLine.objects.get(batch=batch, application=application)
        return line.card_changed, line.card_changed_at

    assert frozen(first, x) == (False, None)  # built before any change: the first line carries the approved card
    assert frozen(second, x) == (True, x_first)  # the step before its build, though the signal moved on
    assert frozen(third, x) == (True, x_again)
    assert frozen(first, y) == (False, None)
    assert frozen(first, z) == (False, None)  # its first line
    assert frozen(second, z) == (None, None)  # the signal is later, the history says nothing: unknown
    assert frozen(third, z) == (True, z_signal)  # the signal, raised before the build
    assert frozen(second, w) == (True, None)  # another card than its first line's, when unknown
    assert frozen(first, approved[4]) == (False, None)
    html = _page(finance_b, second)
    section = _changed_section(html)
    assert "审核通过后更改了银行卡的申请（2 笔）" in section and x.application_no in section and w.application_no in section
    assert "更改时间不详" in section and "另有 1 笔明细生成于记录此项之前" in section
    assert _lines_table(html).count("卡已变更") == 2 and _lines_table(html).count("卡变更不详") == 1
