"""Each additive figure as one SQL aggregate over `reports_reportfact`: the one definition
the rollups are built with and the label-filtered reports read directly. The names are
`RollupCounters`' columns."""

RETURNED = "returned"

COUNTERS: dict[str, str] = {
    "inbound": "count(*) FILTER (WHERE kind = 'inbound')",
    "replies": "count(*) FILTER (WHERE kind = 'reply')",
    "responses": "count(*) FILTER (WHERE kind = 'reply' AND value IS NOT NULL)",
    "response_seconds": "coalesce(sum(value) FILTER (WHERE kind = 'reply'), 0)",
    "response_business_seconds": "coalesce(sum(value_business) FILTER (WHERE kind = 'reply'), 0)",
    "first_responses": "count(*) FILTER (WHERE kind = 'reply' AND first)",
    "first_response_seconds": "coalesce(sum(value) FILTER (WHERE kind = 'reply' AND first), 0)",
    "first_response_business_seconds": (
        "coalesce(sum(value_business) FILTER (WHERE kind = 'reply' AND first), 0)"
    ),
    "claims": "count(*) FILTER (WHERE kind = 'claim')",
    "transfers_in": "count(*) FILTER (WHERE kind = 'transfer_in')",
    "transfers_out": "count(*) FILTER (WHERE kind = 'transfer_out')",
    "releases": "count(*) FILTER (WHERE kind = 'release')",
    "orders": f"count(*) FILTER (WHERE kind = 'order' AND detail <> '{RETURNED}')",
    "revenue_vnd": f"coalesce(sum(value) FILTER (WHERE kind = 'order' AND detail <> '{RETURNED}'), 0)",
    "returned_orders": f"count(*) FILTER (WHERE kind = 'order' AND detail = '{RETURNED}')",
    "returned_vnd": f"coalesce(sum(value) FILTER (WHERE kind = 'order' AND detail = '{RETURNED}'), 0)",
    "conversations": "count(*) FILTER (WHERE kind = 'conversation')",
    "new_customers": "count(*) FILTER (WHERE kind = 'conversation' AND detail = 'new')",
    "returning_customers": "count(*) FILTER (WHERE kind = 'conversation' AND detail = 'returning')",
    "inbox_conversations": (
        "count(*) FILTER (WHERE kind = 'conversation' AND conversation_kind = 'inbox')"
    ),
    "comment_conversations": (
        "count(*) FILTER (WHERE kind = 'conversation' AND conversation_kind = 'comment')"
    ),
    "phones": "count(*) FILTER (WHERE kind = 'phone')",
    "labels": "count(*) FILTER (WHERE kind = 'label')",
    "handled": "count(*) FILTER (WHERE kind = 'handled')",
    "handled_day": "count(*) FILTER (WHERE kind = 'handled' AND first)",
    "handled_new": "count(*) FILTER (WHERE kind = 'handled' AND first AND prev_day IS NULL)",
    "handled_new_agent": "count(*) FILTER (WHERE kind = 'handled' AND prev_day_agent IS NULL)",
    "closed_new": "count(*) FILTER (WHERE kind = 'closing' AND prev_day IS NULL)",
    "closed_new_agent": "count(*) FILTER (WHERE kind = 'closing_agent' AND prev_day IS NULL)",
}
NAMES = tuple(COUNTERS)
