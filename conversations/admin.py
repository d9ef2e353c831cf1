from django.contrib import admin

from conversations import models


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "phones", "is_blocked", "last_seen_at"]
    list_filter = ["is_blocked"]
    search_fields = ["name", "phones", "emails"]
    list_select_related = ["workspace"]


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["display_name", "external_id", "channel_account", "customer"]
    search_fields = ["display_name", "external_id"]
    raw_id_fields = ["customer"]
    list_select_related = ["channel_account", "customer"]


class MessageInline(admin.TabularInline):
    model = models.Message
    fields = ["sent_at", "direction", "kind", "text", "delivery_status", "author"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-sent_at"]
    max_num = 0


@admin.register(models.Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "channel_account", "status", "assignee", "last_message_at"]
    list_filter = ["status", "channel_account__kind", "outcome"]
    search_fields = ["customer__name", "last_message_preview"]
    raw_id_fields = ["contact", "customer", "assignee"]
    list_select_related = ["customer", "channel_account", "assignee"]
    inlines = [MessageInline]


@admin.register(models.Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "direction", "kind", "delivery_status", "sent_at"]
    list_filter = ["direction", "kind", "delivery_status"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["conversation", "author"]


@admin.register(models.Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "channel_account", "is_hidden", "deleted_at"]
    list_filter = ["is_hidden"]


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "amount_vnd", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["customer", "conversation", "created_by"]


admin.site.register(models.QuickReply)
admin.site.register(models.CustomerNote)
