"""Every figure of the scripted conversation, through the database: derived by the backfill,
rolled up, and read back by the page's selectors."""

import datetime

import pytest
from django.db.models import F

from conversations.models import Conversation, ConversationLabel, Label, Message, Order
from reports.models import DailyRollup, ReportFact
from reports.periods import Period
from reports.selectors.figures import (
    AGENT,
    CHANNEL,
    ReportFilters,
    figures_by,
    figures_many,
    figures_total,
    heatmap,
    label_rows,
)
from reports.services.backfill import reports_backfill
from routing.models import AssignmentChange
from tests.factories import make_channel_account, make_conversation
from tests.reports import timeline as t
from tests.reports.conftest import write_timeline

pytestmark = pytest.mark.django_db
MARCH = Period("custom", datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def scripted(workspace_a, page_a, agents):
    conversation = write_timeline(page_a, agents)
    reports_backfill(workspace_ids=[workspace_a.pk])
    return conversation


def filters(workspace, **extra):
    return ReportFilters(workspace_id=workspace.pk, period=extra.pop("period", MARCH), **extra)


def test_totals_of_the_scripted_conversation(workspace_a, scripted):
    total = figures_total(filters(workspace_a))
    c = total.counters
    assert (c["inbound"], c["replies"], c["claims"], c["transfers_in"], c["releases"]) == (
        5,
        4,
        2,
        1,
        1,
    )
    assert (c["orders"], c["revenue_vnd"], c["returned_orders"], c["returned_vnd"]) == (
        1,
        500_000,
        1,
        200_000,
    )
    assert (c["conversations"], c["new_customers"], c["returning_customers"]) == (2, 1, 1)
    assert total.handled_conversations == 1 and total.closed_conversations == 1
    assert total.close_rate == 1.0
    assert total.average_order_vnd == 500_000
    # first responses: 10 h 30 min and 5 min; every response: those and 20 and 30 min
    assert total.first_response_seconds_avg == (37_800 + 300) // 2
    assert total.response_seconds_avg == (37_800 + 1_200 + 1_800 + 300) // 4


def test_business_hours_toggle_counts_only_open_time(workspace_a, scripted):
    total = figures_total(filters(workspace_a, business_hours=True))
    assert total.first_response_seconds_avg == (1_800 + 300) // 2  # the night did not count
    assert total.response_seconds_avg == (1_800 + 1_200 + 1_800 + 300) // 4


def test_per_agent(workspace_a, scripted, agents):
    by = figures_by(filters(workspace_a), AGENT)
    lan, minh, hung = (by.get(agents[k].pk) for k in (t.LAN, t.MINH, t.HUNG))
    assert (lan.handled_conversations, lan.replies, lan.claims, lan.transfers_out) == (1, 2, 1, 1)
    assert (minh.handled_conversations, minh.transfers_in, minh.releases, minh.replies) == (
        0,
        1,
        1,
        0,
    )
    assert (hung.handled_conversations, hung.replies, hung.claims, hung.orders) == (1, 2, 1, 1)
    # the sale counts for every agent who handled the conversation in the period
    assert lan.close_rate == hung.close_rate == 1.0
    assert minh.close_rate is None  # handled nothing: no rate rather than 0 %


def test_per_day_handled_and_closed(workspace_a, scripted):
    days = figures_by(filters(workspace_a), "day")
    monday, tuesday, wednesday = (days[datetime.date(2026, 3, d)] for d in (2, 3, 4))
    assert (monday.handled_conversations, monday.inbound) == (1, 1)
    assert (tuesday.handled_conversations, tuesday.inbound, tuesday.orders) == (1, 3, 1)
    assert (wednesday.returned_orders, wednesday.orders) == (1, 0)
    # each bar is the report of its own day: the sale came on Tuesday
    assert [d.closed_conversations for d in (monday, tuesday, wednesday)] == [0, 1, 0]
    one_day = filters(
        workspace_a, period=Period("custom", datetime.date(2026, 3, 4), datetime.date(2026, 3, 4))
    )
    # on Wednesday alone the only order was returned: handled, but not closed with a sale
    assert figures_total(one_day).close_rate == 0.0


def test_heatmap_by_local_weekday_and_hour(workspace_a, page_a, scripted, agents):
    other_page = make_channel_account(workspace_a, "facebook", "1002", "Shop A page two")
    write_timeline(other_page, agents, psid="psid-elsewhere")
    reports_backfill(workspace_ids=[workspace_a.pk])
    grid = heatmap(filters(workspace_a, channel_ids=(page_a.pk,)))
    assert grid[0][21] == 1  # Monday 21:40
    assert grid[1][9] == 2 and grid[1][10] == 1  # Tuesday 09:00, 09:05, 10:00
    assert grid[2][14] == 1  # Wednesday 14:00
    assert sum(map(sum, grid)) == 5
    # every channel (its own hourly rollup): the same story twice
    assert heatmap(filters(workspace_a)) == [[2 * n for n in row] for row in grid]


def test_label_filter_and_label_table(workspace_a, page_a, scripted, alice):
    label = Label.objects.create(workspace=workspace_a, name="Đã chốt")
    ConversationLabel.objects.create(
        workspace=workspace_a, conversation=scripted, label=label, added_by=alice,
        added_at=t.at(3, 10, 41),
    )  # fmt: skip
    other = make_conversation(page_a, "psid-other", "Khách khác", at=t.at(5, 9))
    reports_backfill(workspace_ids=[workspace_a.pk])
    narrowed = figures_total(filters(workspace_a, label_id=label.pk))
    assert narrowed.counters["inbound"] == 5  # the other conversation has no label
    assert figures_total(filters(workspace_a)).counters["inbound"] == 6
    [row] = label_rows(filters(workspace_a))
    assert (row.label_id, row.uses, row.handled, row.closed, row.orders, row.revenue_vnd) == (
        label.pk, 1, 1, 1, 1, 500_000,
    )  # fmt: skip
    assert other.pk


def test_channel_filter_and_rows(workspace_a, page_a, scripted):
    by = figures_by(filters(workspace_a), CHANNEL)
    assert set(by) == {page_a.pk}
    assert (
        figures_total(filters(workspace_a, channel_ids=(page_a.pk + 999,))).counters["inbound"] == 0
    )


def test_backfill_twice_changes_nothing(workspace_a, scripted):
    facts = sorted(ReportFact.objects.values_list("key", "value", "day"))
    rollups = sorted(DailyRollup.objects.values_list("day", "agent_id", "inbound", "replies"))
    again = reports_backfill(workspace_ids=[workspace_a.pk])
    assert again["facts_written"] == 0 and again["days_rebuilt"] == 0
    assert sorted(ReportFact.objects.values_list("key", "value", "day")) == facts
    assert (
        sorted(DailyRollup.objects.values_list("day", "agent_id", "inbound", "replies")) == rollups
    )


def test_a_new_time_zone_applies_from_then_on_and_recompute_rewrites(workspace_a, scripted):
    workspace_a.time_zone = "Europe/Warsaw"
    workspace_a.save()
    reports_backfill(workspace_ids=[workspace_a.pk])
    first = ReportFact.objects.get(
        key=f"m:{Conversation.objects.get().messages.order_by('sent_at').first().pk}"
    )
    assert first.hour == 21  # written in Ho Chi Minh time, kept
    reports_backfill(workspace_ids=[workspace_a.pk], recompute=True)
    first.refresh_from_db()
    assert first.hour == 15  # rewritten in Warsaw time
    assert heatmap(filters(workspace_a))[0][15] == 1  # and the rollups followed


def test_another_workspace_sees_none_of_it(workspace_a, workspace_b, page_b, scripted):
    make_conversation(page_b, "psid-b-9", "Khách B", at=t.at(3, 9))
    reports_backfill()
    assert figures_total(filters(workspace_b)).counters["inbound"] == 1
    assert figures_total(filters(workspace_a)).counters["inbound"] == 5


def test_the_total_is_the_sum_of_the_channels(workspace_a, page_a, scripted, agents):
    from reports.selectors.figures import figures_sum
    from tests.factories import make_channel_account

    other_page = make_channel_account(workspace_a, "facebook", "1002", "Shop A outlet")
    write_timeline(other_page, agents, psid="psid-outlet")
    reports_backfill(workspace_ids=[workspace_a.pk])
    for business in (False, True):
        f = filters(workspace_a, business_hours=business)
        summed = figures_sum(figures_by(f, CHANNEL).values(), business_hours=business)
        total = figures_total(f)
        assert summed.counters == total.counters
        assert (summed.handled_conversations, summed.closed_conversations) == (2, 2)
        assert (total.handled_conversations, total.closed_conversations) == (2, 2)
        assert summed.response_seconds_avg == total.response_seconds_avg


def _counted(workspace, period, group, agent_ids=(), channel_ids=()):
    """(handled, closed) per group, counted straight from the handled facts: the definition
    the selectors' sums must agree with."""
    facts = ReportFact.objects.filter(
        workspace_id=workspace.pk, kind="handled", day__range=(period.start, period.end)
    )
    orders = ReportFact.objects.filter(
        workspace_id=workspace.pk, kind="order", day__range=(period.start, period.end)
    ).exclude(detail="returned")
    if agent_ids:
        facts = facts.filter(agent_id__in=agent_ids)
    if channel_ids:
        facts = facts.filter(channel_account_id__in=channel_ids)
        orders = orders.filter(channel_account_id__in=channel_ids)

    def bucket(day):  # a trend's bar is the report of its day, week or month
        if group == "day":
            return day
        if group == "week":
            return day - datetime.timedelta(days=day.weekday())
        if group == "month":
            return day.replace(day=1)
        return None

    sold = set(orders.values_list("conversation_id", "day"))
    sold = {(conversation, bucket(day)) for conversation, day in sold}
    out: dict = {}
    for row in facts.values("conversation_id", "agent_id", "channel_account_id", "day"):
        key = {"total": 0, AGENT: row["agent_id"], CHANNEL: row["channel_account_id"]}.get(group)
        if key is None:
            key = bucket(row["day"])
        handled, closed = out.setdefault(key, (set(), set()))
        handled.add(row["conversation_id"])
        if (row["conversation_id"], bucket(row["day"])) in sold:
            closed.add(row["conversation_id"])
    return {k: (len(h), len(c)) for k, (h, c) in out.items()}


def _later(conversation, days: int) -> None:
    """Move everything recorded about the conversation `days` later."""
    shift = F("created_at") + datetime.timedelta(days=days)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=shift)
    AssignmentChange.objects.filter(conversation=conversation).update(created_at=shift)
    Order.objects.filter(conversation=conversation).update(created_at=shift)
    Message.objects.filter(conversation=conversation).update(
        sent_at=F("sent_at") + datetime.timedelta(days=days)
    )


