"""django-tasks' database backend, installed under this configuration (``INSTALLED_APPS``)."""

from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks' database backend under a Chinese name in the administration (its fields and
    statuses are translated in ``rewards/core/locale``)."""

    verbose_name = "后台任务"
