"""Write the facts of conversations: load what the inbox and routing recorded about them,
derive the facts (`reports/derivation.py`) and insert the new ones. Each derivation marks
the (workspace, day) of every fact it wrote for the rollups.

Written facts are kept as they were written (`ON CONFLICT DO NOTHING`): a later change of
the workspace's zone or opening hours applies to facts written from then on. An order's
status and amount are the exception, since an order can change after it was recorded, and so
are the labels a fact carries for its conversation; closing spans that cease to be are
deleted (`_derived_write`).
`recompute=True` (`reports_backfill --recompute`) rewrites every derived column."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from psycopg2.extras import execute_values

from accounts.models import Workspace
from conversations.models import Conversation, ConversationLabel, Message, Order
from reports import derivation as d
from reports.models import PendingConversation
from routing.models import AssignmentChange

COLUMNS = (
    "workspace_id", "key", "kind", "occurred_at", "day", "hour", "conversation_id",
    "channel_account_id", "customer_id", "agent_id", "label_id", "conversation_kind", "value",
    "value_business", "first", "detail", "prev_day", "prev_day_agent", "labels", "span_start",
)  # fmt: skip
# A marker a worker holds (rollup or derivation under way) makes the writer wait for it, and
# is written again once the worker deleted it: a fact that arrives meanwhile is never lost.
_DAY_CONFLICT = " ON CONFLICT (workspace_id, day) DO UPDATE SET day = EXCLUDED.day"
_UPDATED = [c for c in COLUMNS if c not in ("workspace_id", "key")]
# What may change in a fact after it was written: an order's status and amount; the labels
# its conversation carries, on the facts that carry them.
_ORDER_CHANGES = ("value", "detail")
_LATER_CHANGES = (*_ORDER_CHANGES, "labels")


def _insert_sql(recompute: bool) -> str:
    """Insert facts; an existing key is rewritten only where `recompute` asks for it or what
    may change later did (`_LATER_CHANGES`). Returns the (workspace, day) of every row written."""
    if recompute:
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED)
        differs = " OR ".join(f"f.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in _UPDATED)
    else:
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in _LATER_CHANGES)
        differs = (
            "(f.kind = 'order' AND ("
            + " OR ".join(f"f.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in _ORDER_CHANGES)
            + ")) OR f.labels IS DISTINCT FROM EXCLUDED.labels"
        )
    return (
        f"INSERT INTO reports_reportfact AS f ({', '.join(COLUMNS)}) VALUES %s"
        f" ON CONFLICT (workspace_id, key) DO UPDATE SET {sets} WHERE {differs}"
        " RETURNING workspace_id, day"
    )


def facts_for(conversation_ids: Iterable[int]) -> list[tuple[int, d.Fact]]:
    """(workspace id, fact) of every fact of these conversations, derived from scratch."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return []
    conversations = list(
        Conversation.objects.filter(pk__in=ids).values_list(
            "pk", "workspace_id", "channel_account_id", "customer_id", "created_at",
            "is_returning",
        )
    )  # fmt: skip
    workspaces = {
        w.pk: w.business_hours
        for w in Workspace.objects.filter(pk__in={c[1] for c in conversations})
    }
    messages, changes, orders, labels = (defaultdict(list) for _ in range(4))
    for row in Message.objects.filter(
        conversation_id__in=ids, kind__in=("inbox", "comment")
    ).values_list("conversation_id", "pk", "direction", "kind", "author_id", "is_automated",
                  "sent_at"):  # fmt: skip
        messages[row[0]].append(d.MessageInput(*row[1:]))
    for row in AssignmentChange.objects.filter(conversation_id__in=ids).values_list(
        "conversation_id", "pk", "reason", "from_user_id", "to_user_id", "actor_id", "created_at"
    ):
        changes[row[0]].append(d.ChangeInput(*row[1:]))
    for row in Order.objects.filter(conversation_id__in=ids).values_list(
        "conversation_id", "pk", "status", "amount_vnd", "created_by_id", "created_at"
    ):
        orders[row[0]].append(d.OrderInput(*row[1:]))
    for row in ConversationLabel.objects.filter(conversation_id__in=ids).values_list(
        "conversation_id", "pk", "label_id", "added_by_id", "added_at"
    ):
        labels[row[0]].append(d.LabelInput(*row[1:]))
    out = []
    for row in conversations:
        conversation = d.ConversationInput(*row)
        for fact in d.conversation_facts(
            conversation,
            messages=messages[conversation.id],
            changes=changes[conversation.id],
            orders=orders[conversation.id],
            labels=labels[conversation.id],
            hours=workspaces[conversation.workspace_id],
        ):
            out.append((conversation.workspace_id, fact))
    return out


