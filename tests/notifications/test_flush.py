"""``manage.py sms_flush``: sends what is due, once, and says what it did in Chinese."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from rewards.notifications.models import SmsMessage, SmsStatus
from rewards.notifications.services import sms_enqueue

from .conftest import MOBILE, START, Gateway


def enqueue(key: str, template: str = "submitted", params: dict | None = None) -> SmsMessage:
    message = sms_enqueue(phone=MOBILE, template=template, params=params or {"application_no": "2020000123"}, event_key=key)
    assert message is not None
    return message


def flush(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sms_flush", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_flush_sends_due_messages_once(frozen_clock, use_gateway):
    gateway = use_gateway(Gateway())
    due = [enqueue("app:1:submitted:1"), enqueue("app:2:submitted:1")]
    later = enqueue("app:3:submitted:1")
    SmsMessage.objects.filter(pk=later.pk).update(next_attempt_at=START + dt.timedelta(minutes=5))
    stale_otp = enqueue("otp:1", template="otp", params={"code": "482913", "minutes": 10})
    SmsMessage.objects.filter(pk=stale_otp.pk).update(expires_at=START - dt.timedelta(seconds=1))

    out, err = flush()
    assert out == "短信补发完成：发送成功 2 条，失败待重试 0 条，放弃 0 条，过期 1 条，跳过 0 条。\n"
    assert err == ""
    assert sorted(sms.reference for sms in gateway.sent) == sorted(str(message.pk) for message in due)
    assert dict(SmsMessage.objects.values_list("pk", "status")) == {
        due[0].pk: SmsStatus.SENT,
        due[1].pk: SmsStatus.SENT,
        later.pk: SmsStatus.PENDING,
        stale_otp.pk: SmsStatus.FAILED,
    }

    out, _ = flush()  # idempotent
    assert out == "短信补发完成：发送成功 0 条，失败待重试 0 条，放弃 0 条，过期 0 条，跳过 0 条。\n"
    assert gateway.calls == 2

    frozen_clock.advance(dt.timedelta(minutes=5))
    out, _ = flush()
    assert "发送成功 1 条" in out
    assert gateway.calls == 3


@pytest.mark.django_db
def test_flush_counts_failures_and_schedules_the_retry(frozen_clock, use_gateway):
    use_gateway(Gateway(failures=1))
    message = enqueue("app:1:submitted:1")
    out, _ = flush()
    assert "失败待重试 1 条" in out
    message.refresh_from_db()
    assert (message.status, message.next_attempt_at) == (SmsStatus.PENDING, START + dt.timedelta(seconds=30))


@pytest.mark.django_db
def test_flush_reports_messages_stuck_in_sending_and_requeues_them_on_request(frozen_clock, use_gateway):
    gateway = use_gateway(Gateway())
    stuck = enqueue("app:1:submitted:1")
    SmsMessage.objects.filter(pk=stuck.pk).update(status=SmsStatus.SENDING, attempts=1, claimed_at=START - dt.timedelta(minutes=11))
    busy = enqueue("app:2:submitted:1")
    SmsMessage.objects.filter(pk=busy.pk).update(status=SmsStatus.SENDING, attempts=1, claimed_at=START - dt.timedelta(minutes=1))

    out, err = flush()
    assert "发送成功 0 条" in out
    assert "有 1 条短信处于“发送中”超过 10 分钟" in err
    assert gateway.calls == 0  # never re-sent on its own: the gateway may already have it

    out, err = flush("--retry-stuck")
    assert out.startswith("已将 1 条状态不明的短信重新排队。\n短信补发完成：发送成功 1 条")
    assert err == ""
    assert [sms.reference for sms in gateway.sent] == [str(stuck.pk)]
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (SmsStatus.SENT, 2)
    busy.refresh_from_db()
    assert busy.status == SmsStatus.SENDING
