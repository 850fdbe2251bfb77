"""A second build of a year's batches while one is under way is refused at once with a clear
Chinese answer (409 ``batch_build_in_progress``; the page says it on the batches page) and
writes nothing; it does not wait the whole first build and then take what was left. The same
on PostgreSQL (the campaign's row lock, NOWAIT; two connections) and on SQLite (a file lock
beside the database, before the write lock's busy timeout)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.payments import services
from rewards.payments.models import PaymentBatch, PaymentLine

from ..api.helpers import staff_token
from .helpers import build

REFUSAL = "另一位财务人员正在生成2020年度的核发批次（也可能是您刚才的提交尚未完成），本次没有生成。请稍后刷新查看。"


class Held:
    """Work in a thread of its own (its own connection) that sets ``locked`` once it holds its
    locks and waits for ``released``: ``with`` starts it and waits for the locks, then lets it go."""

    thread: threading.Thread

    def __init__(self) -> None:
        self.locked, self.released = threading.Event(), threading.Event()

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.thread.start()
        assert self.locked.wait(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.thread.join(timeout=60)


class BuildHeld(Held):
    """finance_a's build, paused inside its transaction once it holds the campaign's turn."""

    def __init__(self, monkeypatch, user, campaign) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.outcome: list = []  # type: ignore[type-arg]
        real_payable = services.payable

        def payable_after_a_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread() is self.thread:  # other builds run as they are
                self.locked.set()  # the campaign's turn is held by now
                self.released.wait(timeout=30)
            return real_payable(*args, **kwargs)

        monkeypatch.setattr(services, "payable", payable_after_a_pause)

        def run() -> None:
            try:
                self.outcome.append(services.payment_batch_build(user=user, campaign=campaign)[0].batch_no)
            except Exception as exc:  # the outcome is the test's answer
                self.outcome.append(exc)
            finally:
                connections.close_all()

        self.thread = threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_a_second_build_while_one_runs_is_refused_at_once_and_writes_nothing(monkeypatch, approved, campaign, finance_a, finance_b):
    api = Client(HTTP_HOST="127.0.0.1")
    token = staff_token(api, finance_b)  # signed in before: the refusal itself writes nothing
    page = Client(HTTP_HOST="127.0.0.1")
    page.force_login(finance_b)
    assert page.get("/staff/payments/").status_code == 200  # the session's clocks start (a write)
    audited = AuditEvent.objects.count()
    with BuildHeld(monkeypatch, finance_a, campaign) as held:
        started = time.monotonic()
        response = build(api, token)
        waited = time.monotonic() - started
        assert response.status_code == 409, response.content
        assert response.json()["error"] == {"code": "batch_build_in_progress", "message": REFUSAL}
        assert waited < 2, waited  # not the first build's length, nor the busy timeout (5 s)
        # The page shows the refusal where it shows every refusal of a build: on the batches page.
        answer = page.post("/staff/payments/build", {"idempotency_key": "k-page"})
        assert answer.status_code == 302 and answer["Location"] == "/staff/payments/?year=2020"
        assert REFUSAL in page.get(answer["Location"]).content.decode()
        assert PaymentBatch.objects.count() == 0
    assert held.outcome == ["P202000001"]
    # The first build took everything; the refused ones wrote no batch, no line, no audit entry
    # (a refused build is not audited, as 没有待发放的申请 is not).
    assert PaymentBatch.objects.count() == 1 and PaymentLine.objects.count() == len(approved)
    written = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_id")[audited:])
    assert [entry for entry in written if entry[0].startswith("payment.")] == [("payment.batch_build", finance_a.pk)]
    # Once the first build has committed, the turn is free again: the next build is answered
    # as usual (nothing left to pay), not refused.
    response = build(api, token)
    assert response.status_code == 409 and response.json()["error"]["code"] == "nothing_to_pay"


@pytest.mark.django_db(transaction=True)
def test_a_build_of_another_year_is_not_refused_on_postgresql(monkeypatch, approved, campaign, administrator, xihu, finance_a, finance_b):
    """The turn is the campaign's: a build of another year goes ahead (on SQLite it would queue
    for the database's write lock whatever this code did, so PostgreSQL only)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one write lock for the whole database")
    from rewards.campaigns.setup.year_copy import campaign_copy
    from rewards.core.vocab import Status
    from tests import factories

    next_year = campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    factories.make_application(campaign=next_year, member=factories.make_member(union=xihu), status=Status.APPROVED)
    with BuildHeld(monkeypatch, finance_a, campaign) as held:
        batch, created = services.payment_batch_build(user=finance_b, campaign=next_year)
        assert created and batch.batch_no == "P202100001"
    assert held.outcome == ["P202000001"]


class RowsHeld(Held):
    """Another staff member's transaction holding the locks ``take`` takes (a review decision's
    application, a batch being approved or downloaded)."""

    def __init__(self, take) -> None:  # type: ignore[no-untyped-def]
        super().__init__()

        def run() -> None:
            try:
                with transaction.atomic():
                    take()
                    self.locked.set()
                    self.released.wait(timeout=30)
            finally:
                connections.close_all()

        self.thread = threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_a_decision_or_a_batch_being_handled_does_not_refuse_a_build_on_postgresql(approved, campaign, city_reviewer, finance_a, finance_b):
    """A lock on an application (a reviewer's decision) or on a batch (approved, downloaded, its
    results imported) also locked the campaign's row through ``select_related``: with the build's
    NOWAIT, the build was refused with “另一位财务人员正在生成……” while nobody was building. They
    lock their own row now; SQLite has one write lock for the whole database, so PostgreSQL only."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one write lock for the whole database")
    from rewards.core.vocab import Status
    from rewards.payments.access import _batch
    from rewards.review.services import application_in_scope
    from tests import factories

    first, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    pending = factories.make_application(
        campaign=campaign, member=factories.make_member(union=approved[0].union), status=Status.PENDING_CITY
    )
    factories.make_application(campaign=campaign, member=factories.make_member(union=approved[0].union), status=Status.APPROVED)

    def take() -> None:
        application_in_scope(city_reviewer, pending.application_no, lock=True)
        _batch(first.batch_no, lock=True)

    with RowsHeld(take):
        started = time.monotonic()
        batch, created = services.payment_batch_build(user=finance_b, campaign=campaign)
        assert created and batch.batch_no == "P202000002" and time.monotonic() - started < 5
