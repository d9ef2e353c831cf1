"""The figures of a report: sums of the daily rollups (the facts themselves when a label
narrows the report, since rollups are not kept per label), plus the two distinct counts,
conversations handled and conversations closed with a sale, made sums too by what the facts
carry about their conversation (docs/reports.md, "Distinct counts as sums"): the rollups'
first-time counts, the few facts whose previous handled day is before the period, and the
period's order facts.

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


def _bucket_start(group: str, column: str = "day") -> tuple[str, bool]:
    """SQL for the first day of a fact's group within the period, and whether it takes the
    period's start as a parameter: a total, agent or channel spans the period; a day is its
    own; a week or month starts on its first day or the period's, whichever is later."""
    if group in (TOTAL, AGENT, CHANNEL):
        return "%s::date", True
    if group == DAY:
        return column, False
    unit = "week" if group == WEEK else "month"
    return f"greatest(%s::date, date_trunc('{unit}', {column})::date)", True


def _scanned(filters: ReportFilters, group: str) -> dict:
    """(handled, closed) per group, counted over the handled facts themselves: for a label
    filter or several agents, where the sums below do not apply. Conversations an agent
    claimed or replied in during the period, and those of them with an order (not returned)
    recorded in the same group's part of the period (a day, week or month for a trend)."""
    handled_where, handled_params = _where(filters)
    order_where, order_params = _where(filters, agents=False)
    label, extra = _label_clause(filters)
    if group in (TOTAL, AGENT, CHANNEL):
        mine, theirs = "conversation_id", "conversation_id"
    else:
        mine, theirs = f"(conversation_id, {_GROUPS[group]})", f"conversation_id, {_GROUPS[group]}"
    sql = (
        f"SELECT {_GROUPS[group]}, count(DISTINCT conversation_id),"
        f" count(DISTINCT conversation_id) FILTER (WHERE {mine} IN ("
        f"SELECT {theirs} FROM reports_reportfact WHERE {order_where}"
        f" AND kind = 'order' AND detail <> '{RETURNED}'{label}))"
        f" FROM reports_reportfact WHERE {handled_where} AND kind = 'handled'{label} GROUP BY 1"
    )
    rows = _rows(sql, order_params + extra + handled_params + extra)
    return {g: (handled, closed) for g, handled, closed in rows}


def _handled(filters: ReportFilters, group: str, counters: dict) -> dict:
    """Conversations handled per group, as sums. A handled fact knows the conversation's
    previous handled day (by anyone, and by the same agent): a conversation handled in a
    period is one handled there for the first time ever (a rollup counter) or one whose
    first handled fact in the period follows a handled day before the period's start. Only
    the latter are read from the facts, through an index of the facts that have a previous
    day. Per agent (or for one agent's report) the pairs (agent, conversation) are counted
    the same way with the agent's own previous day."""
    per_agent = group == AGENT or bool(filters.agent_ids)
    if group == DAY:  # one fact per conversation and day ("first"), or per agent and day
        key = "handled" if per_agent else "handled_day"
        return {g: c[key] for g, c in counters.items()}
    where, params = _where(filters)
    start, _ = _bucket_start(group)
    previous = "prev_day_agent" if per_agent else "prev_day"
    sql = (
        f"SELECT {_GROUPS[group]}, count(*) FROM reports_reportfact WHERE {where}"
        " AND kind = 'handled' AND prev_day IS NOT NULL"
        f"{'' if per_agent else ' AND first'} AND {previous} < {start} GROUP BY 1"
    )
    repeats = dict(_rows(sql, params + [filters.period.start]))
    key = "handled_new_agent" if per_agent else "handled_new"
    return {
        g: counters.get(g, {}).get(key, 0) + repeats.get(g, 0) for g in set(counters) | set(repeats)
    }


def _closed(filters: ReportFilters, group: str, counters: dict) -> dict:
    """Closed conversations per group as sums of closing spans (reports/spans.py): the
    rollup's spans without an earlier one, plus the spans after an earlier one that starts
    before the group's part of the period, minus the spans across its start; the last two
    are read through `report_fact_closing_repeat`. Per agent (or for one agent's report)
    with each agent's own spans."""
    per_agent = group == AGENT or bool(filters.agent_ids)
    kind = "closing_agent" if per_agent else "closing"
    where, params = _where(filters)
    start, takes = _bucket_start(group)
    sql = (
        f"SELECT {_GROUPS[group]}, count(*) FILTER (WHERE prev_day < {start})"
        f" - count(*) FILTER (WHERE span_start < {start}) FROM reports_reportfact"
        f" WHERE {where} AND kind = '{kind}' AND (prev_day IS NOT NULL OR span_start < day)"
        " GROUP BY 1"
    )
    firsts = [filters.period.start] * 2 if takes else []
    rest = dict(_rows(sql, [*firsts, *params]))
    key = "closed_new_agent" if per_agent else "closed_new"
    return {g: counters.get(g, {}).get(key, 0) + rest.get(g, 0) for g in set(counters) | set(rest)}


def _distinct(filters: ReportFilters, groups: tuple[str, ...], counters: dict) -> dict:
    """{group: {key: (handled, closed)}}: the two counts that are not plain sums of the
    rollups, for each grouping."""
    if filters.label_id is not None or len(filters.agent_ids) > 1:
        return {g: _scanned(filters, g) for g in groups}
    out = {}
    for g in groups:
        handled, closed = _handled(filters, g, counters[g]), _closed(filters, g, counters[g])
        out[g] = {k: (n, closed.get(k, 0)) for k, n in handled.items() if n or closed.get(k)}
    return out


