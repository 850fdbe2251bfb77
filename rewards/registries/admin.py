"""Registries in the admin: searchable by name only; personal numbers stay masked."""

from django.contrib import admin

from rewards.core.masking import mask_id_number, mask_phone

from .models import Certificate, ImportRun, Member, PastAward


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("name", "masked_id", "masked_phone", "union", "grassroots_union", "verified")
    list_filter = ("verified", "union")
    search_fields = ("name",)
    list_select_related = ("union", "grassroots_union")
    fields = ("name", "masked_id", "masked_phone", "union", "grassroots_union", "employer", "verified", "updated_at")
    readonly_fields = fields

    @admin.display(description="身份证号码")
    def masked_id(self, obj: Member) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Member) -> str:
        return mask_phone(obj.phone)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("certificate_no", "name", "occupation", "level", "issue_date", "issuer")
    list_filter = ("level", "issuer")
    search_fields = ("certificate_no", "name")
    fields = ("certificate_no", "name", "occupation", "level", "issue_date", "issuer")
    readonly_fields = fields


@admin.register(PastAward)
class PastAwardAdmin(ReadOnlyAdmin):
    list_display = ("year", "name", "level", "amount", "status")
    list_filter = ("year", "status")
    search_fields = ("name",)
    fields = ("year", "name", "level", "amount", "status")
    readonly_fields = fields


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("kind", "year", "file_name", "started_at", "total", "created", "updated", "unchanged", "rejected")
    list_filter = ("kind",)