def test_handled_and_closed_sums_agree_with_counting_for_every_period(workspace_a, page_a, agents):
    """Three conversations handled over several days by several agents, on two pages: for
    every period of the first week of March, every grouping and filter, the counts built from
    the rollups and the previous handled days equal the distinct counts over the facts."""
    other_page = make_channel_account(workspace_a, "facebook", "1002", "Shop A page two")
    write_timeline(page_a, agents, psid="psid-one")
    _later(write_timeline(page_a, agents, psid="psid-two"), days=2)
    _later(write_timeline(other_page, agents, psid="psid-three"), days=4)
    reports_backfill(workspace_ids=[workspace_a.pk])
    days = [datetime.date(2026, 3, day) for day in range(1, 9)]
    lan, hung = agents[t.LAN].pk, agents[t.HUNG].pk
    checked = 0
    for i, start in enumerate(days):
        for end in days[i::2]:  # every other end: 20 periods, odd lengths only
            period = Period("custom", start, end)
            for extra in ({}, {"agent_ids": (lan,)}, {"agent_ids": (hung,)},
                          {"channel_ids": (other_page.pk,)}):  # fmt: skip
                chosen = filters(workspace_a, period=period, **extra)
                groups = ("total", AGENT, CHANNEL, "day", "week", "month")
                together = figures_many(chosen, groups)  # the page's one pass for several
                for group in groups:
                    expected = _counted(workspace_a, period, group, **extra)
                    for found in (figures_by(chosen, group), together[group]):
                        got = {k: (f.handled_conversations, f.closed_conversations)
                               for k, f in found.items() if f.handled_conversations}  # fmt: skip
                        assert got == expected, (period, extra, group)
                    checked += 1
    assert checked == 20 * 4 * 6


