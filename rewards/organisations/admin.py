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
    actions = ["reset_mfa", "unlock_sign_in"]

    @admin.action(description="重置两步验证（手机丢失或更换；该用户下次登录时重新绑定）")
    def reset_mfa(self, request, queryset):  # type: ignore[no-untyped-def]
        from rewards.identity.mfa import mfa_reset

        for user in queryset:
            mfa_reset(user=user, acting_user=request.user, request=request)
        self.message_user(request, f"已重置 {queryset.count()} 个账号的两步验证，其接口令牌和已登录的页面随即失效。")

    @admin.action(description="解除登录锁定")
    def unlock_sign_in(self, request, queryset):  # type: ignore[no-untyped-def]
        from rewards.core.audit import audit
        from rewards.identity.lockout import unlock

        for user in queryset:
            unlock(user.username)
            audit("staff.unlock", actor=request.user, request=request, obj=user)
        self.message_user(request, f"已解除 {queryset.count()} 个账号的登录锁定。")
