"""``PreparedRow`` writes what ``save()`` writes; ``enqueue_after_commit`` queues a task that runs
only if, and after, its transaction commits (in the transaction itself with the database
backend, from ``on_commit`` with any other)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from rewards.applications.models import Application, ApplicationEvent, Attachment
from rewards.core import crypto
from rewards.core.queue import enqueue_after_commit
from rewards.core.rows import PreparedRow, insert_all
from tests.factories import make_member

RAN: list[str] = []


@task()
def remember(word: str) -> str:
    RAN.append(word)
    return word


@pytest.fixture(autouse=True)
def _clear_ran():  # type: ignore[no-untyped-def]
    RAN.clear()
    yield
    RAN.clear()


def stored_row(model, pk):  # type: ignore[no-untyped-def]
    """The row as the database holds it (encrypted columns still sealed)."""
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def new_application(campaign, member, number: str) -> Application:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Application(
        application_no=number,
        campaign=campaign,
        channel="online",
        status="pending_district",
        name=member.name,
        id_number=member.id_number,
        id_hash=member.id_hash,
        gender="male",
        birth_date=dt.date(1985, 3, 1),
        occupation="车工",
        new_level="senior_worker",
        certificate_no=f"C{number}",
        certificate_issue_date=dt.date(2020, 6, 30),
        issuer="hr_hangzhou",
        phone=member.phone,
        phone_hash=crypto.blind_index("phone", member.phone),
        bank_card_no="6222020200112233445",
        bank_card_hash=crypto.blind_index("card", "6222020200112233445"),
        bank_branch="中国工商银行杭州西湖支行",
        employer=member.employer,
        union=member.union,
        amount=Decimal("500.00"),
        checks=[{"rule": "member", "passed": True, "message": "是会员"}],
        submitted_at=now,
    )


def test_a_prepared_row_stores_what_save_stores(campaign, xihu_grassroots):  # type: ignore[no-untyped-def]
    saved = new_application(campaign, make_member(union=xihu_grassroots), "2020900001")
    saved.save()
    prepared = new_application(campaign, make_member(union=xihu_grassroots), "2020900002")

    row = PreparedRow(prepared)
    row.insert()

    assert prepared.pk is not None and prepared.pk != saved.pk
    assert not prepared._state.adding
    a, b = stored_row(Application, saved.pk), stored_row(Application, prepared.pk)
    different = {"application_no", "certificate_no", "name", "id_number", "id_hash", "phone", "phone_hash", "employer"}
    different |= {"bank_card_no", "updated_at", "submitted_at"}  # sealed with fresh nonces; times taken apart
    for column in a:
        if column.removesuffix("_id") not in different and column not in different:
            assert a[column] == b[column], column
    assert b["bank_card_no"] != "6222020200112233445"  # sealed in the database
    reread = Application.objects.get(pk=prepared.pk)
    assert reread.bank_card_no == "6222020200112233445" and reread.id_number == prepared.id_number
    assert reread.checks == prepared.checks and reread.amount == Decimal("500.00")


def test_a_value_set_after_preparing_is_the_one_written(campaign, xihu_grassroots):  # type: ignore[no-untyped-def]
    application = new_application(campaign, make_member(union=xihu_grassroots), "")
    row = PreparedRow(application)

    row.set("application_no", "2020900003")
    row.set("bank_card_no", "6222020200199887766")
    row.insert()

    reread = Application.objects.get(pk=application.pk)
    assert (reread.application_no, reread.bank_card_no) == ("2020900003", "6222020200199887766")
    event = ApplicationEvent(application=application, at=timezone.now(), stage="submitted", to_status="pending_district")
    PreparedRow(event).insert()
    assert list(reread.events.values_list("pk", flat=True)) == [event.pk]


def test_rows_written_together_each_get_their_own_key(campaign, xihu_grassroots):  # type: ignore[no-untyped-def]
    application = new_application(campaign, make_member(union=xihu_grassroots), "2020900004")
    application.save()
    now = timezone.now()
    made = [
        Attachment(
            application=application,
            kind=kind,
            storage_name=f"materials/2020/{kind}-{index}",
            content_type="image/jpeg",
            size=100 + index,
            sha256="",
            current=True,
            uploaded_at=now,
        )
        for index, kind in enumerate(["bank_card", "id_card", "certificate"])
    ]

    insert_all([PreparedRow(attachment) for attachment in made], match="storage_name")

    assert len({attachment.pk for attachment in made}) == 3 and all(not a._state.adding for a in made)
    for attachment in made:  # each instance holds the key of its own row, whatever order RETURNING used
        reread = Attachment.objects.get(pk=attachment.pk)
        assert (reread.kind, reread.storage_name, reread.size) == (attachment.kind, attachment.storage_name, attachment.size)


def test_rows_written_together_must_be_one_model_with_distinct_match_values(campaign, xihu_grassroots):  # type: ignore[no-untyped-def]
    application = new_application(campaign, make_member(union=xihu_grassroots), "2020900005")
    application.save()
    now = timezone.now()

    def attachment(kind: str, name: str) -> Attachment:
        return Attachment(
            application=application,
            kind=kind,
            storage_name=name,
            content_type="image/jpeg",
            size=1,
            sha256="",
            current=True,
            uploaded_at=now,
        )

    with pytest.raises(ValueError, match="互不相同"):
        insert_all([PreparedRow(attachment("id_card", "same")), PreparedRow(attachment("certificate", "same"))], match="storage_name")
    event = ApplicationEvent(application=application, at=now, stage="submitted", to_status="pending_district")
    with pytest.raises(ValueError, match="同一模型"):
        insert_all([PreparedRow(attachment("id_card", "one")), PreparedRow(event)], match="storage_name")
    assert not Attachment.objects.filter(application=application).exists()


def test_an_unsaved_related_object_is_refused_as_save_refuses_it(campaign, xihu_grassroots):  # type: ignore[no-untyped-def]
    application = new_application(campaign, make_member(union=xihu_grassroots), "2020900004")
    event = ApplicationEvent(application=application, at=timezone.now(), stage="submitted", to_status="pending_district")

    with pytest.raises(ValueError, match="关联对象尚未保存"):
        PreparedRow(event)
    with pytest.raises(ValueError):
        event.save()  # the same refusal from Django
    assert not ApplicationEvent.objects.exists()


def test_a_column_the_database_fills_is_refused(monkeypatch):  # type: ignore[no-untyped-def]
    from django.db.models import Value

    from rewards.core import rows

    rows._insert_sql.cache_clear()
    monkeypatch.setattr(ApplicationEvent._meta.get_field("stage"), "db_default", Value("submitted"))
    try:
        with pytest.raises(ValueError, match="由数据库生成"):
            rows._insert_sql(ApplicationEvent, connection.vendor, True)
    finally:
        rows._insert_sql.cache_clear()


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_task_row_is_part_of_the_transaction(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = DATABASE_TASKS
    with transaction.atomic():
        enqueue_after_commit(remember, "kept")
        assert DBTaskResult.objects.filter(task_path__endswith="remember").count() == 1  # written now, seen by nobody else

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit(remember, "rolled back")
        raise RuntimeError("the change fails")

    queued = list(DBTaskResult.objects.filter(task_path__endswith="remember").values_list("args_kwargs", flat=True))
    assert queued == [{"args": ["kept"], "kwargs": {}}]
    assert RAN == []  # a worker runs it, not the request


@pytest.mark.django_db(transaction=True)
def test_the_outbox_row_is_the_one_the_backend_writes_and_a_worker_runs_it(settings):  # type: ignore[no-untyped-def]
    from django_tasks.signals import task_enqueued
    from django_tasks_db.models import get_date_max

    settings.TASKS = DATABASE_TASKS
    enqueued: list[object] = []

    def receiver(sender, task_result, **kwargs):  # type: ignore[no-untyped-def]
        enqueued.append(task_result.id)

    task_enqueued.connect(receiver)
    try:
        with transaction.atomic():
            enqueue_after_commit(remember, "outbox")
        reference = remember.enqueue("backend")  # the backend's own enqueue, outside any transaction
    finally:
        task_enqueued.disconnect(receiver)
    ours = DBTaskResult.objects.get(args_kwargs__args=["outbox"])
    theirs = DBTaskResult.objects.get(pk=reference.id)
    compared = ["status", "priority", "task_path", "queue_name", "backend_name", "run_after", "worker_ids", "return_value"]
    assert {name: getattr(ours, name) for name in compared} == {name: getattr(theirs, name) for name in compared}
    assert ours.run_after == get_date_max()  # the backend's pre_save receiver ran
    assert ours.enqueued_at is not None and ours.args_kwargs == {"args": ["outbox"], "kwargs": {}}
    assert enqueued == [str(ours.id), reference.id]  # task_enqueued sent for both
    ready = list(DBTaskResult.objects.ready().filter(pk=ours.pk))
    assert ready == [ours]  # a worker's query finds it
    assert ours.task.call(*ours.args_kwargs["args"]) == "outbox"


@pytest.mark.django_db(transaction=True)
def test_with_another_backend_the_task_runs_after_the_commit_only(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with transaction.atomic():
        enqueue_after_commit(remember, "committed")
        assert RAN == []
    assert RAN == ["committed"]

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit(remember, "rolled back")
        raise RuntimeError("the change fails")
    assert RAN == ["committed"]
    assert not DBTaskResult.objects.exists()
