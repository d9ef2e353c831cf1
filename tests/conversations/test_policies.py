"""The reply-window rule table (PO1–PO5), as a table. Pure: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from conversations import policies
from conversations.policies import Phase

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

# kind, time since the customer's last message (None: never wrote), automated, confirmed,
# purpose -> allowed, messaging_type, tag, refusal code
TABLE = [
    # PO1: inside 24 h anything goes, as RESPONSE
    ("facebook", 1 * H, False, False, None, True, "RESPONSE", "", ""),
    ("facebook", 23.9 * H, True, False, None, True, "RESPONSE", "", ""),
    ("facebook", 2 * H, False, True, None, True, "RESPONSE", "", ""),  # never HUMAN_AGENT < 24 h
    ("facebook", 2 * H, False, False, "order_update", True, "RESPONSE", "", ""),
    ("instagram", 5 * H, True, False, None, True, "RESPONSE", "", ""),
    # PO2: 24 h – 7 days, human + confirmed -> HUMAN_AGENT
    ("facebook", 24 * H, False, True, None, True, "MESSAGE_TAG", "HUMAN_AGENT", ""),
    ("facebook", 6.9 * D, False, True, None, True, "MESSAGE_TAG", "HUMAN_AGENT", ""),
    ("instagram", 3 * D, False, True, None, True, "MESSAGE_TAG", "HUMAN_AGENT", ""),
    ("facebook", 2 * D, False, False, None, False, "", "", "needs_confirmation"),
    ("instagram", 2 * D, False, False, None, False, "", "", "needs_confirmation"),
    # automation never uses HUMAN_AGENT, even "confirmed"
    ("facebook", 2 * D, True, True, None, False, "", "", "automation_outside_window"),
    ("instagram", 2 * D, True, False, None, False, "", "", "automation_outside_window"),
    # an essential notification may go out as a Utility Message past 24 h (Messenger only)
    ("facebook", 2 * D, True, False, "order_update", True, "UTILITY", "", ""),
    ("instagram", 2 * D, False, False, "order_update", False, "", "", "needs_confirmation"),
    # PO3: after 7 days only essential notifications, as Utility Message templates
    ("facebook", 7 * D, False, True, None, False, "", "", "window_closed"),
    ("facebook", 30 * D, False, False, "event_update", True, "UTILITY", "", ""),
    ("facebook", 30 * D, True, False, "account_update", True, "UTILITY", "", ""),
    ("facebook", 8 * D, False, False, "order_update", True, "UTILITY", "", ""),
    ("facebook", 8 * D, False, False, "promotion", False, "", "", "purpose"),
    ("facebook", None, False, True, None, False, "", "", "window_closed"),
    ("instagram", 8 * D, False, True, None, False, "", "", "window_closed"),
    ("instagram", 8 * D, False, False, "order_update", False, "", "", "window_closed"),
    # PO4: other channels declare their own window
    ("zalo", 47 * H, True, False, None, True, "", "", ""),
    ("zalo", 49 * H, False, True, None, False, "", "", "window_closed"),
    ("shopee", 400 * D, True, False, None, True, "", "", ""),
    ("email", None, False, False, None, True, "", "", ""),
]


@pytest.mark.parametrize(
    "kind,elapsed,automated,confirmed,purpose,allowed,messaging_type,tag,code", TABLE
)
def test_rule_table(
    kind, elapsed, automated, confirmed, purpose, allowed, messaging_type, tag, code
):
    last = None if elapsed is None else NOW - elapsed
    decision = policies.send_decision(
        kind=kind,
        last_inbound_at=last,
        now=NOW,
        automated=automated,
        confirmed=confirmed,
        purpose=purpose,
    )
    assert (decision.allowed, decision.messaging_type, decision.tag, decision.code) == (
        allowed,
        messaging_type,
        tag,
        code,
    )
    if not allowed:
        assert str(decision.reason)
    if messaging_type == "UTILITY":
        assert decision.policy_tag == f"UTILITY:{purpose}"
        assert decision.is_tagged
    if tag == "HUMAN_AGENT":
        assert decision.policy_tag == "HUMAN_AGENT" and decision.is_tagged


def test_deprecated_tags_are_nowhere_in_the_table():
    text = repr(policies.RULES)
    for tag in ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"):
        assert tag not in text


@pytest.mark.parametrize(
    "hours,elapsed,allowed",
    [(72, 60 * H, True), (72, 73 * H, False), (12, 13 * H, False), ("bad", 47 * H, True)],
)
def test_zalo_window_is_a_per_channel_setting(hours, elapsed, allowed):
    decision = policies.send_decision(
        kind="zalo",
        last_inbound_at=NOW - elapsed,
        now=NOW,
        channel_settings={"reply_window_hours": hours},
    )
    assert decision.allowed is allowed


@pytest.mark.parametrize(
    "kind,elapsed,phase,left,confirm,purposes",
    [
        ("facebook", 1 * H, Phase.OPEN, 23 * 3600, False, 0),
        ("facebook", 2 * D, Phase.HUMAN_AGENT, 5 * 86400, True, 3),
        ("facebook", 9 * D, Phase.CLOSED, None, False, 3),
        ("instagram", 9 * D, Phase.CLOSED, None, False, 0),
        ("instagram", 2 * D, Phase.HUMAN_AGENT, 5 * 86400, True, 0),
        ("email", 9 * D, Phase.UNLIMITED, None, False, 0),
        ("zalo", 1 * H, Phase.OPEN, 47 * 3600, False, 0),
    ],
)
def test_window_state_for_the_composer(kind, elapsed, phase, left, confirm, purposes):
    state = policies.window_state(kind=kind, last_inbound_at=NOW - elapsed, now=NOW)
    assert (state.phase, state.seconds_left, state.needs_confirmation, len(state.purposes)) == (
        phase,
        left,
        confirm,
        purposes,
    )
    assert bool(state.warning) == (phase in {Phase.HUMAN_AGENT, Phase.CLOSED})


@pytest.mark.parametrize(
    "age,already,refused",
    [
        (timedelta(days=6, hours=23), False, False),
        (timedelta(days=7), False, True),
        (timedelta(hours=1), True, True),
    ],
)
def test_private_reply_once_within_7_days(age, already, refused):
    reason = policies.private_reply_refusal(
        comment_created_at=NOW - age, already_replied=already, now=NOW
    )
    assert bool(reason) is refused
