"""A workspace's opening hours as pure functions: the one definition routing's anti-steal
clock, automation's away replies and the reports' business-time figures all use.

The same hours on each listed weekday (0 = Monday), in the workspace's zone. Closing is after
opening on the same day (the model checks it). Nothing here touches the database."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC
_MAX_DAYS = 8 * 7  # a deadline never looks further than eight weeks ahead


@dataclass(frozen=True)
class BusinessHours:
    days: frozenset[int]
    start: datetime.time
    end: datetime.time
    zone: str = "Asia/Ho_Chi_Minh"

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
        if day.weekday() in hours.days:
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
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end
