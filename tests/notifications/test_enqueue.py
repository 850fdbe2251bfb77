"""``sms_enqueue``: one outbox row per business event, handed to delivery only after commit."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from rewards.core.crypto import blind_index
from rewards.notifications.models import SmsMessage, SmsStatus
from rewards.notifications.services import sms_enqueue

from .conftest import MOBILE, START

SUBMITTED = {"phone": MOBILE, "template": "submitted", "params": {"application_no": "2020000123"}}


def sent_lines(path) -> list[dict]:  # type: ignore[no-untyped-def]
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.django_db
def test_the_row_holds_the_number_encrypted_with_its_blind_index(frozen_clock):
    message = sms_enqueue(
        phone="139 1234 7919",
        template="approved",
        params={"application_no": "2020000123", "amount": Decimal("3000.00"), "name": "张晓明"},
        event_key="app:2020000123:approved:1",
    )
    assert message is not None
    message.refresh_from_db()
    assert message.phone == MOBILE
    assert message.phone_hash == blind_index("phone", MOBILE)
    assert message.params == {"application_no": "2020000123", "amount": "3000.00"}
    assert message.text == "【杭州市总工会】您的高技能人才奖励申请（编号2020000123）已审核通过，奖励金额3000.00元，发放后将另行通知。"
    assert message.status == SmsStatus.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at == START
    assert message.expires_at is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM notifications_smsmessage WHERE id = %s", [message.pk])
        (stored,) = cursor.fetchone()
    assert MOBILE not in stored


@pytest.mark.django_db
def test_an_otp_message_expires_with_its_code(frozen_clock):
    message = sms_enqueue(phone=MOBILE, template="otp", params={"code": "482913", "minutes": 5}, event_key="otp:1")
    assert message is not None
    assert message.text == "【杭州市总工会】您的验证码为482913，5分钟内有效，用于登录高技能人才奖励平台，请勿告诉他人。"
    assert message.expires_at == START + dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_delivery_waits_for_the_commit(sms_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1")
        assert sent_lines(sms_file) == []  # nothing leaves before the business change commits
    assert len(callbacks) == 1
    assert message is not None
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert [line["to"] for line in sent_lines(sms_file)] == [MOBILE]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_event_sends_nothing(sms_file):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1")
        raise RuntimeError("审核写入失败")
    assert not SmsMessage.objects.exists()
    assert sent_lines(sms_file) == []

    # The same event committed later is sent, once.
    with transaction.atomic():
        sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1")
    assert SmsMessage.objects.get().status == SmsStatus.SENT
    assert len(sent_lines(sms_file)) == 1


@pytest.mark.django_db
def test_the_same_event_twice_makes_one_row_and_one_send(sms_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1")
        second = sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1")
    assert first is not None and second is not None
    assert first.pk == second.pk
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as later:
        third = sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1")
    assert third is not None and third.pk == first.pk
    assert later == []
    assert SmsMessage.objects.count() == 1
    assert len(sent_lines(sms_file)) == 1
    # A resubmission is another event and another message.
    with django_capture_on_commit_callbacks(execute=True):
        sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:2")
    assert len(sent_lines(sms_file)) == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_event_from_two_transactions_at_once_makes_one_row(monkeypatch):
    """Two requests recording one event concurrently: the unique event key decides."""
    handed_over: list[int] = []
    monkeypatch.setattr("rewards.notifications.tasks.schedule_delivery", handed_over.append)
    key = "app:2020000123:approved:1"
    params = {"application_no": "2020000123", "amount": "3000"}
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        results: list[int] = []
        errors: list[BaseException] = []

        def record() -> None:
            try:
                with transaction.atomic():
                    barrier.wait(timeout=10)
                    message = sms_enqueue(phone=MOBILE, template="approved", params=params, event_key=key)
                    assert message is not None
                    results.append(message.pk)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=record) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert len(results) == 2 and results[0] == results[1]
    else:
        # SQLite runs writing transactions one at a time (IMMEDIATE): the second finds the first.
        assert connection.vendor == "sqlite"
        pks = []
        for _ in range(2):
            with transaction.atomic():
                message = sms_enqueue(phone=MOBILE, template="approved", params=params, event_key=key)
                assert message is not None
                pks.append(message.pk)
        assert pks[0] == pks[1]
    assert SmsMessage.objects.filter(event_key=key).count() == 1
    assert handed_over == [SmsMessage.objects.get(event_key=key).pk]  # one delivery handed over


@pytest.mark.django_db
def test_no_mobile_number_means_no_message():
    assert sms_enqueue(phone="", template="submitted", params={"application_no": "1"}, event_key="app:1:submitted:1") is None
    assert sms_enqueue(phone=None, template="submitted", params={"application_no": "1"}, event_key="app:1:submitted:1") is None
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phone", "params", "event_key", "message"),
    [
        ("12345", {"application_no": "1"}, "app:1:submitted:1", "手机号码无效"),
        (MOBILE, {"application_no": "330106199001011234"}, "app:1:submitted:1", "身份证号或银行卡号"),
        (MOBILE, {"application_no": "1"}, "id:330106199001011234:submitted", "身份证号或银行卡号"),
        (MOBILE, {"application_no": "1", "query_password": "7K3M9QX2AB"}, "app:1:submitted:1", "查询密码"),
        (MOBILE, {"application_no": "1"}, "", "业务事件"),
    ],
)
def test_refused_messages_leave_no_row(phone, params, event_key, message):
    with pytest.raises(ValueError, match=message):
        sms_enqueue(phone=phone, template="submitted", params=params, event_key=event_key)
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_the_error_for_a_bad_number_does_not_quote_it():
    with pytest.raises(ValueError) as info:
        sms_enqueue(phone="1391234791", template="submitted", params={"application_no": "1"}, event_key="k")
    assert "1391234791" not in str(info.value)


@pytest.mark.django_db
def test_campaign_overrides_are_used(campaign, django_capture_on_commit_callbacks, capsys):
    campaign.sms_templates = {"submitted": "申请{application_no}已收到。"}
    campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_enqueue(**SUBMITTED, event_key="app:2020000123:submitted:1", overrides=campaign.sms_templates)
    assert message is not None
    assert message.text == "【杭州市总工会】申请2020000123已收到。"
    assert "【杭州市总工会】申请2020000123已收到。" in capsys.readouterr().out
