"""The facts of the scripted conversation (tests/reports/timeline.py), worked out by hand."""

import datetime

from accounts.business_hours import BusinessHours
from reports import derivation as d
from tests.reports.timeline import CHANGES, HUNG, LAN, MESSAGES, MINH, ORDERS, at

SHOP = BusinessHours(
    days=frozenset(range(6)), start=datetime.time(8), end=datetime.time(22), zone="Asia/Ho_Chi_Minh"
)
CONVERSATION = d.ConversationInput(
    id=7, workspace_id=1, channel_account_id=3, customer_id=5, created_at=at(2, 21, 40),
    is_returning=False,
)  # fmt: skip


def facts(hours=SHOP, conversation=CONVERSATION, messages=MESSAGES):
    return d.conversation_facts(
        conversation, messages=messages, changes=CHANGES, orders=ORDERS, labels=[], hours=hours
    )


def by_key(found):
    return {f.key: f for f in found}


def test_replies_carry_their_response_times_wall_and_open():
    replies = {f.key: (f.agent_id, f.value, f.value_business, f.first)
               for f in facts() if f.kind == "reply"}  # fmt: skip
    assert replies == {
        "m:2": (LAN, 10 * 3600 + 30 * 60, 30 * 60, True),  # across midnight: 20 + 10 open min
        "m:5": (LAN, 20 * 60, 20 * 60, False),  # from 09:00, the oldest unanswered message
        "m:8": (HUNG, 30 * 60, 30 * 60, False),  # the automated message answered nothing
        "m:10": (HUNG, 5 * 60, 5 * 60, True),  # the reopened conversation's first response
    }


def test_customer_messages_count_for_who_held_the_conversation():
    inbound = {f.key: f.agent_id for f in facts() if f.kind == "inbound"}
    assert inbound == {"m:1": None, "m:3": LAN, "m:4": LAN, "m:6": MINH, "m:9": HUNG}


def test_owner_changes_claims_transfers_and_the_anti_steal_release():
    kinds = sorted((f.kind, f.agent_id) for f in facts()
                   if f.kind in ("claim", "transfer_in", "transfer_out", "release"))  # fmt: skip
    assert kinds == [
        ("claim", LAN), ("claim", HUNG), ("release", MINH), ("transfer_in", MINH),
        ("transfer_out", LAN),
    ]  # fmt: skip


def test_handled_is_one_fact_per_agent_and_local_day():
    handled = sorted((f.agent_id, f.day.isoformat()) for f in facts() if f.kind == "handled")
    # Lan: claimed Monday, replied Tuesday; Minh never claimed nor replied; Hùng Tuesday and
    # Wednesday.
    assert handled == [
        (LAN, "2026-03-02"), (LAN, "2026-03-03"), (HUNG, "2026-03-03"), (HUNG, "2026-03-04"),
    ]  # fmt: skip


def test_handled_facts_know_the_previous_handled_days_and_the_first_of_the_day():
    mon, tue, wed = (datetime.date(2026, 3, day) for day in (2, 3, 4))
    handled = {(f.agent_id, f.day): (f.first, f.prev_day, f.prev_day_agent)
               for f in facts() if f.kind == "handled"}  # fmt: skip
    assert handled == {
        (LAN, mon): (True, None, None),  # never handled before
        (LAN, tue): (True, mon, mon),  # Lan's reply at 08:10 is Tuesday's first
        (HUNG, tue): (False, mon, None),  # Hùng's claim at 10:20 is not; his first time
        (HUNG, wed): (True, tue, tue),
    }


def test_closing_spans_of_the_conversation_and_of_each_agent():
    tue = datetime.date(2026, 3, 3)
    spans = sorted((f.kind, f.agent_id, f.span_start, f.day, f.prev_day)
                   for f in facts() if f.kind.startswith("closing"))  # fmt: skip
    # handled Monday to Wednesday, one sale on Tuesday (Wednesday's order was returned):
    # Tuesday is both, for the conversation, for Lan and for Hùng; Minh never handled it
    assert spans == [
        ("closing", None, tue, tue, None),
        ("closing_agent", LAN, tue, tue, None),
        ("closing_agent", HUNG, tue, tue, None),
    ]


def test_conversations_orders_and_the_returning_customer():
    found = by_key(facts())
    assert (found["c:7"].detail, found["c:7"].conversation_kind) == ("new", "inbox")
    assert found["c:7:r6"].detail == "returning"
    assert (found["o:1"].value, found["o:1"].detail, found["o:1"].agent_id) == (
        500_000,
        "closed",
        HUNG,
    )
    assert found["o:2"].detail == "returned"


def test_local_day_and_hour_follow_the_workspace_zone():
    found = by_key(facts())
    assert (found["m:1"].day.isoformat(), found["m:1"].hour) == ("2026-03-02", 21)
    warsaw = BusinessHours(SHOP.days, SHOP.start, SHOP.end, zone="Europe/Warsaw")
    # Mon 21:40 in Ho Chi Minh City is Mon 15:40 in Warsaw (UTC+1 in March).
    there = by_key(facts(hours=warsaw))
    assert (there["m:1"].day.isoformat(), there["m:1"].hour) == ("2026-03-02", 15)
    # In Warsaw the wait runs 15:40 Monday -> 02:10 Tuesday: 6 h 20 min open on Monday.
    assert there["m:2"].value_business == 6 * 3600 + 20 * 60
    assert there["m:2"].value == found["m:2"].value


def test_a_comment_conversation_is_counted_as_one():
    comment = [d.MessageInput(1, "in", "comment", None, False, at(2, 9)),
               d.MessageInput(2, "out", "comment", HUNG, False, at(2, 9, 3))]  # fmt: skip
    returning = d.ConversationInput(8, 1, 3, 5, at(2, 9), True)
    found = by_key(facts(conversation=returning, messages=comment))
    assert (found["c:8"].conversation_kind, found["c:8"].detail) == ("comment", "returning")
    assert (found["m:2"].value, found["m:2"].first) == (180, True)


def test_deriving_twice_gives_the_same_facts():
    assert facts() == facts()
