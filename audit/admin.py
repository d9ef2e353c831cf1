from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is never edited (the database refuses it too)."""

    list_display = ("created_at", "workspace", "actor_name", "kind", "target_label")
    list_filter = ("kind",)
    search_fields = ("actor_name", "target_label")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
