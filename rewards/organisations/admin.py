from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Organisation, StaffUser


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "position", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    ordering = ("kind", "position", "name")


@admin.register(StaffUser)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("full_name", "email", "organisation", "role")}),
        ("状态", {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "organisation", "role", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")
