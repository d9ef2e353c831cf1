"""Writing the audit log: the only way a row is made (they are never changed)."""

from __future__ import annotations

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry


def entry_record(*, workspace_id: int, actor_id: int | None, kind: str, target_type: str = "",
                 target_id: int | None = None, target_label: str = "",
                 details: dict | None = None,
                 at: datetime.datetime | None = None) -> AuditEntry:  # fmt: skip
    """One entry, with the actor's name as it is now (kept when they are renamed or gone)."""
    actor_name = ""
    if actor_id is not None:
        user = User.objects.filter(pk=actor_id).only("full_name", "email").first()
        actor_name = user.display_name if user else ""
    return AuditEntry.objects.create(
        workspace_id=workspace_id, actor_id=actor_id, actor_name=actor_name[:200], kind=kind,
        target_type=target_type[:32], target_id=target_id, target_label=target_label[:200],
        details=_json_safe(details or {}), created_at=at or timezone.now(),
    )  # fmt: skip


def _json_safe(details: dict) -> dict:
    """Dates, times and decimals as text, so any publisher's snapshot can be stored."""
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))
