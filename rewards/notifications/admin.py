from django.contrib import admin

from rewards.core.crypto import blind_index
from rewards.core.masking import mask_phone
from rewards.core.validators import check_mobile

from .models import SmsMessage
from .templates import redact


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox changes only through the delivery services."""

    list_display = ("id", "template", "masked_phone", "status", "attempts", "next_attempt_at", "sent_at", "created_at")
    list_filter = ("status", "template")
    search_fields = ("event_key",)
    date_hierarchy = "created_at"
    fields = (
        "template",
        "masked_phone",
        "event_key",
        "shown_text",
        "shown_params",
        "status",
        "attempts",
        "next_attempt_at",
        "expires_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "provider_message_id",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="手机号码")
    def masked_phone(self, obj: SmsMessage) -> str:
        return mask_phone(obj.phone)

    @admin.display(description="短信内容")
    def shown_text(self, obj: SmsMessage) -> str:
        return redact(obj.template, obj.params or {}, obj.text)[1]

    @admin.display(description="参数")
    def shown_params(self, obj: SmsMessage) -> str:
        params = redact(obj.template, obj.params or {}, obj.text)[0]
        return "，".join(f"{name}={value}" for name, value in params.items())

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        """A full mobile number is looked up through its blind index, never in clear."""
        mobile, _ = check_mobile(search_term)
        if mobile:
            return queryset.filter(phone_hash=blind_index("phone", mobile)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
