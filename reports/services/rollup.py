"""Rebuild the rollups of the (workspace, local day) pairs that new facts fell on: delete
the day's rows and aggregate its facts again, so a late fact, a re-derivation or a second
run gives the same rows. Concurrent workers take different days."""

from __future__ import annotations

from django.db import connection, transaction

from reports.counters import COUNTERS, NAMES, RETURNED

_DAILY = (
    "INSERT INTO reports_dailyrollup (workspace_id, day, agent_id, channel_account_id, "
    + ", ".join(NAMES)
    + ") SELECT workspace_id, day, coalesce(agent_id, 0), coalesce(channel_account_id, 0), "
    + ", ".join(COUNTERS.values())
    + " FROM reports_reportfact WHERE workspace_id = %s AND day = %s GROUP BY 1, 2, 3, 4"
)
# Label uses come from the label facts; the rest from the facts that carry their
# conversation's labels, once per label: first-time handled conversations, closing spans
# without an earlier one, orders that were not returned.
_LABELS = (
    "INSERT INTO reports_dailylabelrollup (workspace_id, day, label_id, channel_account_id,"
    " uses, handled_new, closed_new, orders, revenue_vnd)"
    " SELECT workspace_id, day, label, channel, sum(uses), sum(handled_new), sum(closed_new),"
    " sum(orders), sum(revenue) FROM ("
    " SELECT workspace_id, day, label_id AS label, coalesce(channel_account_id, 0) AS channel,"
    " 1 AS uses, 0 AS handled_new, 0 AS closed_new, 0 AS orders, 0 AS revenue"
    " FROM reports_reportfact WHERE workspace_id = %s AND day = %s AND kind = 'label'"
    " UNION ALL SELECT workspace_id, day, label, coalesce(channel_account_id, 0), 0,"
    " (kind = 'handled' AND first AND prev_day IS NULL)::int,"
    " (kind = 'closing' AND prev_day IS NULL)::int,"
    f" (kind = 'order' AND detail <> '{RETURNED}')::int,"
    f" CASE WHEN kind = 'order' AND detail <> '{RETURNED}' THEN value ELSE 0 END"
    " FROM reports_reportfact, unnest(labels) AS label"
    " WHERE workspace_id = %s AND day = %s AND kind IN ('handled', 'closing', 'order')"
    ") AS parts GROUP BY 1, 2, 3, 4"
)
_HOURLY = (
    "INSERT INTO reports_hourlyinbound (workspace_id, day, hour, channel_account_id, messages)"
    " SELECT workspace_id, day, hour, coalesce(channel_account_id, 0), count(*)"
    " FROM reports_reportfact WHERE workspace_id = %s AND day = %s AND kind = 'inbound'"
    " GROUP BY 1, 2, 3, 4"
)


_HOURLY_ALL = (
    "INSERT INTO reports_hourlyinboundall (workspace_id, day, hour, messages)"
    " SELECT workspace_id, day, hour, sum(messages) FROM reports_hourlyinbound"
    " WHERE workspace_id = %s AND day = %s GROUP BY 1, 2, 3"
)
_ROLLUPS = ("dailyrollup", "hourlyinbound", "hourlyinboundall", "dailylabelrollup")


def day_rebuild(cursor, workspace_id: int, day) -> None:
    for table in _ROLLUPS:
        cursor.execute(
            f"DELETE FROM reports_{table} WHERE workspace_id = %s AND day = %s",
            [workspace_id, day],
        )
    cursor.execute(_DAILY, [workspace_id, day])
    cursor.execute(_HOURLY, [workspace_id, day])
    cursor.execute(_HOURLY_ALL, [workspace_id, day])
    cursor.execute(_LABELS, [workspace_id, day, workspace_id, day])


def pending_rollup(*, batch: int = 50) -> int:
    """Rebuild every pending day; returns how many days were rebuilt."""
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, workspace_id, day FROM reports_pendingday ORDER BY day"
                " FOR UPDATE SKIP LOCKED LIMIT %s",
                [batch],
            )
            days = cursor.fetchall()
            if not days:
                return done
            for _id, workspace_id, day in days:
                day_rebuild(cursor, workspace_id, day)
            cursor.execute(
                "DELETE FROM reports_pendingday WHERE id = ANY(%s)", [[row[0] for row in days]]
            )
            done += len(days)