def test_a_conversation_handled_again_after_its_order_or_labelled_later_is_counted(
    workspace_a, page_a, scripted, agents, alice
):
    """What handled and order facts carry about their conversation (the days it was handled,
    its labels) is rewritten when it changes: a period holding only the later work sees the
    sale, and the label table sees the label put on afterwards."""
    later = Period("custom", datetime.date(2026, 3, 9), datetime.date(2026, 3, 9))
    Message.objects.create(
        workspace=workspace_a, conversation=scripted, channel_account=page_a, direction="out",
        text="cảm ơn chị", sent_at=t.at(9, 9, 0), author=agents[t.MINH],
    )  # fmt: skip
    Order.objects.create(
        workspace=workspace_a, customer=scripted.customer, conversation=scripted,
        amount_vnd=90_000, status="closed", created_by=agents[t.MINH], created_at=t.at(9, 9, 5),
    )  # fmt: skip
    label = Label.objects.create(workspace=workspace_a, name="Khách quen")
    ConversationLabel.objects.create(
        workspace=workspace_a, conversation=scripted, label=label, added_by=alice,
        added_at=t.at(9, 9, 6),
    )  # fmt: skip
    reports_backfill(workspace_ids=[workspace_a.pk])
    day = figures_total(filters(workspace_a, period=later))
    assert (day.handled_conversations, day.closed_conversations) == (1, 1)
    march = figures_total(filters(workspace_a))
    assert (march.handled_conversations, march.closed_conversations) == (1, 1)
    [row] = label_rows(filters(workspace_a))
    assert (row.label_id, row.uses, row.handled, row.closed, row.orders, row.revenue_vnd) == (
        label.pk, 1, 1, 1, 2, 590_000,
    )  # fmt: skip
    # the sale is returned: the spans it made are gone, and the 9th is no longer closed
    Order.objects.filter(amount_vnd=90_000).update(status="returned")
    reports_backfill(workspace_ids=[workspace_a.pk])
    assert figures_total(filters(workspace_a, period=later)).closed_conversations == 0
    ninth = datetime.date(2026, 3, 9)
    assert not ReportFact.objects.filter(kind__startswith="closing", span_start=ninth)
    # what is left for Minh: his reply on the 9th back to the sale on the 3rd
    assert list(
        ReportFact.objects.filter(kind="closing_agent", agent_id=agents[t.MINH].pk).values_list(
            "span_start", "day"
        )
    ) == [(datetime.date(2026, 3, 3), ninth)]
    o1 = ReportFact.objects.get(kind="order", key__startswith="o:", value=500_000)
    assert o1.labels == [label.pk]
    # Minh's reply on the 9th next to that day's sale: a closing span of his own
    assert ReportFact.objects.filter(
        kind="closing_agent", agent_id=agents[t.MINH].pk, day=datetime.date(2026, 3, 9)
    ).exists()
