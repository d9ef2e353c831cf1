"""Pure routing rules, as tables."""

import datetime

import pytest

from accounts.business_hours import BusinessHours
from routing import policies
from routing.policies import Candidate

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 in Ho Chi Minh City


@pytest.mark.parametrize(
    ("assignee_id", "user_id", "is_admin", "expected"),
    [
        (7, 7, False, None),  # the claimant
        (7, 8, False, policies.REFUSE_TAKEN),  # someone else's customer
        (None, 8, False, policies.REFUSE_CLAIM_FIRST),  # nobody's: claim first
        (7, 8, True, None),  # an admin may always act
        (None, 8, True, None),
    ],
)
def test_act_refusal(assignee_id, user_id, is_admin, expected):
    assert (
        policies.act_refusal(assignee_id=assignee_id, user_id=user_id, is_admin=is_admin)
        == expected
    )


@pytest.mark.parametrize(
    ("inbound", "outbound", "waiting"),
    [
        (None, None, False),
        (T0, None, True),
        (T0, T0 - datetime.timedelta(minutes=1), True),
        (T0, T0 + datetime.timedelta(minutes=1), False),
    ],
)
def test_is_waiting_for_reply(inbound, outbound, waiting):
    assert (
        policies.is_waiting_for_reply(last_inbound_at=inbound, last_outbound_at=outbound) is waiting
    )


HOURS = BusinessHours(
    days=frozenset({0, 1, 2, 3, 4}), start=datetime.time(8), end=datetime.time(17)
)  # Mon-Fri 08:00-17:00 Asia/Ho_Chi_Minh (UTC+7): 01:00-10:00 UTC


def utc(day, hour, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "minutes", "hours", "expected"),
    [
        (T0, 10, None, T0 + datetime.timedelta(minutes=10)),
        # inside business hours: plain addition
        (utc(2, 3), 10, HOURS, utc(2, 3, 10)),
        # 16:55 local + 10 min: 5 min today, 5 min from 08:00 tomorrow
        (utc(2, 9, 55), 10, HOURS, utc(3, 1, 5)),
        # before opening (06:00 local): the clock starts at 08:00
        (utc(2, 23) - datetime.timedelta(days=1), 30, HOURS, utc(2, 1, 30)),
        # Friday 16:50 local + 20 min: 10 min Friday, 10 min Monday
        (utc(6, 9, 50), 20, HOURS, utc(9, 1, 10)),
        # Saturday: nothing runs until Monday 08:00
        (utc(7, 5), 15, HOURS, utc(9, 1, 15)),
        # longer than a business day spans into the next one
        (utc(2, 1), 9 * 60 + 30, HOURS, utc(3, 1, 30)),
        # no business days at all: plain minutes rather than never
        (T0, 10, BusinessHours(frozenset(), datetime.time(8), datetime.time(17)), utc(2, 3, 10)),
    ],
)
def test_release_deadline_at(start, minutes, hours, expected):
    assert policies.release_deadline_at(start=start, minutes=minutes, hours=hours) == expected


def test_release_deadline_respects_a_zone_with_daylight_saving():
    # Warsaw switches to summer time on 2026-03-29; 09:00-17:00 local is 07:00-15:00 UTC after.
    hours = BusinessHours(
        days=frozenset(range(7)),
        start=datetime.time(9),
        end=datetime.time(17),
        zone="Europe/Warsaw",
    )
    start = datetime.datetime(2026, 3, 28, 15, 50, tzinfo=UTC)  # Sat 16:50 CET
    assert policies.release_deadline_at(start=start, minutes=20, hours=hours) == datetime.datetime(
        2026, 3, 29, 7, 10, tzinfo=UTC
    )


NOW = T0


@pytest.mark.parametrize(
    ("status", "sockets", "seen_ago", "idle", "expected"),
    [
        ("online", 1, 0, 30, "online"),
        ("online", 0, 0, 30, "offline"),  # every browser closed
        ("away", 2, 0, 30, "away"),
        ("online", 1, 31, 30, "idle"),  # silent beyond the idle timeout
        ("online", 1, 600, 0, "online"),  # idle rule off
        ("away", 0, 0, 30, "offline"),
    ],
)
def test_presence_state(status, sockets, seen_ago, idle, expected):
    assert (
        policies.presence_state(
            status=status,
            socket_count=sockets,
            last_seen_at=NOW - datetime.timedelta(minutes=seen_ago),
            idle_timeout_minutes=idle,
            now=NOW,
        )
        == expected
    )


def test_round_robin_order_prefers_the_longest_waiting_eligible_agent():
    rows = [
        Candidate(user_id=1, turn=5, row_id=1, state="online"),
        Candidate(user_id=2, turn=3, row_id=2, state="away"),  # skipped, keeps its place
        Candidate(user_id=3, turn=4, row_id=3, state="online", open_count=2, capacity=2),  # full
        Candidate(user_id=4, turn=4, row_id=4, state="online", open_count=1, capacity=2),
        Candidate(user_id=5, turn=4, row_id=5, state="idle"),
        Candidate(user_id=6, turn=0, row_id=6, state="online"),
    ]
    assert [c.user_id for c in policies.round_robin_order(rows)] == [6, 4, 1]
    assert [c.user_id for c in policies.round_robin_order(rows, exclude_user_ids=[6])] == [4, 1]
    assert policies.round_robin_order([]) == []


def test_next_turn():
    assert policies.next_turn([]) == 1
    assert policies.next_turn([0, 7, 3]) == 8
