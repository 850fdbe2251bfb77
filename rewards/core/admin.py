from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

# The audit log is not in the administration: its pages (/staff/audit, for the administrator
# and the auditor) search it with the entries' actions, roles and detail in Chinese, mask stray
# personal numbers, export it and check its hash chain (decision 106). The administration's
# list showed the raw codes and the raw detail.


# django-tasks' results in the administration, read-only as the library makes them, with the
# columns it labels in plain strings named in Chinese (its gettext strings: rewards/core/locale).
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ("id", "task", "status", "enqueued_at", "started_at", "finished_at", "priority", "queue_name")

    @admin.display(description="任务")
    def task(self, obj: DBTaskResult) -> str:
        return str(obj.task_name)

    @admin.display(description="错误追踪")
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description="计划执行时间")
    def display_run_after(self, obj: DBTaskResult):  # type: ignore[no-untyped-def]
        return super().display_run_after(obj)
