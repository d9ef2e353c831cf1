"""The figures of a report: sums of the daily rollups (the facts themselves when a label
narrows the report, since rollups are not kept per label), plus the two counts that cannot
be summed over days: conversations handled and conversations closed with a sale.

Every query is scoped by workspace and reads only the reports' tables and, for a label
filter, the conversations' labels. Reads go to the report database (the replica when one is
configured)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections

from reports.counters import COUNTERS, NAMES, RETURNED
from reports.periods import DAY, MONTH, WEEK, Period
from reports.routers import reports_database

AGENT, CHANNEL, TOTAL = "agent", "channel", "total"
_GROUPS = {
    TOTAL: "0",
    AGENT: "coalesce(agent_id, 0)",
    CHANNEL: "coalesce(channel_account_id, 0)",
    DAY: "day",
    WEEK: "date_trunc('week', day)::date",
    MONTH: "date_trunc('month', day)::date",
}


@dataclass(frozen=True)
class ReportFilters:
    workspace_id: int
    period: Period
    channel_ids: tuple[int, ...] = ()
    agent_ids: tuple[int, ...] = ()
    label_id: int | None = None
    business_hours: bool = False  # response times counted in opening hours only

    def for_period(self, period: Period) -> ReportFilters:
        return ReportFilters(
            self.workspace_id, period, self.channel_ids, self.agent_ids, self.label_id,
            self.business_hours,
        )  # fmt: skip


@dataclass
class Figures:
    counters: dict = field(default_factory=lambda: dict.fromkeys(NAMES, 0))
    handled_conversations: int = 0
    closed_conversations: int = 0
    business_hours: bool = False

    def __getattr__(self, name):
        counters = self.__dict__.get("counters", {})
        if name in counters:
            return counters[name]
        raise AttributeError(name)

    @property
    def close_rate(self) -> float | None:
        if not self.handled_conversations:
            return None
        return self.closed_conversations / self.handled_conversations

    @property
    def average_order_vnd(self) -> int | None:
        orders = self.counters["orders"]
        return round(self.counters["revenue_vnd"] / orders) if orders else None

    def _average(self, seconds: str, count: str) -> int | None:
        key = seconds.replace("_seconds", "_business_seconds") if self.business_hours else seconds
        n = self.counters[count]
        return round(self.counters[key] / n) if n else None

    @property
    def response_seconds_avg(self) -> int | None:
        return self._average("response_seconds", "responses")

    @property
    def first_response_seconds_avg(self) -> int | None:
        return self._average("first_response_seconds", "first_responses")


def _where(filters: ReportFilters, *, agents: bool = True, table: str = "") -> tuple[str, list]:
    t = f"{table}." if table else ""
    sql = f"{t}workspace_id = %s AND {t}day BETWEEN %s AND %s"
    params: list = [filters.workspace_id, filters.period.start, filters.period.end]
    if filters.channel_ids:
        sql += f" AND {t}channel_account_id = ANY(%s)"
        params.append(list(filters.channel_ids))
    if agents and filters.agent_ids:
        sql += f" AND {t}agent_id = ANY(%s)"
        params.append(list(filters.agent_ids))
    return sql, params


def _label_clause(filters: ReportFilters) -> tuple[str, list]:
    if filters.label_id is None:
        return "", []
    return (
        " AND conversation_id IN (SELECT conversation_id FROM conversations_conversationlabel"
        " WHERE workspace_id = %s AND label_id = %s)",
        [filters.workspace_id, filters.label_id],
    )


def _rows(sql: str, params: list) -> list[tuple]:
    with connections[reports_database()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _counters(filters: ReportFilters, group: str) -> dict:
    where, params = _where(filters)
    if filters.label_id is None:
        columns = ", ".join(f"sum({name})" for name in NAMES)
        sql = (
            f"SELECT {_GROUPS[group]}, {columns} FROM reports_dailyrollup WHERE {where} GROUP BY 1"
        )
    else:
        label, extra = _label_clause(filters)
        columns = ", ".join(COUNTERS.values())
        sql = (
            f"SELECT {_GROUPS[group]}, {columns} FROM reports_reportfact WHERE {where}{label}"
            " GROUP BY 1"
        )
        params = params + extra
    return {
        row[0]: dict(zip(NAMES, (int(v or 0) for v in row[1:]), strict=True))
        for row in _rows(sql, params)
    }


def _distinct(filters: ReportFilters, group: str) -> dict:
    """(handled, closed) per group: conversations an agent claimed or replied in during the
    period, and those of them with an order (not returned) recorded in the period."""
    handled_where, handled_params = _where(filters)
    order_where, order_params = _where(filters, agents=False)
    label, extra = _label_clause(filters)
    # One pass over the handled facts (an index-only scan of report_fact_handled_day): the
    # distinct conversations per group, and those of them in the (hashed) set of
    # conversations with a sale. Every handled fact names its conversation, so count(DISTINCT)
    # drops nothing; it sorts instead of hashing and joining ~100,000 pairs, twice as fast.
    sql = (
        f"SELECT {_GROUPS[group]}, count(DISTINCT conversation_id),"
        " count(DISTINCT conversation_id) FILTER (WHERE conversation_id IN ("
        f"SELECT conversation_id FROM reports_reportfact WHERE {order_where}"
        f" AND kind = 'order' AND detail <> '{RETURNED}'{label}))"
        f" FROM reports_reportfact WHERE {handled_where} AND kind = 'handled'{label} GROUP BY 1"
    )
    rows = _rows(sql, order_params + extra + handled_params + extra)
    return {g: (handled, closed) for g, handled, closed in rows}


def figures_by(filters: ReportFilters, group: str) -> dict:
    """{group key: Figures}; the key is 0 for the total, an agent's or channel's id (0: none)
    or the first day of a day / week / month."""
    counters, distinct = _counters(filters, group), _distinct(filters, group)
    out = {}
    for key in set(counters) | set(distinct):
        handled, closed = distinct.get(key, (0, 0))
        out[key] = Figures(
            counters.get(key, dict.fromkeys(NAMES, 0)), handled, closed, filters.business_hours
        )
    return out


def figures_sum(parts, *, business_hours: bool) -> Figures:
    """The total of figures that share no conversation (one per channel: a conversation
    belongs to one channel, so its distinct counts add up exactly)."""
    total = Figures(business_hours=business_hours)
    for part in parts:
        for name in NAMES:
            total.counters[name] += part.counters[name]
        total.handled_conversations += part.handled_conversations
        total.closed_conversations += part.closed_conversations
    return total


def figures_total(filters: ReportFilters) -> Figures:
    return figures_by(filters, TOTAL).get(0) or Figures(business_hours=filters.business_hours)


def heatmap(filters: ReportFilters) -> list[list[int]]:
    """Customer messages per local weekday (0 = Monday) and hour: 7 rows of 24."""
    grid = [[0] * 24 for _ in range(7)]
    where, params = _where(filters)
    if filters.label_id is None and not filters.agent_ids:
        where, params = _where(filters, agents=False)
        sql = (
            "SELECT extract(isodow FROM day)::int, hour, sum(messages) FROM reports_hourlyinbound"
            f" WHERE {where} GROUP BY 1, 2"
        )
    else:
        label, extra = _label_clause(filters)
        sql = (
            "SELECT extract(isodow FROM day)::int, hour, count(*) FROM reports_reportfact"
            f" WHERE {where} AND kind = 'inbound'{label} GROUP BY 1, 2"
        )
        params += extra
    for weekday, hour, count in _rows(sql, params):
        grid[weekday - 1][hour] = int(count)
    return grid


@dataclass(frozen=True)
class LabelRow:
    label_id: int
    uses: int
    handled: int
    closed: int
    orders: int
    revenue_vnd: int

    @property
    def close_rate(self) -> float | None:
        return self.closed / self.handled if self.handled else None


def label_rows(filters: ReportFilters, *, limit: int = 20) -> list[LabelRow]:
    """The labels most put on conversations in the period, with the close rate and sales of
    the conversations that carry them now."""
    where, params = _where(filters)
    order_where, order_params = _where(filters, agents=False)
    # h: the (label, conversation) pairs of the labels above on conversations handled in the
    # period; a conversation carries a label at most once (conversation_label_once), so a
    # semi-join gives them without a DISTINCT over every handled fact joined to its labels.
    sql = f"""
    WITH uses AS (
        SELECT label_id, count(*) AS n FROM reports_reportfact
        WHERE {where} AND kind = 'label' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s
    ), h AS (
        SELECT cl.label_id, cl.conversation_id FROM conversations_conversationlabel cl
        WHERE cl.workspace_id = %s AND cl.label_id IN (SELECT label_id FROM uses)
        AND cl.conversation_id IN (
            SELECT conversation_id FROM reports_reportfact WHERE {where} AND kind = 'handled'
        )
    ), o AS (
        SELECT conversation_id, count(*) AS orders, sum(value) AS revenue
        FROM reports_reportfact WHERE {order_where} AND kind = 'order' AND detail <> '{RETURNED}'
        GROUP BY 1
    )
    SELECT u.label_id, u.n, count(h.conversation_id), count(o.conversation_id),
           coalesce(sum(o.orders), 0), coalesce(sum(o.revenue), 0)
    FROM uses u LEFT JOIN h ON h.label_id = u.label_id
    LEFT JOIN o ON o.conversation_id = h.conversation_id
    GROUP BY u.label_id, u.n ORDER BY u.n DESC, u.label_id
    """
    rows = _rows(sql, params + [limit, filters.workspace_id] + params + order_params)
    return [LabelRow(*(int(v) for v in row)) for row in rows]
