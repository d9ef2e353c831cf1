"""The workspace's administration as domain events: one small fact for each admin action
(a role changed, an invitation sent, a channel connected, a setting saved …).

Every app from accounts up publishes `AdminActionDone` through `admin_action_publish` in the
transaction of the change; the audit log (the `audit` app, a reading layer) subscribes and
keeps the record, so no lower app ever names it. `action` is a stable key
("member.role_changed"); the reader translates it. `target_label` and `details` are
snapshots taken at the time of the fact (JSON-safe values only), so the record stays true
when the target is renamed or deleted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from inbox_project.domain_events import publish


@dataclass(frozen=True)
class AdminActionDone:
    workspace_id: int
    actor_id: int | None  # None: done by the system (a refused refresh, a command)
    action: str
    target_type: str  # "member", "invitation", "channel", "customer", "rule" …
    target_id: int | None
    target_label: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    at: datetime.datetime | None = None


def admin_action_publish(*, workspace_id: int, actor, action: str, target_type: str,
                         target_id: int | None = None, target_label: str = "",
                         details: dict[str, Any] | None = None,
                         at: datetime.datetime | None = None) -> None:  # fmt: skip
    """Announce one admin action; `actor` is a User, a user id or None."""
    actor_id = getattr(actor, "pk", actor)
    publish(AdminActionDone(
        workspace_id=workspace_id, actor_id=actor_id, action=action, target_type=target_type,
        target_id=target_id, target_label=str(target_label or "")[:200],
        details=dict(details or {}), at=at or timezone.now(),
    ))  # fmt: skip
