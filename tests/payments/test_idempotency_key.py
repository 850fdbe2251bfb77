"""POST /api/v1/payments/batches with ``Idempotency-Key``: at most 100 characters, as stored. A
longer key was cut to its first 100, so two keys alike in those replayed each other's batch; it is
now a 400 naming the header, nothing built."""

from __future__ import annotations

import pytest

from rewards.payments.models import PaymentBatch

from ..api.helpers import staff_token
from .helpers import build

pytestmark = pytest.mark.django_db


def test_a_key_of_a_hundred_characters_is_kept_whole(api, approved, finance_a):  # type: ignore[no-untyped-def]
    token = staff_token(api, finance_a)
    key = "k" * 100

    first, again = build(api, token, key=key), build(api, token, key=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert PaymentBatch.objects.get().idempotency_key == key


def test_a_longer_key_is_refused_and_nothing_is_built(api, approved, finance_a):  # type: ignore[no-untyped-def]
    answer = build(api, staff_token(api, finance_a), key="k" * 100 + "-1")

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"Idempotency-Key": ["幂等键（Idempotency-Key）最多 100 个字符。"]}
    assert not PaymentBatch.objects.exists()
