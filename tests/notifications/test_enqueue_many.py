"""``sms_enqueue_many``: the rows ``sms_enqueue`` would write, for many events at once, handed to
one delivery task after commit; refused whole when one request is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from rewards.core import crypto
from rewards.notifications import services
from rewards.notifications.models import SmsMessage, SmsStatus
from rewards.notifications.services import SmsRequest, sms_enqueue, sms_enqueue_many

from .conftest import MOBILE, START

pytestmark = pytest.mark.django_db

#: Every column but the id and the event key.
COLUMNS = [field.attname for field in SmsMessage._meta.concrete_fields if field.attname not in ("id", "event_key")]


def stored(key: str) -> dict[str, object]:
    """The row as the database holds it (the phone still sealed, the parameters as text)."""
    table = SmsMessage._meta.db_table
    columns = [SmsMessage._meta.get_field(name).column for name in COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE event_key = %s", [key])
        return dict(zip(COLUMNS, cursor.fetchone(), strict=True))


def paid(number: str, key: str, phone: str | None = MOBILE, **params: object) -> SmsRequest:
    values = {"application_no": number, "amount": "500.00", "card_tail": "0016", "name": "张晓明", **params}
    return SmsRequest(phone=phone, template="paid", params=values, event_key=key)


@pytest.mark.parametrize(
    ("template", "params", "overrides"),
    [
        ("paid", {"application_no": "2020000123", "amount": "500.00", "card_tail": "0016", "name": "张晓明"}, None),
        ("payment_failed", {"application_no": "2020000123", "reason": "户名与账号不符"}, None),
        ("otp", {"code": "482913", "minutes": 5}, None),  # with an expiry
        ("submitted", {"application_no": "2020000123"}, {"submitted": "申请{application_no}已收到。"}),
    ],
)
def test_the_rows_are_those_sms_enqueue_writes(frozen_clock, template, params, overrides):
    one = sms_enqueue(phone="139 1234 7919", template=template, params=params, event_key="one", overrides=overrides)
    ids = sms_enqueue_many([SmsRequest(phone="139 1234 7919", template=template, params=params, event_key="many", overrides=overrides)])
    assert one is not None and len(ids) == 1 and ids[0] != one.pk
    first, second = SmsMessage.objects.get(event_key="one"), SmsMessage.objects.get(pk=ids[0])
    assert {name: getattr(second, name) for name in COLUMNS} == {name: getattr(first, name) for name in COLUMNS}
    assert second.phone == MOBILE and second.phone_hash == crypto.blind_index("phone", MOBILE)
    assert second.status == SmsStatus.PENDING and second.next_attempt_at == START and second.created_at == START
    # In the database: the number sealed (each row with its own nonce), everything else the same.
    raw_one, raw_many = stored("one"), stored("many")
    assert MOBILE not in str(raw_many["phone"]) and raw_many["phone"] != raw_one["phone"]
    assert crypto.decrypt(str(raw_many["phone"])) == MOBILE
    assert {k: v for k, v in raw_many.items() if k != "phone"} == {k: v for k, v in raw_one.items() if k != "phone"}
    if template == "otp":
        assert second.expires_at == START + dt.timedelta(minutes=5)


def test_recorded_repeated_and_numberless_events_are_skipped(frozen_clock):
    sms_enqueue_many([paid("2020000001", "app:2020000001:paid:P1-1")])
    ids = sms_enqueue_many(
        [
            paid("2020000001", "app:2020000001:paid:P1-1"),  # recorded before
            paid("2020000002", "app:2020000002:paid:P1-2"),
            paid("2020000002", "app:2020000002:paid:P1-2"),  # twice in the same call
            paid("2020000003", "app:2020000003:paid:P1-3", phone=None),
            paid("2020000004", "app:2020000004:paid:P1-4", phone=""),
        ]
    )
    assert sorted(SmsMessage.objects.values_list("event_key", flat=True)) == ["app:2020000001:paid:P1-1", "app:2020000002:paid:P1-2"]
    assert ids == [SmsMessage.objects.get(event_key="app:2020000002:paid:P1-2").pk]
    assert sms_enqueue_many([]) == []


def test_one_delivery_task_for_the_rows_after_commit(frozen_clock, monkeypatch, django_capture_on_commit_callbacks):
    handed: list[list[int]] = []
    monkeypatch.setattr("rewards.notifications.tasks.schedule_many", handed.append)
    monkeypatch.setattr(services, "KEYS_PER_QUERY", 3)  # several look-ups and several inserts
    monkeypatch.setattr(services._OutboxWriter, "ROWS_PER_CALL", 2)
    requests = [paid(f"20200000{n:02d}", f"app:20200000{n:02d}:paid:P1-{n}") for n in range(1, 11)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ids = sms_enqueue_many(requests)
        assert handed == []  # nothing before the commit
    assert len(callbacks) == 1 and len(handed) == 1
    assert sorted(handed[0]) == sorted(ids) == sorted(SmsMessage.objects.values_list("pk", flat=True))
    assert len(ids) == 10
    texts = dict(SmsMessage.objects.values_list("event_key", "text"))
    assert (
        texts["app:2020000007:paid:P1-7"]
        == "【杭州市总工会】您的高技能人才奖励（编号2020000007）500.00元已发放至您尾号0016的银行卡，请注意查收。"
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (paid("2020000009", "app:2020000009:paid:P1-9", phone="12345"), "手机号码无效"),
        (paid("2020000009", "app:2020000009:paid:P1-9", card_tail="6222021234567890016"), "身份证号或银行卡号"),
        (paid("2020000009", "id:330106199001011234:paid"), "身份证号或银行卡号"),
        (SmsRequest(phone=MOBILE, template="paid", params={"application_no": "1"}, event_key="k"), "缺少参数"),
        (paid("2020000009", ""), "业务事件"),
    ],
)
def test_one_refused_request_writes_nothing(frozen_clock, monkeypatch, bad, message):
    monkeypatch.setattr(services._OutboxWriter, "ROWS_PER_CALL", 2)
    requests = [paid(f"20200000{n:02d}", f"app:20200000{n:02d}:paid:P1-{n}") for n in range(1, 6)] + [bad]
    with pytest.raises(ValueError, match=message):
        sms_enqueue_many(requests)
    assert not SmsMessage.objects.exists()
