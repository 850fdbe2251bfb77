from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "role", "action", "object_type", "object_id", "result", "client_ip")
    list_filter = ("action", "result", "role")
    search_fields = ("actor_label", "object_id", "action")
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


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