def figures_many(filters: ReportFilters, groups: tuple[str, ...]) -> dict[str, dict]:
    """{group: {group key: Figures}} for several groupings of one report at once (the page's
    channels, agents and trend)."""
    counters = {g: _counters(filters, g) for g in groups}
    distinct = _distinct(filters, groups, counters)
    out: dict[str, dict] = {}
    for g in groups:
        by = out[g] = {}
        for key in set(counters[g]) | set(distinct[g]):
            handled, closed = distinct[g].get(key, (0, 0))
            zero = dict.fromkeys(NAMES, 0)
            by[key] = Figures(counters[g].get(key, zero), handled, closed, filters.business_hours)
    return out


def figures_by(filters: ReportFilters, group: str) -> dict:
    """{group key: Figures}; the key is 0 for the total, an agent's or channel's id (0: none)
    or the first day of a day / week / month."""
    return figures_many(filters, (group,))[group]


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
        table = "hourlyinbound" if filters.channel_ids else "hourlyinboundall"
        sql = (
            f"SELECT extract(isodow FROM day)::int, hour, sum(messages) FROM reports_{table}"
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
    """The labels most put on conversations in the period, with the close rate of the
    handled conversations that carry them now, and the orders recorded on conversations that
    carry them. Sums of the label rollups, as for the figures; for agents chosen, counted
    over their facts."""
    if filters.agent_ids:
        return _label_rows_counted(filters, limit=limit)
    where, params = _where(filters)
    top = _rows(
        "SELECT label_id, sum(uses), sum(handled_new), sum(closed_new), sum(orders),"
        f" sum(revenue_vnd) FROM reports_dailylabelrollup WHERE {where}"
        " GROUP BY 1 HAVING sum(uses) > 0 ORDER BY 2 DESC, 1 LIMIT %s",
        params + [limit],
    )
    ids = [row[0] for row in top]  # none: the read below finds nothing, quickly
    start = filters.period.start
    # the handled conversations after an earlier handled day before the period, and the
    # closing spans after an earlier one or across the period's start (see _handled, _closed)
    rest = {
        label: (handled, closed)
        for label, handled, closed in _rows(
            "SELECT label, count(*) FILTER (WHERE kind = 'handled' AND prev_day < %s),"
            " count(*) FILTER (WHERE kind = 'closing' AND prev_day < %s)"
            " - count(*) FILTER (WHERE kind = 'closing' AND span_start < %s)"
            f" FROM reports_reportfact, unnest(labels) AS label WHERE {where}"
            " AND ((kind = 'handled' AND prev_day IS NOT NULL AND first) OR (kind = 'closing'"
            " AND (prev_day IS NOT NULL OR span_start < day))) AND label = ANY(%s) GROUP BY 1",
            [start, start, start, *params, ids],
        )
    }
    rows = []
    for label, uses, handled, closed, orders, revenue in top:
        more_handled, more_closed = rest.get(label, (0, 0))
        rows.append(
            LabelRow(
                int(label),
                int(uses),
                int(handled) + more_handled,
                int(closed) + more_closed,
                int(orders),
                int(revenue),
            )  # fmt: skip
        )
    return rows


def _label_rows_counted(filters: ReportFilters, *, limit: int) -> list[LabelRow]:
    """label_rows for chosen agents, counted over the facts and the conversations' labels."""
    where, params = _where(filters)
    order_where, order_params = _where(filters, agents=False)
    # c: the (label, conversation) pairs of the labels above, h: those of them handled in
    # the period; a conversation carries a label at most once (conversation_label_once).
    sql = f"""
    WITH uses AS (
        SELECT label_id, count(*) AS n FROM reports_reportfact
        WHERE {where} AND kind = 'label' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s
    ), c AS (
        SELECT cl.label_id, cl.conversation_id FROM conversations_conversationlabel cl
        WHERE cl.workspace_id = %s AND cl.label_id IN (SELECT label_id FROM uses)
    ), h AS (
        SELECT label_id, conversation_id FROM c WHERE conversation_id IN (
            SELECT conversation_id FROM reports_reportfact WHERE {where} AND kind = 'handled'
        )
    ), o AS (
        SELECT conversation_id, count(*) AS orders, sum(value) AS revenue
        FROM reports_reportfact WHERE {order_where} AND kind = 'order' AND detail <> '{RETURNED}'
        GROUP BY 1
    )
    SELECT u.label_id, u.n, coalesce(hh.handled, 0), coalesce(hh.closed, 0),
           coalesce(oo.orders, 0), coalesce(oo.revenue, 0)
    FROM uses u
    LEFT JOIN (
        SELECT h.label_id, count(*) AS handled, count(o.conversation_id) AS closed
        FROM h LEFT JOIN o USING (conversation_id) GROUP BY 1
    ) hh ON hh.label_id = u.label_id
    LEFT JOIN (
        SELECT c.label_id, sum(o.orders) AS orders, sum(o.revenue) AS revenue
        FROM c JOIN o USING (conversation_id) GROUP BY 1
    ) oo ON oo.label_id = u.label_id
    ORDER BY u.n DESC, u.label_id
    """
    rows = _rows(sql, params + [limit, filters.workspace_id] + params + order_params)
    return [LabelRow(*(int(v) for v in row)) for row in rows]
