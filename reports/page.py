"""What the reports page shows, assembled from the selectors: the query (range, filters),
the KPI cards with their change against the previous period, the trend charts, the tables,
the heatmap and "live now". Owners and admins see the whole team; an agent sees only their
own work (docs/reports.md says why)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from conversations.channels import channel_accounts_of
from conversations.models import Label
from conversations.vietnamese_order import vietnamese_key
from reports import display, tables
from reports.charts import bar_chart
from reports.forms import ReportQueryForm
from reports.periods import (
    CUSTOM,
    DAY,
    LAST_7,
    LAST_30,
    LAST_MONTH,
    MONTH,
    THIS_MONTH,
    TODAY,
    WEEK,
    buckets,
    default_bucket,
    period_for,
)  # fmt: skip
from reports.selectors.figures import (
    AGENT,
    CHANNEL,
    ReportFilters,
    figures_many,
    figures_sum,
    figures_total,
    heatmap,
)
from reports.selectors.live import live_now


@dataclass(frozen=True)
class Scope:
    """Who is looking: the whole team (owners, admins) or one agent's own work."""

    team: bool
    user_id: int


def scope_of(membership: Membership) -> Scope:
    return Scope(team=membership.is_admin, user_id=membership.user_id)


def choices(workspace) -> dict:
    channels = list(channel_accounts_of(workspace_id=workspace.pk).order_by("display_name"))
    agents = [
        m.user
        for m in Membership.objects.filter(workspace=workspace, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    ]
    labels = sorted(
        Label.objects.filter(workspace=workspace, deleted_at__isnull=True),
        key=lambda x: (vietnamese_key(x.name), x.channel_account_id or 0),
    )
    for label in labels:
        label.report_name = label_name(label, channels)
    return {"channels": channels, "agents": agents, "labels": labels}


def query_of(request_get, *, workspace, scope: Scope, options: dict) -> tuple[ReportFilters, dict]:
    values = ReportQueryForm(request_get, **options).values()
    today = timezone.localdate()
    period = period_for(
        values.get("range") or "7d", today=today, start=values.get("start"), end=values.get("end")
    )
    agents = tuple(values.get("agent") or ()) if scope.team else (scope.user_id,)
    filters = ReportFilters(
        workspace_id=workspace.pk, period=period, channel_ids=tuple(values.get("channel") or ()),
        agent_ids=agents, label_id=values.get("label"), business_hours=bool(values.get("business")),
    )  # fmt: skip
    bucket = values.get("bucket") or default_bucket(period)
    return filters, {"bucket": bucket, "today": today}


def _card(key, title, help_text, current, previous, kind, *, lower_is_better=False):
    return {
        "key": key, "title": title, "help": help_text,
        "value": display.FORMATS[kind](current),
        "previous": display.FORMATS[kind](previous),
        "change": display.change(current, previous, lower_is_better=lower_is_better),
    }  # fmt: skip


# Figures about the shop's customers rather than anyone's work: not on an agent's page.
TEAM_ONLY_CARDS = {"new_customers", "returning", "phones"}


def kpi_cards(now_figures, before) -> list[dict]:
    n, p = now_figures, before
    return [
        _card("handled", _("Conversations handled"), _("Conversations an agent claimed or replied in during the period."), n.handled_conversations, p.handled_conversations, "int"),
        _card("close_rate", _("Close rate"), _("Handled conversations with an order recorded in the period (returned orders do not count), divided by the handled conversations."), n.close_rate, p.close_rate, "pct"),
        _card("revenue", _("Revenue"), _("The amount of the orders recorded in the period, returned orders left out."), n.revenue_vnd, p.revenue_vnd, "vnd"),
        _card("orders", _("Orders"), _("Orders recorded in the period, returned ones left out."), n.orders, p.orders, "int"),
        _card("aov", _("Average order value"), _("Revenue divided by orders."), n.average_order_vnd, p.average_order_vnd, "vnd"),
        _card("returned", _("Returned orders"), _("Orders recorded in the period whose status is returned; never counted as revenue."), n.returned_orders, p.returned_orders, "int", lower_is_better=True),
        _card("first_response", _("First response time"), _("From the first customer message of a conversation (or of its reopening) to the first agent reply, averaged. Automated messages do not count as replies."), n.first_response_seconds_avg, p.first_response_seconds_avg, "duration", lower_is_better=True),
        _card("response", _("Average response time"), _("From the oldest customer message still unanswered to the next agent reply, averaged over every such reply."), n.response_seconds_avg, p.response_seconds_avg, "duration", lower_is_better=True),
        _card("new_customers", _("New customers"), _("Conversations begun by customers never seen before."), n.new_customers, p.new_customers, "int"),
        _card("returning", _("Returning customers"), _("Customers seen before who started a new conversation or reopened a closed one."), n.returning_customers, p.returning_customers, "int"),
        _card("phones", _("Phones captured"), _("Phone numbers newly saved on customers in the period."), n.phones, p.phones, "int"),
        _card("inbound", _("Customer messages"), _("Messages and comments customers wrote in the period."), n.inbound, p.inbound, "int"),
    ]  # fmt: skip


def trend_charts(rows: list[dict]) -> list[dict]:
    def chart(key, title, kind):
        points = [(r["name"], r[key] or 0, display.FORMATS[kind](r[key])) for r in rows]
        return {"key": key, "title": title, **bar_chart(points)}

    return [
        chart("handled_conversations", _("Conversations handled"), "int"),
        chart("revenue_vnd", _("Revenue"), "vnd"),
        chart("close_rate", _("Close rate"), "pct"),
    ]


def heatmap_rows(grid: list[list[int]]) -> dict:
    peak = max((v for row in grid for v in row), default=0) or 1
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return {
        "rows": [
            {"day": days[i], "cells": [{"hour": h, "value": v, "level": round(4 * v / peak) if v else 0} for h, v in enumerate(row)]}
            for i, row in enumerate(grid)
        ],
        "hours": list(range(24)),
        "total": sum(sum(row) for row in grid),
    }  # fmt: skip


def names(options: dict) -> dict:
    return {
        "agents": {u.pk: u.display_name for u in options["agents"]},
        "channels": {c.pk: c.display_name for c in options["channels"]},
        "labels": {x.pk: x.report_name for x in options["labels"]},
    }


def label_name(label, channels) -> str:
    """A page's label carries the page's name: two pages may each have "Đã chốt"."""
    if label.channel_account_id is None:
        return label.name
    page = next((c.display_name for c in channels if c.pk == label.channel_account_id), "")
    return f"{label.name} · {page}" if page else label.name


def table_rows(
    name: str, filters: ReportFilters, meta: dict, options: dict, scope: Scope, read=None
):
    """(columns, rows) of one of the report's tables, for the page and the exports. `read`:
    figures by grouping the caller already has ({AGENT: …, CHANNEL: …, bucket: …})."""
    known, read = names(options), read or {}
    if name == "agents" and scope.team:
        rows = tables.agent_table(filters, known["agents"], read.get(AGENT))
        return tables.agent_columns(), rows
    if name == "channels":
        rows = tables.channel_table(filters, known["channels"], read.get(CHANNEL))
        return tables.channel_columns(), rows
    if name == "labels" and scope.team:
        return tables.label_columns(), tables.label_table(filters, known["labels"])
    if name == "trend":
        starts = buckets(filters.period, meta["bucket"])
        rows = tables.trend_table(filters, meta["bucket"], starts, read.get(meta["bucket"]))
        return tables.trend_columns(), rows
    return None


def export_table(*, workspace, membership, request_get, table: str):
    """(file name, columns, rows) of one table for an export; None for a table this member
    may not have (an agent asking for the team's)."""
    scope = scope_of(membership)
    options = choices(workspace)
    filters, meta = query_of(request_get, workspace=workspace, scope=scope, options=options)
    found = table_rows(table, filters, meta, options, scope)
    if found is None:
        return None
    name = f"{workspace.slug}-{table}-{filters.period.start}-{filters.period.end}"
    return (name, *found)


def formatted(columns, rows) -> list[list[str]]:
    return [[display.FORMATS[c.kind](row[c.key]) for c in columns] for row in rows]


def overview(*, workspace, membership, request_get, now: datetime.datetime | None = None) -> dict:
    scope = scope_of(membership)
    options = choices(workspace)
    filters, meta = query_of(request_get, workspace=workspace, scope=scope, options=options)
    # The groupings of the tables are read together, and the period's total is the sum of
    # its channels (a conversation has one channel).
    groups = (CHANNEL, meta["bucket"], *((AGENT,) if scope.team else ()))
    read = figures_many(filters, groups)
    current = figures_sum(read[CHANNEL].values(), business_hours=filters.business_hours)
    before = figures_total(filters.for_period(filters.period.previous()))
    sections = {}
    for name in ("agents", "channels", "labels", "trend"):
        found = table_rows(name, filters, meta, options, scope, read)
        if found:
            columns, rows = found
            sections[name] = {"columns": columns, "rows": formatted(columns, rows), "raw": rows}
    context = {
        "scope": scope, "filters": filters, "meta": meta, "options": options,
        "cards": [card for card in kpi_cards(current, before)
                  if scope.team or card["key"] not in TEAM_ONLY_CARDS], "previous": filters.period.previous(),
        "sections": sections, "charts": trend_charts(sections["trend"]["raw"]),
    }  # fmt: skip
    context["empty"] = not (current.inbound or current.replies or current.conversations)
    context["range_choices"] = range_choices()
    context["bucket_choices"] = [(DAY, _("Day")), (WEEK, _("Week")), (MONTH, _("Month"))]
    context["query"] = request_get.urlencode()
    if scope.team:
        context["heatmap"] = heatmap_rows(heatmap(filters))
        live = live_now(workspace=workspace, channel_ids=filters.channel_ids, now=now)
        context["live"] = live
        context["longest_wait"] = display.duration(live.longest_wait_seconds)
        for row in live.agents:
            row.state_label = STATE_LABELS.get(row.state, row.state)
    return context


STATE_LABELS = {
    "online": _("online"), "idle": _("idle"), "away": _("away"), "offline": _("offline"),
}  # fmt: skip


def range_choices() -> list[tuple[str, str]]:
    return [
        (TODAY, _("Today")), (LAST_7, _("7 days")), (LAST_30, _("30 days")),
        (THIS_MONTH, _("This month")), (LAST_MONTH, _("Last month")), (CUSTOM, _("Custom")),
    ]  # fmt: skip
