"""The background task of a large batch upload (django-tasks; ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_batch_import(import_id: int) -> str:
    """Checks (or checks and saves) batch import ``import_id``; a second run does nothing."""
    from .imports import import_run  # imports enqueue this task: import at run time

    return import_run(import_id)
