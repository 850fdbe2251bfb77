"""A background task's failure as the database backend stores it and the administration shows it
(错误追踪): the personal numbers its exception quotes are masked as in the application log
(decision 289; SECURITY.md 18)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks import task
from django_tasks_db.models import DBTaskResult

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
ID_NUMBER, CARD, MOBILE = "330106199001011234", "6222021234567890123", "13812345678"


@task()
def fails_on_a_number(application_id: int) -> None:
    raise ValueError(f"申请 {application_id}：身份证号 {ID_NUMBER} 与银行卡 {CARD}（手机 {MOBILE}）不符")


@pytest.mark.django_db(transaction=True)
def test_a_failed_tasks_traceback_is_stored_and_shown_masked(settings, administrator):  # type: ignore[no-untyped-def]
    settings.TASKS = DATABASE_TASKS
    reference = fails_on_a_number.enqueue(7)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    row = DBTaskResult.objects.get(pk=reference.id)
    assert row.status == "FAILED" and row.exception_class_path == "builtins.ValueError"
    assert "ValueError: 申请 7：身份证号 330106********1234" in row.traceback  # still says what failed
    for number in (ID_NUMBER, CARD, MOBILE):
        assert number not in row.traceback
    assert row.task_result.errors[0].traceback == row.traceback

    client = Client()
    client.force_login(administrator)
    page = client.get(f"/admin/django_tasks_database/dbtaskresult/{row.pk}/change/")
    assert page.status_code == 200 and "330106********1234" in page.text
    assert all(number not in page.text for number in (ID_NUMBER, CARD, MOBILE))


@pytest.mark.django_db(transaction=True)
def test_a_traceback_stored_before_is_masked_by_the_migration(settings):  # type: ignore[no-untyped-def]
    from importlib import import_module

    from django.apps import apps

    settings.TASKS = DATABASE_TASKS
    reference = fails_on_a_number.enqueue(8)
    stored = f"Traceback (most recent call last):\nValueError: 身份证号 {ID_NUMBER}\n"
    DBTaskResult.objects.filter(pk=reference.id).update(status="FAILED", traceback=stored)  # as the worker wrote it before
    import_module("rewards.core.migrations.0006_mask_stored_task_failures").mask_stored(apps, None)
    assert (
        DBTaskResult.objects.get(pk=reference.id).traceback
        == "Traceback (most recent call last):\nValueError: 身份证号 330106********1234\n"
    )
