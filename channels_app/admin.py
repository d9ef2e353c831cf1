from django.contrib import admin

from channels_app.models import ChannelAccount, ContactProfileFetch, WebhookEvent


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "kind",
        "external_id",
        "provider_app_id",
        "workspace",
        "is_active",
        "needs_reconnect",
        "subscription_status",
        "subscription_checked_at",
    ]
    list_filter = ["kind", "provider_app_id", "is_active", "needs_reconnect", "subscription_status"]
    search_fields = ["display_name", "external_id", "workspace__name"]
    readonly_fields = ["webhook_key", "created_at"]
    list_select_related = ["workspace"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "channel_account", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["status", "channel_account__kind"]
    search_fields = ["dedupe_key", "error"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]
    list_select_related = ["channel_account"]
    date_hierarchy = "received_at"


@admin.register(ContactProfileFetch)
class ContactProfileFetchAdmin(admin.ModelAdmin):
    list_display = ["contact", "workspace", "status", "attempts", "error", "updated_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ContactProfileFetch._meta.fields]
    list_select_related = ["contact", "workspace"]