def facts_write(facts: list[tuple[int, d.Fact]], *, recompute: bool = False) -> int:
    """Insert the facts not yet written; mark the days they fall on for the rollups.
    Returns how many rows were written."""
    if not facts:
        return 0
    rows = [
        (
            ws, f.key, f.kind, f.occurred_at, f.day, f.hour, f.conversation_id,
            f.channel_account_id, f.customer_id, f.agent_id, f.label_id, f.conversation_kind,
            f.value, f.value_business, f.first, f.detail, f.prev_day, f.prev_day_agent,
            list(f.labels) if f.labels is not None else None, f.span_start,
        )
        for ws, f in facts
    ]  # fmt: skip
    with connection.cursor() as cursor:
        if recompute:  # days a fact may leave (its zone changed) are rebuilt too
            keys = sorted({(ws, f.key) for ws, f in facts})
            execute_values(
                cursor,
                "INSERT INTO reports_pendingday (workspace_id, day) SELECT DISTINCT"
                " f.workspace_id, f.day FROM reports_reportfact f JOIN (VALUES %s) AS k(w, key)"
                " ON f.workspace_id = k.w AND f.key = k.key" + _DAY_CONFLICT,
                keys,
                page_size=1000,
            )
        written = execute_values(cursor, _insert_sql(recompute), rows, page_size=1000, fetch=True)
        days = sorted(set(written))
        if days:
            execute_values(
                cursor,
                "INSERT INTO reports_pendingday (workspace_id, day) VALUES %s" + _DAY_CONFLICT,
                days,
            )
    return len(written)


def _derived_write(conversation_ids: list[int], *, recompute: bool = False) -> int:
    """Derive these conversations and write their facts. Closing spans are the one kind of
    fact that can cease to be (a sale returned, a handled day between two spans): those
    the derivation no longer gives are deleted, and their days rolled up again."""
    facts = facts_for(conversation_ids)
    written = facts_write(facts, recompute=recompute)
    keys = [f.key for _ws, f in facts if f.kind in _SPAN_KINDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reports_reportfact WHERE conversation_id = ANY(%s) AND kind = ANY(%s)"
            " AND NOT key = ANY(%s) RETURNING workspace_id, day",
            [sorted(set(conversation_ids)), list(_SPAN_KINDS), keys],
        )
        gone = sorted(set(cursor.fetchall()))
        if gone:
            execute_values(
                cursor,
                "INSERT INTO reports_pendingday (workspace_id, day) VALUES %s" + _DAY_CONFLICT,
                gone,
            )
    return written


_SPAN_KINDS = ("closing", "closing_agent")


def conversations_derive(conversation_ids: Iterable[int], *, recompute: bool = False) -> int:
    with transaction.atomic():
        return _derived_write(list(conversation_ids), recompute=recompute)


def conversations_mark(conversation_ids: Iterable[int]) -> None:
    """Queue conversations for derivation (something happened in them)."""
    ids = sorted(set(conversation_ids))
    if ids:
        with connection.cursor() as cursor:
            execute_values(
                cursor,
                "INSERT INTO reports_pendingconversation (conversation_id, queued_at)"
                " VALUES %s ON CONFLICT (conversation_id) DO UPDATE SET queued_at = now()",
                [(pk,) for pk in ids],
                template="(%s, now())",
            )


def pending_derive(*, batch: int = 200) -> int:
    """Derive queued conversations until none is left; concurrent workers take different
    ones. Returns the facts written."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                PendingConversation.objects.select_for_update(skip_locked=True)
                .order_by("queued_at")
                .values_list("conversation_id", flat=True)[:batch]
            )
            if not ids:
                return total
            total += _derived_write(ids)
            PendingConversation.objects.filter(conversation_id__in=ids).delete()
