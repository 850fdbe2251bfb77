"""Fault scenarios of SECURITY.md on the real database: parallel submissions by one person and
two reviewers deciding one application at once. On PostgreSQL the requests truly overlap
(threads with their own connections); SQLite serialises writers, so there the same requests
run one after another and must give the same outcome."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from rewards.applications.models import Application, ApplicationEvent, Attachment
from rewards.core.vocab import Status

from .. import factories
from .helpers import applicant_token, decide, materials, staff_token, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def sms_to_file(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")


def run_together(count: int, work) -> list:  # type: ignore[no-untyped-def]
    """Runs ``work(i)`` ``count`` times: in parallel threads on PostgreSQL, in turn on SQLite."""
    results: list = [None] * count
    if connection.vendor != "postgresql":
        return [work(i) for i in range(count)]
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_parallel_submissions_by_one_person_make_one_application(settings, business_day, member, tmp_path):
    settings.THROTTLES = {**settings.THROTTLES, "submission": "1000/hour"}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    token = applicant_token(Client(HTTP_HOST="127.0.0.1"), member)
    form = factories.annex3(member)

    def work(_: int) -> int:
        return submit(Client(HTTP_HOST="127.0.0.1"), token, form, materials()).status_code

    codes = Counter(run_together(20, work))
    assert codes[201] == 1, codes
    assert codes[409] == 19, codes
    assert Application.objects.count() == 1
    application = Application.objects.get()
    # No orphan files: exactly the three materials of the one application are stored.
    assert Attachment.objects.count() == 3
    from django.core.files.storage import default_storage

    stored = default_storage.listdir(f"materials/{application.campaign.year}")[1]
    assert sorted(stored) == sorted(a.storage_name.rsplit("/", 1)[1] for a in Attachment.objects.all())


def test_two_reviewers_deciding_at_once_make_one_transition(settings, business_day, member, xihu):
    second_reviewer_org = xihu
    from rewards.organisations.models import Role
    from rewards.organisations.services import staff_create

    from ..conftest import PASSWORD

    reviewers = [
        staff_create(username=f"xihu.r{i}", role=Role.DISTRICT_REVIEWER, organisation=second_reviewer_org, password=PASSWORD)
        for i in range(2)
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    number = submit(client, applicant_token(client, member), factories.annex3(member)).json()["application_no"]
    tokens = [staff_token(client, reviewer) for reviewer in reviewers]
    decisions = [("approve", ""), ("return", "请补充材料")]

    def work(i: int) -> int:
        decision, opinion = decisions[i]
        return decide(Client(HTTP_HOST="127.0.0.1"), tokens[i], number, decision, opinion).status_code

    codes = run_together(2, work)
    assert sorted(codes) == [200, 409]
    won, _ = decisions[codes.index(200)]
    application = Application.objects.get(application_no=number)
    assert application.status == {"approve": Status.PENDING_CITY, "return": Status.RETURNED}[won]  # the answered one's, not the other's
    assert list(ApplicationEvent.objects.filter(application=application).exclude(decision="").values_list("decision", flat=True)) == [won]
