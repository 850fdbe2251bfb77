"""The SMS of a bank return file are queued after the import commits (decision 262): by a
background task, in chunks, exactly once per settled line, finished by ``sms_flush`` when the
task was lost, and before a reversal's SMS."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from rewards.core import clock
from rewards.notifications.models import SmsMessage
from rewards.payments import results, services
from rewards.payments.models import LineStatus, PaymentLine, ResultImport

pytestmark = pytest.mark.django_db

REASON = "户名与账号不符"


def _sent(approved, finance_a, finance_b):  # type: ignore[no-untyped-def]
    batch, _ = services.payment_batch_build(user=finance_a, campaign=approved[0].campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    return batch, rows


def _answer(rows, failed_refs=()) -> bytes:  # type: ignore[no-untyped-def]
    return (
        "reference,amount,result,reason\r\n"
        + "".join(f"{r[0]},{r[4]},failure,{REASON}\r\n" if r[0] in failed_refs else f"{r[0]},{r[4]},success,\r\n" for r in rows)
    ).encode()


def _payment_sms():  # type: ignore[no-untyped-def]
    return SmsMessage.objects.filter(template__in=["paid", "payment_failed"])


def test_the_import_commits_first_and_its_task_queues_each_sms_once(approved, finance_a, finance_b, django_capture_on_commit_callbacks):
    batch, rows = _sent(approved, finance_a, finance_b)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows, {rows[0][0]}))
    assert answer == {"paid": 5, "failed": 1}
    # The import's own rows are written; the SMS wait for the task that runs after the commit.
    assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.PAID, LineStatus.FAILED}
    record = ResultImport.objects.get(batch=batch)
    assert record.sms_queued_at is None and not _payment_sms().exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the immediate task backend of the tests runs the task here
    record.refresh_from_db()
    assert record.sms_queued_at is not None
    assert sorted(_payment_sms().values_list("template", flat=True)) == ["paid"] * 5 + ["payment_failed"]
    assert REASON in _payment_sms().get(template="payment_failed").text
    # Once done, a second run writes nothing, nor does a run that ignores the mark (idempotent keys).
    assert results.queue_result_sms(record.pk) == 0
    ResultImport.objects.filter(pk=record.pk).update(sms_queued_at=None)
    assert results.queue_result_sms(record.pk) == 0
    assert _payment_sms().count() == 6


def test_a_run_stopped_half_way_is_finished_by_the_next(approved, finance_a, finance_b, monkeypatch):
    monkeypatch.setattr(results, "CHUNK", 2)
    batch, rows = _sent(approved, finance_a, finance_b)
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows, {rows[3][0]}))
    record = ResultImport.objects.get(batch=batch)
    real_notify, calls = results._notify, []

    def notify_then_stop(lines, template):  # type: ignore[no-untyped-def]
        calls.append(template)
        if len(calls) > 2:  # the second chunk of lines
            raise RuntimeError("worker stopped")
        return real_notify(lines, template)

    monkeypatch.setattr(results, "_notify", notify_then_stop)
    with pytest.raises(RuntimeError):
        results.queue_result_sms(record.pk)
    # The first chunk (2 lines) committed; the stopped one left nothing half-written.
    assert _payment_sms().count() == 2
    record.refresh_from_db()
    assert record.sms_queued_at is None
    monkeypatch.setattr(results, "_notify", real_notify)
    assert results.queue_result_sms(record.pk) == 4
    assert _payment_sms().count() == 6 and _payment_sms().filter(template="payment_failed").count() == 1
    record.refresh_from_db()
    assert record.sms_queued_at is not None


def test_sms_flush_queues_what_a_lost_task_left_after_ten_minutes(approved, finance_a, finance_b, monkeypatch):
    batch, rows = _sent(approved, finance_a, finance_b)
    # Called outside any captured on-commit block: the task is never run (lost).
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows))
    record = ResultImport.objects.get(batch=batch)
    real_now = clock.now

    def at(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    at(record.imported_at + results.TASK_GRACE - dt.timedelta(seconds=1))
    out = io.StringIO()
    call_command("sms_flush", stdout=out)
    assert not _payment_sms().exists() and "补登" not in out.getvalue()
    at(record.imported_at + results.TASK_GRACE)
    out = io.StringIO()
    call_command("sms_flush", stdout=out)
    assert "已补登银行回单导入的短信 6 条。" in out.getvalue()
    assert _payment_sms().filter(template="paid").count() == 6
    monkeypatch.setattr(clock, "now", real_now)
    out = io.StringIO()
    call_command("sms_flush", stdout=out)
    assert "补登" not in out.getvalue() and _payment_sms().count() == 6


def test_a_reversal_before_the_task_ran_sends_paid_first(approved, finance_a, finance_b):
    batch, rows = _sent(approved, finance_a, finance_b)
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows))
    assert not _payment_sms().exists()
    services.payment_line_reversal(user=finance_a, reference=rows[2][0], reason="账户冻结，银行退汇")
    line = PaymentLine.objects.select_related("application").get(reference=rows[2][0])
    number = line.application.application_no
    paid = SmsMessage.objects.get(event_key=f"app:{number}:paid:{line.reference}")
    reversal = SmsMessage.objects.get(event_key=f"app:{number}:payment_failed:{line.reference}")
    assert paid.pk < reversal.pk and "账户冻结，银行退汇" in reversal.text
    # The whole file's SMS were queued with it, once; the import is marked done.
    assert _payment_sms().filter(template="paid").count() == 6
    assert ResultImport.objects.get(batch=batch).sms_queued_at is not None


def test_a_file_that_settles_nothing_new_schedules_nothing(approved, finance_a, finance_b, django_capture_on_commit_callbacks):
    batch, rows = _sent(approved, finance_a, finance_b)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows[:2]))
    # The same two answers in another file (another digest): applied, nothing new settled.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows[:2]) + b"\r\n")
    assert answer == {"paid": 0, "failed": 0} and callbacks == []
    second = ResultImport.objects.filter(batch=batch).order_by("pk").last()
    assert second is not None and second.sms_queued_at == second.imported_at
    assert _payment_sms().count() == 2


def test_a_refused_file_schedules_nothing(approved, finance_a, finance_b, django_capture_on_commit_callbacks):
    batch, rows = _sent(approved, finance_a, finance_b)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(results.ResultFileRefused):
        services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=_answer(rows) + b"UNKNOWN,500.00,success,\r\n")
    assert callbacks == [] and not ResultImport.objects.exists() and not _payment_sms().exists()
