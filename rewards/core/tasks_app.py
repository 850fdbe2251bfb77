"""django-tasks' database backend, installed under this configuration (``INSTALLED_APPS``)."""

from typing import Any

from django_tasks_db.apps import TasksAppConfig

from .logs import mask_log_message


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks' database backend under a Chinese name in the administration (its fields and
    statuses are translated in ``rewards/core/locale``)."""

    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import pre_save
        from django_tasks_db.models import DBTaskResult

        pre_save.connect(mask_failure, sender=DBTaskResult, dispatch_uid="rewards.core.mask_task_failure")


def mask_failure(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A failed task's traceback masked as the application log masks it, before it is stored
    (decision 289). The worker's ``set_failed`` writes the exception's text and traceback to the
    row, and the administration shows them (错误追踪): an exception's message may quote the ID,
    card or mobile number it failed on. Every save of a row passes here, whoever writes it."""
    if instance.traceback:
        instance.traceback = mask_log_message(instance.traceback)
