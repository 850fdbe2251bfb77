from django.contrib import admin

from .models import TrainingPlan


@admin.register(TrainingPlan)
class TrainingPlanAdmin(admin.ModelAdmin):
    """Read in the admin; unions record and update their plans on the staff pages (audited there)."""

    list_display = ("campaign", "union", "occupation", "level", "mode", "planned_trainees", "trained", "certified", "budget", "spent")
    list_filter = ("campaign", "level", "mode")
    search_fields = ("occupation", "union__name")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
