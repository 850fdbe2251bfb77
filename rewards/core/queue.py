"""Background tasks that must run only if, and after, the current transaction commits."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, router, transaction
from django_tasks.base import Task

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
        task.enqueue(*args)
        return

    def enqueue() -> None:
        try:
            task.enqueue(*args)
        except Exception as exc:
            logger.warning("后台任务 %s 未能排队（%s）。", task.name, type(exc).__name__)

    transaction.on_commit(enqueue, robust=True)


def _queue_is_this_database(task: Task[Any, Any]) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    return isinstance(task.get_backend(), DatabaseBackend) and router.db_for_write(DBTaskResult) == connection.alias
