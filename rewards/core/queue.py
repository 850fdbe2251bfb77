"""Background tasks that must run only if, and after, the current transaction commits."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, router, transaction
from django.db.models.signals import post_save, pre_save
from django_tasks.base import Task

from .rows import PreparedRow

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task[Any, Any], *args: Any) -> None:
    """Queues ``task(*args)`` to run once the surrounding transaction has committed.

    With the database task backend writing to the same database (the embedded default), the
    task's row is written inside the transaction: a transactional outbox. It commits or rolls
    back with the change, a worker cannot see it before the commit, a crash right after the
    commit loses nothing, and no second write transaction follows the commit (on SQLite that
    would be one more turn at the single write lock). Any other backend (Redis, the immediate
    backend of the tests) is called from ``transaction.on_commit``; a queue that cannot be
    reached then is logged, not raised, since the change has committed.
    """
    if connection.in_atomic_block and _queue_is_this_database(task):
        _write_task_row(task, args)
        return

    def enqueue() -> None:
        try:
            task.enqueue(*args)
        except Exception as exc:
            logger.warning("后台任务 %s 未能排队（%s）。", task.name, type(exc).__name__)

    transaction.on_commit(enqueue, robust=True)


def _write_task_row(task: Task[Any, Any], args: tuple[Any, ...]) -> None:
    """What ``DatabaseBackend.enqueue`` does, with the row written by :class:`PreparedRow`
    (its fields prepared as ``save()`` prepares them, one plain ``INSERT``): the ORM's
    ``create()`` cost a submission a quarter of a millisecond. The same checks run first and
    the same signals are sent (``pre_save``, ``post_save``, ``task_enqueued``)."""
    from django_tasks.signals import task_enqueued
    from django_tasks.utils import normalize_json
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):  # _queue_is_this_database said it is
        raise TypeError(f"{task.name}: 不是数据库任务队列。")
    backend.validate_task(task)
    row: DBTaskResult[Any, Any] = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": list(args), "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,  # type: ignore[misc]  # None until the backend's pre_save receiver
        backend_name=backend.alias,
    )
    # The backend's own receiver turns "no run_after" into its far-future date on pre_save.
    pre_save.send(sender=DBTaskResult, instance=row, raw=False, using=connection.alias, update_fields=None)
    PreparedRow(row).insert()
    post_save.send(sender=DBTaskResult, instance=row, created=True, raw=False, using=connection.alias, update_fields=None)
    task_enqueued.send(type(backend), task_result=row.task_result)


def _queue_is_this_database(task: Task[Any, Any]) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    return isinstance(task.get_backend(), DatabaseBackend) and router.db_for_write(DBTaskResult) == connection.alias
