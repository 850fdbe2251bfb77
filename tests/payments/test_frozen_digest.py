"""冻结内容摘要: a batch's lines changed in the database after the build (an amount, a card, or
the frozen 卡已变更 mark the approver reads) stop its approval and its bank file. New batches are
frozen with version 2, which covers 卡已变更; batches frozen before keep version 1 and keep
verifying with it (payments 0005)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from rewards.payments import digest, services
from rewards.payments.models import BatchStatus, PaymentBatch, PaymentLine
from tests.migrations import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db

CHANGED_AT = dt.datetime(2026, 11, 3, 1, 0, 7, 123456, tzinfo=dt.UTC)


def _built(finance_a, campaign) -> PaymentBatch:  # type: ignore[no-untyped-def]
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    assert batch.digest_version == 2 and PaymentBatch.objects.get(pk=batch.pk).digest_version == 2
    return batch


def _line(batch: PaymentBatch) -> PaymentLine:
    return batch.lines.order_by("reference").first()  # type: ignore[return-value]


def _refused(call, code: str = "content_changed") -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(services.Conflict) as refused:
        call()
    assert refused.value.code == code
    return refused.value.message


def _approve(finance_b, batch: PaymentBatch):  # type: ignore[no-untyped-def]
    return lambda: services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)


def _file(finance_a, batch: PaymentBatch):  # type: ignore[no-untyped-def]
    return lambda: services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)


#: What is changed in the database after the build, in one line (the first by reference).
TAMPERINGS: dict[str, dict[str, Any]] = {
    "amount": {"amount": Decimal("5000.00")},
    "card_changed": {"card_changed": True, "card_changed_at": CHANGED_AT},
    "card_changed_unknown": {"card_changed": None},
}


def _tamper(line: PaymentLine, how: str) -> None:
    PaymentLine.objects.filter(pk=line.pk).update(**TAMPERINGS[how])


@pytest.mark.parametrize("how", ["amount", "card_changed", "card_changed_unknown"])
def test_a_line_changed_after_the_build_stops_the_approval(approved, campaign, finance_a, finance_b, how):
    batch = _built(finance_a, campaign)
    line = _line(batch)
    assert (line.card_changed, line.card_changed_at) == (False, None)
    _tamper(line, how)
    assert "批次内容与生成时不一致" in _refused(_approve(finance_b, batch))
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.BUILT


@pytest.mark.parametrize("how", ["amount", "card_changed", "card_changed_unknown"])
def test_a_line_changed_after_the_approval_stops_the_bank_file(approved, campaign, finance_a, finance_b, how):
    batch = _built(finance_a, campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    _tamper(_line(batch), how)
    assert "批次内容与复核时不一致" in _refused(_file(finance_a, batch))
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.APPROVED


def test_the_time_of_a_frozen_card_change_is_covered_too(approved, campaign, finance_a, finance_b):
    from rewards.applications.models import Flag, FlagCode

    Flag.objects.create(application=approved[0], code=FlagCode.BANK_CHANGED, hard=False, raised_at=CHANGED_AT, message="x")
    batch = _built(finance_a, campaign)
    line = batch.lines.get(application=approved[0])
    assert (line.card_changed, line.card_changed_at) == (True, CHANGED_AT)
    assert digest.content_unchanged(batch)  # as read back from the database, to the microsecond
    PaymentLine.objects.filter(pk=line.pk).update(card_changed_at=CHANGED_AT + dt.timedelta(days=1))
    assert "批次内容与生成时不一致" in _refused(_approve(finance_b, batch))


def test_an_untouched_batch_is_approved_and_its_file_made(approved, campaign, finance_a, finance_b):
    batch = _built(finance_a, campaign)
    assert services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no).status == BatchStatus.APPROVED
    content, sent = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    assert sent.status == BatchStatus.SENT and content.count(b"\r\n") == 1 + len(approved)


def _as_frozen_before_versions(batch: PaymentBatch) -> None:
    """``batch`` as the code before versions froze it: version 1, the digest by that code's formula
    (written out here, not taken from ``digest``)."""
    rows = batch.lines.values_list("reference", "application_id", "bank_card_hash", "name", "bank_branch", "amount")
    old = hashlib.sha256()
    for reference, application_id, card_hash, name, branch, amount in sorted(rows):
        old.update(f"{reference}|{application_id}|{card_hash}|{name}|{branch}|{amount:.2f}\n".encode())
    PaymentBatch.objects.filter(pk=batch.pk).update(digest_version=1, content_digest=old.hexdigest())


def test_a_batch_frozen_before_versions_still_verifies_and_an_amount_changed_in_it_still_stops_it(approved, campaign, finance_a, finance_b):
    batch = _built(finance_a, campaign)
    _as_frozen_before_versions(batch)
    # 卡已变更 filled in afterwards (payments 0004 did so for the lines built before it): version 1
    # does not cover it, and the batch goes on.
    PaymentLine.objects.filter(pk=_line(batch).pk).update(card_changed=None)
    assert services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no).status == BatchStatus.APPROVED
    PaymentLine.objects.filter(pk=_line(batch).pk).update(amount=Decimal("5000.00"))
    assert "批次内容与复核时不一致" in _refused(_file(finance_a, batch))


def test_a_version_this_code_does_not_know_is_not_taken_on_trust(approved, campaign, finance_a, finance_b):
    batch = _built(finance_a, campaign)
    PaymentBatch.objects.filter(pk=batch.pk).update(digest_version=9)
    assert "批次内容与生成时不一致" in _refused(_approve(finance_b, batch))


def test_a_batch_frozen_with_version_2_is_not_verified_by_version_1(approved, campaign, finance_a, finance_b):
    """Setting a batch's version back to 1 to hide a changed mark does not make it verify."""
    batch = _built(finance_a, campaign)
    PaymentLine.objects.filter(pk=_line(batch).pk).update(card_changed=True, card_changed_at=CHANGED_AT)
    PaymentBatch.objects.filter(pk=batch.pk).update(digest_version=1)
    assert "批次内容与生成时不一致" in _refused(_approve(finance_b, batch))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_after")
def test_the_migration_leaves_the_batches_frozen_before_it_at_version_1(approved, campaign, finance_a, finance_b):
    batch = _built(finance_a, campaign)
    _as_frozen_before_versions(batch)
    migrate(("payments", "0004_paymentline_card_changed"))

    migrate_to_latest()

    batch.refresh_from_db()
    assert batch.digest_version == 1
    assert services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no).status == BatchStatus.APPROVED
