"""The reply-window rule table, as a table. Pure: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from conversations import policies
from conversations.policies import Phase, Purpose, Verdict

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

STD, HUMAN, NOTE = Purpose.STANDARD, Purpose.HUMAN_AGENT, Purpose.NOTIFICATION
COMMENTED = {"commented": True}  # the customer commented on one of the page's posts
NO_SENDER = {"can_send": False}  # the channel's provider has no sending adapter

# kind, time since the customer's last message (None: never wrote), automated, confirmed,
# purpose -> allowed, the neutral send purpose, refusal code[, other facts]
TABLE = [
    # inside 24 h anything goes, as a standard reply
    ("facebook", 1 * H, False, False, None, True, STD, ""),
    ("facebook", 23.9 * H, True, False, None, True, STD, ""),
    ("facebook", 2 * H, False, True, None, True, STD, ""),  # never HUMAN_AGENT < 24 h
    ("facebook", 2 * H, False, False, "order_update", True, STD, ""),
    ("instagram", 5 * H, True, False, None, True, STD, ""),
    # 24 h – 7 days, human + confirmed -> the extended (human_agent) purpose
    ("facebook", 24 * H, False, True, None, True, HUMAN, ""),
    ("facebook", 6.9 * D, False, True, None, True, HUMAN, ""),
    ("instagram", 3 * D, False, True, None, True, HUMAN, ""),
    ("facebook", 2 * D, False, False, None, False, STD, "needs_confirmation"),
    ("instagram", 2 * D, False, False, None, False, STD, "needs_confirmation"),
    # automation never uses HUMAN_AGENT, even "confirmed"
    ("facebook", 2 * D, True, True, None, False, STD, "automation_outside_window"),
    ("instagram", 2 * D, True, False, None, False, STD, "automation_outside_window"),
    # an essential notification may go out as a Utility Message past 24 h (Messenger only)
    ("facebook", 2 * D, True, False, "order_update", True, NOTE, ""),
    ("instagram", 2 * D, False, False, "order_update", False, STD, "needs_confirmation"),
    # after 7 days only essential notifications, as Utility Message templates
    ("facebook", 7 * D, False, True, None, False, STD, "window_closed"),
    ("facebook", 30 * D, False, False, "event_update", True, NOTE, ""),
    ("facebook", 30 * D, True, False, "account_update", True, NOTE, ""),
    ("facebook", 8 * D, False, False, "order_update", True, NOTE, ""),
    ("facebook", 8 * D, False, False, "promotion", False, STD, "purpose"),
    ("facebook", None, False, True, None, False, STD, "window_closed"),
    ("instagram", 8 * D, False, True, None, False, STD, "window_closed"),
    ("instagram", 8 * D, False, False, "order_update", False, STD, "window_closed"),
    # other channels declare their own window
    ("zalo", 47 * H, True, False, None, True, STD, ""),
    ("zalo", 49 * H, False, True, None, False, STD, "window_closed"),
    ("shopee", 400 * D, True, False, None, True, STD, ""),
    ("email", None, False, False, None, True, STD, ""),
    # A commenter who never wrote in Messenger has no Messenger window: no reply, no tag, no
    # essential notification (public / private replies to the comment instead).
    ("facebook", None, False, False, None, False, STD, "comment_only", COMMENTED),
    ("facebook", None, False, True, None, False, STD, "comment_only", COMMENTED),
    ("facebook", None, False, False, "order_update", False, STD, "comment_only", COMMENTED),
    ("facebook", None, True, False, "event_update", False, STD, "comment_only", COMMENTED),
    ("instagram", None, False, True, None, False, STD, "comment_only", COMMENTED),
    # … until they write in Messenger: then their messages' window applies as usual.
    ("facebook", 2 * H, False, False, None, True, STD, "", COMMENTED),
    ("facebook", 2 * D, False, True, None, True, HUMAN, "", COMMENTED),
    ("facebook", 10 * D, False, False, "order_update", True, NOTE, "", COMMENTED),
    # Off Meta a comment opens nothing either.
    ("zalo", None, False, False, None, False, STD, "window_closed", COMMENTED),
    # A channel whose provider has no sending adapter refuses everything, window or not.
    ("zalo", 1 * H, False, False, None, False, STD, "no_sending", NO_SENDER),
    ("shopee", 400 * D, True, False, None, False, STD, "no_sending", NO_SENDER),
    ("email", None, False, False, None, False, STD, "no_sending", NO_SENDER),
    ("facebook", 1 * H, False, False, None, False, STD, "no_sending", NO_SENDER),
    ("facebook", None, False, False, None, False, STD, "no_sending",
     {**NO_SENDER, **COMMENTED}),
]  # fmt: skip


@pytest.mark.parametrize(
    "kind,elapsed,automated,confirmed,purpose,allowed,send_purpose,code,facts",
    [row if len(row) == 9 else (*row, {}) for row in TABLE],
)
def test_rule_table(
    kind, elapsed, automated, confirmed, purpose, allowed, send_purpose, code, facts
):
    last = None if elapsed is None else NOW - elapsed
    decision = policies.send_decision(
        kind=kind,
        last_inbound_at=last,
        now=NOW,
        automated=automated,
        confirmed=confirmed,
        purpose=purpose,
        **facts,
    )
    assert (decision.allowed, decision.purpose, decision.code) == (allowed, send_purpose, code)
    if not allowed:
        assert str(decision.reason)
    if code == "no_sending":  # said as it is, not as a closed window
        assert str(decision.reason) == str(policies.NO_SENDING)
    if code == "comment_only":
        assert str(decision.reason) == str(policies.COMMENT_ONLY)
    if send_purpose == NOTE:
        assert (decision.notification, decision.policy_tag) == (purpose, f"notification:{purpose}")
        assert decision.is_tagged
    else:
        assert decision.notification == ""
    if send_purpose == HUMAN:
        assert decision.policy_tag == "human_agent" and decision.is_tagged
    if allowed and send_purpose == STD:
        assert (decision.policy_tag, decision.is_tagged) == ("", False)
    verdict = {"needs_confirmation": Verdict.NEEDS_CONFIRMATION}.get(code, Verdict.REFUSED)
    if code == "window_closed" and kind == "facebook":
        verdict = Verdict.TEMPLATE_ONLY  # past every window Messenger still takes a notification
    assert decision.verdict == (Verdict.ALLOWED if allowed else verdict)
    assert policies.purpose_of(decision.policy_tag) == (decision.purpose, decision.notification)


KINDS = list(policies.CHANNEL_WINDOWS)
ELAPSED = [None, 1 * H, 30 * H, 3 * D, 8 * D, 400 * D]
PURPOSE_CHOICES = [None, "order_update"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("elapsed", ELAPSED)
@pytest.mark.parametrize("automated", [False, True])
@pytest.mark.parametrize("confirmed", [False, True])
@pytest.mark.parametrize("purpose", PURPOSE_CHOICES)
def test_generated_no_sender_and_commenter_cases(kind, elapsed, automated, confirmed, purpose):
    """Every combination: without a sender nothing goes out; a commenter who never wrote in
    Messenger (on Meta) gets no window and no tag, whatever else is true; a comment changes
    nothing for a customer who did write."""
    last = None if elapsed is None else NOW - elapsed
    facts = dict(kind=kind, last_inbound_at=last, now=NOW, automated=automated,
                 confirmed=confirmed, purpose=purpose)  # fmt: skip
    without = policies.send_decision(**facts, can_send=False, commented=True)
    assert (without.allowed, without.code, without.phase) == (False, "no_sending",
                                                              Phase.NO_SENDING)  # fmt: skip
    commented = policies.send_decision(**facts, commented=True)
    plain = policies.send_decision(**facts)
    meta = policies.CHANNEL_WINDOWS[kind].meta
    if last is None and meta:
        assert (commented.allowed, commented.code, commented.purpose) == (
            False, "comment_only", Purpose.STANDARD,
        )  # fmt: skip
        state = policies.window_state(kind=kind, last_inbound_at=None, now=NOW, commented=True)
        assert (state.phase, state.purposes, state.needs_confirmation, state.closes_at) == (
            Phase.COMMENTS, {}, False, None,
        )  # fmt: skip
    else:
        assert commented == plain


def test_window_state_says_why_a_channel_cannot_send_or_a_commenter_has_no_window():
    no_sender = policies.window_state(kind="zalo", last_inbound_at=NOW - H, now=NOW,
                                      can_send=False)  # fmt: skip
    assert (no_sender.phase, no_sender.warning, no_sender.purposes) == (
        Phase.NO_SENDING, policies.NO_SENDING, {},
    )  # fmt: skip
    commenter = policies.window_state(kind="facebook", last_inbound_at=None, now=NOW,
                                      commented=True)  # fmt: skip
    assert commenter.warning == policies.COMMENT_ONLY
    assert "7 days have passed" not in str(commenter.warning)


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


# Zalo's free replies: the adapter registers the window at start-up (8 by default,
# ZALO_FREE_REPLIES; per OA `settings["free_replies"]`).
@pytest.mark.parametrize(
    "used,parts,settings_,allowed,code,left",
    [
        (0, 1, None, True, "", 7),
        (7, 1, None, True, "", 0),
        (8, 1, None, False, "free_replies_used", None),
        (6, 3, None, False, "free_replies_short", 2),  # text + 2 attachments > 2 left
        (2, 1, {"free_replies": "3"}, True, "", 0),
        (3, 1, {"free_replies": 3}, False, "free_replies_used", None),
        (20, 1, {"free_replies": "lots"}, False, "free_replies_used", None),  # ignored: 8
    ],
)
def test_zalo_counts_the_free_replies_to_each_customer_message(
    used, parts, settings_, allowed, code, left
):
    decision = policies.send_decision(
        kind="zalo", last_inbound_at=NOW - H, now=NOW, replies_used=used, parts=parts,
        channel_settings=settings_,
    )  # fmt: skip
    assert (decision.allowed, decision.code) == (allowed, code)
    if left is not None:
        assert decision.free_messages_left == left
    if code == "free_replies_used":
        assert decision.phase == Phase.FREE_USED
        assert "Zalo" in str(decision.reason)


def test_the_composer_state_says_how_many_free_replies_are_left():
    state = policies.window_state(kind="zalo", last_inbound_at=NOW - H, now=NOW, replies_used=5)
    assert (state.phase, state.free_messages_left) == (Phase.OPEN, 3)
    spent = policies.window_state(kind="zalo", last_inbound_at=NOW - H, now=NOW, replies_used=8)
    assert (spent.phase, spent.free_messages_left) == (Phase.FREE_USED, 0)
    assert spent.warning == policies.FREE_USED
    closed = policies.window_state(kind="zalo", last_inbound_at=NOW - 49 * H, now=NOW)
    assert (closed.phase, closed.free_messages_left) == (Phase.CLOSED, None)
    meta = policies.window_state(kind="facebook", last_inbound_at=NOW - H, now=NOW)
    assert meta.free_messages_left is None  # Meta counts no free replies
