from django.contrib import admin

from .models import Campaign, CampaignUnit, LevelAward, OccupationDeclaration


class LevelAwardInline(admin.TabularInline):
    model = LevelAward
    extra = 0


class CampaignUnitInline(admin.TabularInline):
    model = CampaignUnit
    extra = 0
    autocomplete_fields = ("organisation",)


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


@admin.register(OccupationDeclaration)
class OccupationDeclarationAdmin(admin.ModelAdmin):
    list_display = ("campaign", "union", "occupation", "status", "decided_at")
    list_filter = ("campaign", "status")
    search_fields = ("occupation", "union__name")
