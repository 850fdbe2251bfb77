from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import Campaign, CampaignUnit, LevelAward, OccupationDeclaration


class ReadOnlyInline(admin.TabularInline):
    """Read here; changed on the 年度活动设置 pages (lock rule, audit)."""

    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class LevelAwardInline(ReadOnlyInline):
    model = LevelAward


class CampaignUnitInline(ReadOnlyInline):
    model = CampaignUnit


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "opens_on", "application_deadline", "main_window_start", "main_window_end")
    inlines = [LevelAwardInline, CampaignUnitInline]
    fieldsets = (
        (None, {"fields": ("year", "title", "document_no")}),
        ("时间", {"fields": ("opens_on", "application_deadline", "resubmission_grace_days", "declaration_deadline")}),
        ("发证时间范围", {"fields": ("main_window_start", "main_window_end", "makeup_window_start", "makeup_window_end", "previous_year")}),
        ("职业范围", {"fields": ("counted_issuers", "occupation_issuers", "declaration_limit")}),
        ("其他", {"fields": ("retention_years", "sms_templates")}),
    )

    # Campaigns change only on the 年度活动设置 pages (/staff/campaigns/), through the services
    # that keep the lock rule and audit every change; here they are read.
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        messages.info(request, format_html('复制新年度和修改设置，请到<a href="{}">年度活动设置</a>。', reverse("staff:campaigns")))
        return super().changelist_view(request, extra_context)


@admin.register(OccupationDeclaration)
class OccupationDeclarationAdmin(admin.ModelAdmin):
    """Read here: unions declare and the economic department decides on the 非通用性职业 pages
    (deadline, limit, audit); an administrator never decides (API.md "Roles")."""

    list_display = ("campaign", "union", "occupation", "status", "decided_at")
    list_filter = ("campaign", "status")
    search_fields = ("occupation", "union__name")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
