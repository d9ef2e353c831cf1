"""The workspace's opening hours: open time between two instants and the open check."""

import datetime

import pytest

from accounts.business_hours import BusinessHours, is_open, open_seconds_between

UTC = datetime.UTC
# Mon-Sat 08:00-22:00 in Ho Chi Minh City (UTC+7): 01:00-15:00 UTC.
SHOP = BusinessHours(days=frozenset(range(6)), start=datetime.time(8), end=datetime.time(22))


def local(day, hour, minute=0):
    """2026-03-<day> at hour:minute in Ho Chi Minh City (2 March 2026 is a Monday)."""
    return (
        datetime.datetime(2026, 3, day, hour - 7, minute, tzinfo=UTC)
        if hour >= 7
        else (datetime.datetime(2026, 3, day - 1, hour + 17, minute, tzinfo=UTC))
    )


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        (local(2, 9), local(2, 9, 30), 30 * 60),  # inside: wall time
        (local(2, 21, 50), local(3, 8, 10), 20 * 60),  # across midnight: 10 + 10 minutes
        (local(2, 23), local(3, 7, 59), 0),  # all night, closed
        (local(7, 21), local(9, 8, 30), 90 * 60),  # Saturday 21:00 to Monday 08:30, Sunday closed
        (local(2, 9), local(2, 9), 0),
        (local(2, 10), local(2, 9), 0),  # reversed: nothing
    ],
)
def test_open_seconds_between(start, end, seconds):
    assert open_seconds_between(start, end, SHOP) == seconds


def test_open_seconds_in_another_zone():
    warsaw = BusinessHours(
        days=frozenset(range(7)),
        start=datetime.time(9),
        end=datetime.time(17),
        zone="Europe/Warsaw",
    )
    # 16:00 CET on 28 March to 10:00 CEST on 29 March (the clocks jump): 1 h + 1 h.
    start = datetime.datetime(2026, 3, 28, 15, 0, tzinfo=UTC)
    end = datetime.datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert open_seconds_between(start, end, warsaw) == 2 * 3600


def test_no_usable_hours_count_every_second():
    closed = BusinessHours(days=frozenset(), start=datetime.time(8), end=datetime.time(9))
    assert open_seconds_between(local(2, 9), local(2, 10), closed) == 3600


def test_is_open():
    assert is_open(local(2, 8), SHOP) and not is_open(local(2, 22), SHOP)
    assert not is_open(local(8, 12), SHOP)  # Sunday
