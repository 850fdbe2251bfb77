"""Batch numbers count the batches of their year: P2020 00001, 00002, … whatever the database
ids (shared across years) are; a cancelled batch keeps its number; numbers made before the
counter (P{year}{id}) stay as they are and the counter goes on past them. Builds running at the
same time take turns (one that would wait is refused at once) and never draw the same number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from rewards.campaigns.selectors import campaign_units
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core.vocab import Status
from rewards.payments import services
from rewards.payments.models import BatchStatus, PaymentBatch, PaymentLine

from .. import factories


def approved_in(campaign, union):  # type: ignore[no-untyped-def]
    return factories.make_application(campaign=campaign, member=factories.make_member(union=union), status=Status.APPROVED)


def build(user, campaign, union=None) -> PaymentBatch:  # type: ignore[no-untyped-def]
    return services.payment_batch_build(user=user, campaign=campaign, union=union)[0]


@pytest.mark.django_db
def test_each_year_counts_its_own_batches_and_a_cancelled_one_keeps_its_number(campaign, administrator, xihu, finance_a):
    next_year = campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    approved_in(campaign, xihu)
    first = build(finance_a, campaign)
    assert first.batch_no == "P202000001"
    assert PaymentLine.objects.get(batch=first).reference == "P202000001-000001"
    services.payment_batch_cancel(user=finance_a, batch_no=first.batch_no)
    rebuilt = build(finance_a, campaign)
    assert rebuilt.batch_no == "P202000002"  # 00001 stays with the cancelled batch
    approved_in(next_year, xihu)
    assert build(finance_a, next_year).batch_no == "P202100001"  # its own count, not the id 3
    approved_in(campaign, xihu)
    assert build(finance_a, campaign).batch_no == "P202000003"
    assert PaymentBatch.objects.get(batch_no="P202000001").status == BatchStatus.CANCELLED


@pytest.mark.django_db
def test_numbers_made_before_the_counter_stay_and_the_counter_goes_on_past_them(campaign, xihu, finance_a):
    common = {"campaign": campaign, "count": 0, "total_amount": 0, "content_digest": "", "built_by": finance_a, "built_at": timezone.now()}
    # As P{year}{id} made them: 2020's batch with the id 7, one of 2026 (the same year's shape).
    PaymentBatch.objects.create(batch_no="P202000007", status=BatchStatus.CANCELLED, **common)
    PaymentBatch.objects.create(batch_no="P202600012", status=BatchStatus.CANCELLED, **common)
    approved_in(campaign, xihu)
    assert build(finance_a, campaign).batch_no == "P202000008"
    assert set(PaymentBatch.objects.values_list("batch_no", flat=True)) == {"P202000007", "P202600012", "P202000008"}


@pytest.mark.django_db
def test_the_last_number_of_a_year_is_refused_one_past_it(campaign, xihu, finance_a):
    common = {"campaign": campaign, "count": 0, "total_amount": 0, "content_digest": "", "built_by": finance_a, "built_at": timezone.now()}
    PaymentBatch.objects.create(batch_no="P202099998", status=BatchStatus.CANCELLED, **common)
    approved_in(campaign, xihu)
    assert build(finance_a, campaign).batch_no == "P202099999"
    approved_in(campaign, xihu)
    with pytest.raises(services.Conflict) as refused:
        build(finance_a, campaign)
    assert refused.value.code == "batch_numbers_used_up" and "批次号已用完" in refused.value.message
    assert PaymentBatch.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_builds_at_the_same_time_each_get_the_next_number(campaign, finance_a):
    unions = [unit.organisation for unit in campaign_units(campaign)][:8]
    for union in unions:
        approved_in(campaign, union)
        approved_in(campaign, union)
    outcomes: list[object] = [None] * len(unions)

    def work(i: int) -> None:
        try:
            outcomes[i] = build(finance_a, campaign, unions[i]).batch_no
        except Exception as exc:  # the outcome is the test's answer
            outcomes[i] = exc

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(unions))

        def run(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                work(i)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(unions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:  # SQLite serialises writers: the same builds, one after another.
        for i in range(len(unions)):
            work(i)
    # A build that found another one under way was refused at once (decision 241);
    # those that ran drew the first numbers, each once. Asked again, the refused ones go on.
    drawn = sorted(str(outcome) for outcome in outcomes if not isinstance(outcome, services.BuildInProgress))
    assert drawn == [f"P2020{n:05d}" for n in range(1, len(drawn) + 1)], outcomes
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, services.BuildInProgress):
            work(i)
    assert sorted(outcomes) == [f"P2020{n:05d}" for n in range(1, len(unions) + 1)], outcomes  # type: ignore[type-var]
    assert PaymentLine.objects.count() == 2 * len(unions)
    assert {line.reference.rsplit("-", 1)[0] == line.batch.batch_no for line in PaymentLine.objects.select_related("batch")} == {True}


@pytest.mark.django_db(transaction=True)
def test_a_build_under_way_does_not_hold_up_new_rows_of_its_campaign(monkeypatch, campaign, xihu, finance_a):
    """The builds' turn-taking lock on the campaign's row is not one on its key: while a build
    runs, an application (or an upload, a batch of another kind) can still be added to the
    campaign, which a plain FOR UPDATE would hold up until the build commits (PostgreSQL: the
    new row's foreign-key check waits for the lock)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: its writers queue on the database")
    approved_in(campaign, xihu)
    locked, release = threading.Event(), threading.Event()
    real_payable = services.payable

    def payable_after_a_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
        locked.set()  # the campaign's row is locked by now
        release.wait(timeout=30)
        return real_payable(*args, **kwargs)

    monkeypatch.setattr(services, "payable", payable_after_a_pause)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(build(finance_a, campaign).batch_no)
        except Exception as exc:  # the outcome is the test's answer
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        try:
            newcomer = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    finally:
        release.set()
        thread.join(timeout=60)
    assert newcomer.campaign_id == campaign.pk
    assert outcome == ["P202000001"]
