"""The workspace's audit log: one row per admin action, policy-tagged send or automated
action, never changed or removed once written (a database trigger refuses UPDATE and DELETE,
migration 0002)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    # No database foreign keys: a row outlives the person, the workspace and the target it
    # names (its snapshots say who and what), and no cascade may ever try to delete it.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.DO_NOTHING,
                                  db_constraint=False, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey("accounts.User", on_delete=models.DO_NOTHING, db_constraint=False,
                              null=True, blank=True, related_name="+")  # fmt: skip
    actor_name = models.CharField(max_length=200, blank=True)  # "" with no actor: automation
    kind = models.CharField(max_length=64)  # a key of audit.kinds.KINDS
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["workspace", "-id"], name="audit_newest"),
            models.Index(fields=["workspace", "kind", "-id"], name="audit_kind"),
            models.Index(fields=["workspace", "actor", "-id"], name="audit_actor"),
            models.Index(fields=["workspace", "created_at"], name="audit_time"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.target_label}"
