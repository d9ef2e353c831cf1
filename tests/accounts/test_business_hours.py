"""The workspace's opening hours: open time between two instants and the open check."""

import datetime

import pytest

from accounts.business_hours import (
    BusinessHours,
    deadline_after,
    is_open,
    open_seconds_between,
    public_holidays,
)

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


# Closed on Vietnam's public holidays. Tuesday 24 November 2026 is a lone one (Vietnam
# Cultural Day); 30 April and 1 May are two in a row.
HOLIDAY_SHOP = BusinessHours(
    days=SHOP.days, start=SHOP.start, end=SHOP.end, closed=public_holidays("VN")
)


def nov(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour - 7, minute, tzinfo=UTC)


def test_public_holidays_come_from_the_calendar():
    vn = public_holidays("VN")
    assert datetime.date(2026, 2, 17) in vn  # Tết, a lunar date
    assert datetime.date(2026, 9, 2) in vn and datetime.date(2026, 5, 4) not in vn


def test_a_closed_holiday_runs_no_clock():
    # Monday 21:50 to Wednesday 08:10 across the holiday: 10 min Monday + 10 min Wednesday
    assert open_seconds_between(nov(23, 21, 50), nov(25, 8, 10), HOLIDAY_SHOP) == 20 * 60
    assert open_seconds_between(nov(24, 9), nov(24, 10), SHOP) == 3600  # not observed: open
    assert not is_open(nov(24, 10), HOLIDAY_SHOP) and is_open(nov(24, 10), SHOP)
    # a 30-minute anti-steal clock started Monday 21:50 lapses Wednesday 08:20
    assert deadline_after(start=nov(23, 21, 50), minutes=30, hours=HOLIDAY_SHOP) == nov(25, 8, 20)


def test_the_workspace_passes_its_holidays(db):
    from tests.factories import make_workspace

    workspace = make_workspace("Shop H", "shop-h", closed_on_holidays=True)
    assert not is_open(nov(24, 10), workspace.business_hours)
    workspace.closed_on_holidays = False
    assert is_open(nov(24, 10), workspace.business_hours)
