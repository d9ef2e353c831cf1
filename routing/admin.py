from django.contrib import admin

from routing import models


@admin.register(models.RoutingSettings)
class RoutingSettingsAdmin(admin.ModelAdmin):
    list_display = ["workspace", "mode", "anti_steal_enabled", "anti_steal_minutes"]
    list_filter = ["mode", "anti_steal_enabled"]
    list_select_related = ["workspace"]


@admin.register(models.AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    list_display = ["membership", "status", "socket_count", "last_seen_at", "capacity"]
    list_filter = ["status"]
    list_select_related = ["membership__user", "membership__workspace"]


@admin.register(models.ChannelAgent)
class ChannelAgentAdmin(admin.ModelAdmin):
    list_display = ["channel_account", "membership", "last_assigned_turn", "last_assigned_at"]
    list_select_related = ["channel_account", "membership__user"]


@admin.register(models.AssignmentChange)
class AssignmentChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "conversation", "reason", "from_user", "to_user", "actor"]
    list_filter = ["reason"]
    raw_id_fields = ["conversation", "from_user", "to_user", "actor"]
    list_select_related = ["conversation", "from_user", "to_user", "actor"]
    date_hierarchy = "created_at"
