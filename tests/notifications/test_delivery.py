"""``deliver_sms``: claim, send, mark sent; retries with backoff; one send per message."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.db import connection

from rewards.notifications.models import SmsMessage, SmsStatus
from rewards.notifications.services import BACKOFF, MAX_ATTEMPTS, DeliveryOutcome, retry_delay, sms_deliver, sms_enqueue
from rewards.notifications.tasks import deliver_sms
from rewards.notifications.transports import TransportError

from .conftest import MOBILE, START, Gateway, Worker


def enqueue(key: str = "app:2020000123:submitted:1", template: str = "submitted", params: dict | None = None) -> SmsMessage:
    message = sms_enqueue(phone=MOBILE, template=template, params=params or {"application_no": "2020000123"}, event_key=key)
    assert message is not None
    return message


def test_backoff_schedule():
    waits = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS + 1)]
    assert waits == [
        dt.timedelta(seconds=30),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=10),
        dt.timedelta(hours=1),
        dt.timedelta(hours=2),
        dt.timedelta(hours=4),
        dt.timedelta(hours=8),
        None,
    ]
    assert MAX_ATTEMPTS == 8 and len(BACKOFF) == 7


@pytest.mark.django_db
def test_a_due_message_is_sent_and_marked(frozen_clock):
    gateway = Gateway()
    message = enqueue()
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.SENT
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert message.sent_at == START
    assert message.provider_message_id == "biz-1"
    assert message.last_error == ""
    assert [(sms.to, sms.text, sms.reference) for sms in gateway.sent] == [(MOBILE, message.text, str(message.pk))]
    # Delivering again (a replayed task) sends nothing.
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.SKIPPED
    assert gateway.calls == 1


@pytest.mark.django_db
def test_a_message_not_yet_due_is_left_alone(frozen_clock):
    gateway = Gateway()
    message = enqueue()
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=START + dt.timedelta(seconds=1))
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.SKIPPED
    assert gateway.calls == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.PENDING, 0)


@pytest.mark.django_db
def test_the_task_retries_a_failing_gateway_and_sends_once(frozen_clock, task_queue, use_gateway, django_capture_on_commit_callbacks):
    """The gateway fails twice, then takes the message: three attempts, one SMS."""
    gateway = use_gateway(Gateway(failures=2))
    worker = Worker(task_queue)
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    assert [result.task.run_after for result in task_queue.results] == [None]  # handed over on commit

    assert worker.run_due(frozen_clock()) == ["retry"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.PENDING, 1)
    assert message.next_attempt_at == START + dt.timedelta(seconds=30)
    assert message.last_error == "短信网关暂时不可用（HTTP 503）。"
    assert task_queue.results[-1].task.run_after == START + dt.timedelta(seconds=30)

    # A worker running the retry early (or a duplicate task) changes nothing.
    assert deliver_sms.call(message.pk) == "skipped"
    frozen_clock.advance(dt.timedelta(seconds=29))
    assert worker.run_due(frozen_clock()) == []

    frozen_clock.advance(dt.timedelta(seconds=1))
    assert worker.run_due(frozen_clock()) == ["retry"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.PENDING, 2)
    assert message.next_attempt_at == frozen_clock() + dt.timedelta(minutes=2)

    frozen_clock.advance(dt.timedelta(minutes=2))
    assert worker.run_due(frozen_clock()) == ["sent"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (SmsStatus.SENT, 3, "")
    assert message.sent_at == frozen_clock()

    # Every task ever queued, run again: still one SMS.
    for result in task_queue.results:
        assert result.task.call(*result.args, **result.kwargs) == "skipped"
    assert gateway.calls == 3
    assert len(gateway.sent) == 1


@pytest.mark.django_db
def test_without_deferred_tasks_the_retry_waits_for_sms_flush(frozen_clock, use_gateway, django_capture_on_commit_callbacks):
    """The immediate backend (tests, small installations) cannot hold a retry: sms_flush sends it."""
    from rewards.notifications.services import sms_flush

    gateway = use_gateway(Gateway(failures=1))
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.PENDING, 1)
    assert sms_flush().sent == 0  # not due yet
    frozen_clock.advance(dt.timedelta(seconds=30))
    assert sms_flush().sent == 1
    assert len(gateway.sent) == 1


@pytest.mark.django_db
def test_gives_up_after_eight_attempts(frozen_clock):
    gateway = Gateway(failures=100)
    message = enqueue()
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.RETRY
        message.refresh_from_db()
        waits.append(message.next_attempt_at - frozen_clock())
        frozen_clock.at = message.next_attempt_at
    assert waits == list(BACKOFF)
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, MAX_ATTEMPTS)
    frozen_clock.advance(dt.timedelta(days=1))
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.SKIPPED
    assert gateway.calls == MAX_ATTEMPTS and gateway.sent == []


@pytest.mark.django_db
def test_a_permanent_refusal_is_not_retried(frozen_clock):
    gateway = Gateway(failures=1, error=lambda sms: TransportError("号码无效", code="isv.MOBILE_NUMBER_ILLEGAL", permanent=True))
    message = enqueue()
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (SmsStatus.FAILED, 1, "号码无效")


@pytest.mark.django_db
def test_errors_and_logs_never_hold_the_number(frozen_clock, caplog):
    """A careless gateway quoting the number, and a bug raising with it: neither reaches the row or the log."""
    caplog.set_level(logging.DEBUG)
    quoting = Gateway(failures=1, error=lambda sms: TransportError(f"号码 {sms.to} 已停机"))
    buggy = Gateway(failures=1, error=lambda sms: ValueError(f"cannot send to {sms.to}: {sms.text}"))
    first = enqueue("app:1:submitted:1")
    second = enqueue("app:2:submitted:1")
    assert sms_deliver(first.pk, transport=quoting) == DeliveryOutcome.RETRY
    assert sms_deliver(second.pk, transport=buggy) == DeliveryOutcome.RETRY
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.last_error == "号码 *********** 已停机"
    assert second.last_error == "内部错误（ValueError）。"
    assert second.status == SmsStatus.PENDING  # not stuck in "sending"
    assert caplog.records
    assert MOBILE not in caplog.text


@pytest.mark.django_db
def test_the_otp_code_is_hidden_once_sent(frozen_clock):
    gateway = Gateway()
    message = enqueue("otp:1", template="otp", params={"code": "482913", "minutes": 10})
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.SENT
    assert "482913" in gateway.sent[0].text
    assert gateway.sent[0].params == {"code": "482913", "minutes": "10"}
    message.refresh_from_db()
    assert message.params == {"code": "******", "minutes": "10"}
    assert "482913" not in message.text


@pytest.mark.django_db
def test_an_otp_not_sent_in_time_is_dropped(frozen_clock):
    gateway = Gateway()
    message = enqueue("otp:1", template="otp", params={"code": "482913", "minutes": 10})
    frozen_clock.advance(dt.timedelta(minutes=10))
    assert sms_deliver(message.pk, transport=gateway) == DeliveryOutcome.EXPIRED
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.last_error == "超过有效期仍未发出，已放弃。"
    assert "482913" not in message.text
    assert gateway.calls == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_messages_send_each_once(task_queue):
    """Two workers given the same messages at the same moment: one claims each, the other skips."""
    gateway = Gateway(delay=0.05)
    messages = [enqueue(f"app:202000012{n}:submitted:1") for n in range(5)]
    outcomes: dict[int, list[str]] = {message.pk: [] for message in messages}
    if connection.vendor == "postgresql":
        errors: list[BaseException] = []
        for message in messages:
            barrier = threading.Barrier(2)

            def work(message_id: int = message.pk, barrier: threading.Barrier = barrier) -> None:
                try:
                    barrier.wait(timeout=10)
                    outcomes[message_id].append(sms_deliver(message_id, transport=gateway).value)
                except BaseException as exc:
                    errors.append(exc)
                finally:
                    connection.close()

            threads = [threading.Thread(target=work) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        assert errors == []
    else:
        # SQLite serialises writers, so two workers meet one after the other: the second skips.
        assert connection.vendor == "sqlite"
        for message in messages:
            for _ in range(2):
                outcomes[message.pk].append(sms_deliver(message.pk, transport=gateway).value)
    for message in messages:
        assert sorted(outcomes[message.pk]) == ["sent", "skipped"]
    assert gateway.calls == 5
    assert sorted(sms.reference for sms in gateway.sent) == sorted(str(message.pk) for message in messages)
    assert set(SmsMessage.objects.values_list("status", "attempts")) == {(SmsStatus.SENT, 1)}
