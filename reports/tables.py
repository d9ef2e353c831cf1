"""The report's tables, defined once for the page and for the CSV / XLSX exports: their
columns (what, how it is formatted) and their rows as raw values."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from reports.periods import DAY
from reports.selectors.figures import AGENT, CHANNEL, Figures, ReportFilters, figures_by, label_rows


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "int"  # int, pct, vnd, duration, text
    help: str = ""


def _figure_columns() -> list[Column]:
    return [
        Column("handled_conversations", _("Handled")),
        Column("closed_conversations", _("Closed with a sale")),
        Column("close_rate", _("Close rate"), "pct"),
        Column("orders", _("Orders")),
        Column("revenue_vnd", _("Revenue"), "vnd"),
        Column("returned_orders", _("Returned")),
        Column("first_response_seconds_avg", _("First response"), "duration"),
        Column("response_seconds_avg", _("Average response"), "duration"),
    ]


def agent_columns() -> list[Column]:
    return [
        Column("name", _("Agent"), "text"),
        *_figure_columns(),
        Column("replies", _("Messages sent")),
        Column("reply_share", _("Share of replies"), "pct"),
        Column("claims", _("Claims")),
        Column("transfers_in", _("Transfers in")),
        Column("transfers_out", _("Transfers out")),
        Column("releases", _("Anti-steal releases")),
    ]


def channel_columns() -> list[Column]:
    return [
        Column("name", _("Channel"), "text"),
        Column("conversations", _("Conversations")),
        Column("new_customers", _("New customers")),
        Column("returning_customers", _("Returning customers")),
        Column("comment_conversations", _("From comments")),
        Column("inbound", _("Customer messages")),
        Column("phones", _("Phones captured")),
        *_figure_columns(),
    ]


def label_columns() -> list[Column]:
    return [
        Column("name", _("Label"), "text"),
        Column("uses", _("Times added")),
        Column("handled", _("Handled")),
        Column("closed", _("Closed with a sale")),
        Column("close_rate", _("Close rate"), "pct"),
        Column("orders", _("Orders")),
        Column("revenue_vnd", _("Revenue"), "vnd"),
    ]


def trend_columns() -> list[Column]:
    return [
        Column("name", _("Period"), "text"),
        Column("conversations", _("Conversations")),
        Column("inbound", _("Customer messages")),
        *_figure_columns(),
    ]


def _value(figures: Figures, key: str):
    if key in figures.counters:
        return figures.counters[key]
    return getattr(figures, key)


def figure_rows(by: dict, names: dict, columns: list[Column]) -> list[dict]:
    rows = []
    for key, figures in by.items():
        if key in names:
            name = names[key]
        elif key == 0:  # facts of nobody: an unclaimed customer's messages
            name = str(_("(nobody)"))
        else:  # an agent who has left the workspace since
            name = str(_("(former member #%(id)s)") % {"id": key})
        row = {"name": name}
        row.update({c.key: _value(figures, c.key) for c in columns if c.key != "name"})
        rows.append(row)
    return rows


def agent_table(filters: ReportFilters, names: dict, by: dict | None = None) -> list[dict]:
    """`by`, here and below: the figures when the caller already has them."""
    by = figures_by(filters, AGENT) if by is None else by
    by = {k: v for k, v in by.items() if k != 0}
    columns = [c for c in agent_columns() if c.key != "reply_share"]
    rows = figure_rows(by, names, columns)
    replies = sum(row["replies"] for row in rows)
    for row in rows:  # each agent's part of the team's replies in the period
        row["reply_share"] = row["replies"] / replies if replies else None
    return sorted(rows, key=lambda r: (-r["handled_conversations"], r["name"]))


def channel_table(filters: ReportFilters, names: dict, by: dict | None = None) -> list[dict]:
    by = figures_by(filters, CHANNEL) if by is None else by
    rows = figure_rows(by, names, channel_columns())
    return sorted(rows, key=lambda r: (-r["conversations"], r["name"]))


def label_table(filters: ReportFilters, names: dict) -> list[dict]:
    return [
        {
            "name": names.get(row.label_id, str(row.label_id)), "uses": row.uses,
            "handled": row.handled, "closed": row.closed, "close_rate": row.close_rate,
            "orders": row.orders, "revenue_vnd": row.revenue_vnd,
        }
        for row in label_rows(filters)
    ]  # fmt: skip


def trend_table(
    filters: ReportFilters, bucket: str, starts: list, by: dict | None = None
) -> list[dict]:
    by = figures_by(filters, bucket) if by is None else by
    empty = Figures(business_hours=filters.business_hours)
    names = {day: day.strftime("%d/%m" if bucket == DAY else "%d/%m/%Y") for day in starts}
    if bucket == "month":
        names = {day: day.strftime("%m/%Y") for day in starts}
    rows = figure_rows({day: by.get(day, empty) for day in starts}, names, trend_columns())
    for row, day in zip(rows, starts, strict=True):
        row["day"] = day
    return rows
