"""Background work of payments (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def queue_result_sms_task(import_id: int) -> int:
    """Queues the SMS of a bank return file that was imported; returns how many were written."""
    from .results import queue_result_sms

    return queue_result_sms(import_id)
