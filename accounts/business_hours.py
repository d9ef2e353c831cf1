"""A workspace's opening hours as pure functions: the one definition routing's anti-steal
clock, automation's away replies and the reports' business-time figures all use.

The same hours on each listed weekday (0 = Monday), in the workspace's zone. Closing is after
opening on the same day (the model checks it). Nothing here touches the database."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays

UTC = datetime.UTC
_MAX_DAYS = 8 * 7  # a deadline never looks further than eight weeks ahead


@dataclass(frozen=True)
class BusinessHours:
    days: frozenset[int]
    start: datetime.time
    end: datetime.time
    zone: str = "Asia/Ho_Chi_Minh"
    # Local dates the shop is closed whatever the weekday (public holidays when the workspace
    # closes on them): a container, so the holidays library can answer year by year.
    closed: Container[datetime.date] = field(default=frozenset(), compare=False, hash=False)

    @property
    def usable(self) -> bool:
        return bool(self.days) and self.end > self.start


def _open_spans(
    hours: BusinessHours, since: datetime.datetime, days: int
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """(opens, closes) in UTC of each business day from the local day of `since` on."""
    zone = ZoneInfo(hours.zone)
    day = since.astimezone(zone).date()
    for _ in range(days):
        if day.weekday() in hours.days and day not in hours.closed:
            opens = datetime.datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            closes = datetime.datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
            yield opens, closes
        day += datetime.timedelta(days=1)


def deadline_after(
    *, start: datetime.datetime, minutes: int, hours: BusinessHours | None
) -> datetime.datetime:
    """`minutes` after `start`, counting only open time when `hours` is given (time outside
    opening hours does not run the clock). No usable hours: plain minutes."""
    plain = start + datetime.timedelta(minutes=minutes)
    if hours is None or not hours.usable:
        return plain
    remaining = datetime.timedelta(minutes=minutes)
    cursor = start.astimezone(UTC)
    for opens, closes in _open_spans(hours, start, _MAX_DAYS):
        begin = max(opens, cursor)
        if begin < closes:
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
    return plain


def open_seconds_between(
    start: datetime.datetime, end: datetime.datetime, hours: BusinessHours
) -> int:
    """How many seconds of [start, end) fall inside opening hours. Unusable hours count
    every second (the same fallback as `deadline_after`)."""
    if end <= start:
        return 0
    if not hours.usable:
        return int((end - start).total_seconds())
    days = (end - start).days + 2
    total = 0.0
    for opens, closes in _open_spans(hours, start, days):
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += (finish - begin).total_seconds()
    return int(total)


def is_open(at: datetime.datetime, hours: BusinessHours) -> bool:
    local = at.astimezone(ZoneInfo(hours.zone))
    if local.date() in hours.closed:
        return False
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


@functools.cache
def public_holidays(country: str) -> Container[datetime.date]:
    """The public holidays of `country` (ISO code), any year: the `holidays` library's
    calendar, which includes Vietnam's lunar Tết and Hùng Kings' days and the substituted
    days off the government announces."""
    return holidays.country_holidays(country)
