"""Report reads go to the replica when `DATABASE_REPLICA_URL` configured one (the
`replica` database), to the primary otherwise. Writes (facts, rollups, queues) always go to
the primary; a replica may be a little behind, which a report can afford."""

from __future__ import annotations

from django.conf import settings

REPLICA = "replica"


def reports_database() -> str:
    return settings.REPORTS_READ_DATABASE


class ReportsReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label == "reports":
            return reports_database()
        return None

    def db_for_write(self, model, **hints):
        return "default" if model._meta.app_label == "reports" else None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None
