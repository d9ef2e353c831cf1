"""The audit log listens (registered in AuditConfig.ready()), always inside the publisher's
transaction: the record commits or rolls back with the fact it proves.

- an admin action of any app (`accounts.admin_actions.AdminActionDone`);
- a reply queued under a policy exception (`MessageQueued` with `tagged`);
- an automated action (`AutomatedActionTaken`).
"""

from __future__ import annotations

from accounts.admin_actions import AdminActionDone
from audit.services import entry_record
from conversations import domain_events as de
from conversations.models import Conversation
from inbox_project.domain_events import IN_TRANSACTION, subscribe


def _customer_name(event) -> str:
    return (
        Conversation.objects.filter(workspace_id=event.workspace_id, pk=event.conversation_id)
        .values_list("customer__name", flat=True)
        .first()
        or ""
    )


def on_admin_action(event: AdminActionDone) -> None:
    entry_record(workspace_id=event.workspace_id, actor_id=event.actor_id, kind=event.action,
                 target_type=event.target_type, target_id=event.target_id,
                 target_label=event.target_label, details=event.details,
                 at=event.at)  # fmt: skip


def on_message_queued(event: de.MessageQueued) -> None:
    if not event.tagged:
        return
    tag = event.purpose.split(":", 1)[0]
    entry_record(
        workspace_id=event.workspace_id, actor_id=event.author_id, kind="message.policy_send",
        target_type="conversation", target_id=event.conversation_id,
        target_label=_customer_name(event),
        details={"purpose": event.purpose, "tag": tag, "message_id": event.message_id,
                 "automated": event.automated, "retry": event.retry},
        at=event.queued_at,
    )  # fmt: skip


def on_automated_action(event: de.AutomatedActionTaken) -> None:
    details = {"rule": event.rule_name, "action": event.action, "result": event.result}
    if event.detail:
        details["detail"] = event.detail
    entry_record(workspace_id=event.workspace_id, actor_id=None, kind="automation.action",
                 target_type="conversation", target_id=event.conversation_id,
                 target_label=_customer_name(event), details=details, at=event.at)  # fmt: skip


def register() -> None:
    subscribe(AdminActionDone, on_admin_action, phase=IN_TRANSACTION)
    subscribe(de.MessageQueued, on_message_queued, phase=IN_TRANSACTION)
    subscribe(de.AutomatedActionTaken, on_automated_action, phase=IN_TRANSACTION)
