"""曾经发放、后被退汇的申请 on a payment batch's page: shown to the approving officer, and still
shown once the batch is approved and sent (it was on the approval screen only, gone the moment
the batch was approved, while the officer checking the bank's answers needed it most); each line
with the latest reversal before it, never a reversal of a later batch's line."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from rewards.applications.services import application_resubmit
from rewards.payments import selectors, services
from rewards.payments.models import BatchStatus, PaymentBatch, PaymentLine
from tests import factories

pytestmark = pytest.mark.django_db

HEADING = "曾经发放、后被退汇的申请"


def _page(user, batch: PaymentBatch) -> str:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    response = client.get(f"/staff/payments/{batch.batch_no}/")
    assert response.status_code == 200
    return response.content.decode()


def _approved_worker(campaign, union):  # type: ignore[no-untyped-def]
    """An approved application whose certificate is in the HR registry as declared (no hard
    signal holds it back when its card is corrected)."""
    member = factories.make_member(union=union)
    app = factories.make_registered_application(campaign=campaign, member=member)
    return app


def _build_and_approve(finance_a, finance_b, campaign) -> PaymentBatch:  # type: ignore[no-untyped-def]
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    return batch


def _send_pay_and_reverse(finance_a, batch: PaymentBatch, reversed_app, reason: str) -> str:  # type: ignore[no-untyped-def]
    """Sends ``batch``, the bank pays every line, then sends ``reversed_app``'s money back; the
    worker corrects the card. Returns the reversed line's reference."""
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    answer = "reference,amount,result,reason\r\n" + "".join(f"{row[0]},{row[4]},success,\r\n" for row in rows)
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=answer.encode())
    reference = PaymentLine.objects.get(batch=batch, application=reversed_app).reference
    services.payment_line_reversal(user=finance_a, reference=reference, reason=reason)
    application_resubmit(
        application_no=reversed_app.application_no,
        data={"bank_card_no": factories.new_card(), "bank_branch": "中国银行杭州滨江支行"},
        files={},
        applicant_id_hash=reversed_app.id_hash,
    )
    return reference


@pytest.fixture
def twice_reversed(campaign, xihu, finance_a, finance_b):  # type: ignore[no-untyped-def]
    """An application paid by batch 1 and sent back, paid by batch 2 and sent back again, and
    now in batch 3; another application paid by batch 1 and kept."""
    worker = _approved_worker(campaign, xihu)
    _approved_worker(campaign, xihu)
    first = _build_and_approve(finance_a, finance_b, campaign)
    first_reference = _send_pay_and_reverse(finance_a, first, worker, "账户冻结，银行退汇")
    second = _build_and_approve(finance_a, finance_b, campaign)
    second_reference = _send_pay_and_reverse(finance_a, second, worker, "户名与卡号不符，银行退回")
    third, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    return worker, (first, first_reference), (second, second_reference), third


def test_an_approved_and_a_sent_batch_still_list_the_application_paid_before(campaign, xihu, finance_a, finance_b, auditor):
    worker = _approved_worker(campaign, xihu)
    first = _build_and_approve(finance_a, finance_b, campaign)
    reference = _send_pay_and_reverse(finance_a, first, worker, "账户冻结，银行退汇")
    second, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    assert f"{HEADING}（1 笔）" in _page(finance_b, second)  # the approval screen, as before

    services.payment_batch_approve(user=finance_b, batch_no=second.batch_no)
    approved = _page(finance_a, second)
    assert f"{HEADING}（1 笔）" in approved and f"{first.batch_no} / {reference}" in approved
    assert "账户冻结，银行退汇" in approved and worker.application_no in approved
    assert "复核通过</button>" not in approved

    services.payment_batch_file(user=finance_a, batch_no=second.batch_no)
    second.refresh_from_db()
    assert second.status == BatchStatus.SENT
    for reader in (finance_a, auditor):
        sent = _page(reader, second)
        assert f"{HEADING}（1 笔）" in sent and f"{first.batch_no} / {reference}" in sent


def test_each_line_shows_the_latest_reversal_before_it_and_none_after_it(twice_reversed, finance_a, finance_b):
    worker, (first, first_reference), (second, second_reference), third = twice_reversed

    # Batch 3 (on its approval screen, then approved): batch 2's reversal, the latest before it.
    [row] = selectors.paid_before_lines(third)
    assert (row["application_no"], row["earlier_batch_no"], row["earlier_reference"]) == (
        worker.application_no,
        second.batch_no,
        second_reference,
    )
    assert row["reversal_reason"] == "户名与卡号不符，银行退回"
    services.payment_batch_approve(user=finance_b, batch_no=third.batch_no)
    page = _page(finance_a, third)
    assert f"{second.batch_no} / {second_reference}" in page and f"{first.batch_no} / {first_reference}" not in page

    # Batch 2, sent and its own line sent back since: only batch 1's reversal came before it.
    [row] = selectors.paid_before_lines(second)
    assert (row["earlier_batch_no"], row["earlier_reference"]) == (first.batch_no, first_reference)
    page = _page(finance_a, second)
    assert (
        f"{first.batch_no} / {first_reference}" in page
        and f"{second.batch_no} / {second_reference}" not in page.split(HEADING)[1].split("</section>")[0]
    )

    # Batch 1 paid it first: the reversals of later batches are not its past.
    assert selectors.paid_before_lines(first) == []
    assert HEADING not in _page(finance_a, first)
