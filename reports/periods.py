"""Date ranges of the reports as pure functions of today's local date: the presets, the
previous period a range is compared with, and the buckets of a trend."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

TODAY, LAST_7, LAST_30, THIS_MONTH, LAST_MONTH, CUSTOM = (
    "today", "7d", "30d", "month", "last_month", "custom",
)  # fmt: skip
PRESETS = (TODAY, LAST_7, LAST_30, THIS_MONTH, LAST_MONTH, CUSTOM)
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    preset: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before (a month preset: the month before)."""
        if self.preset in (THIS_MONTH, LAST_MONTH):
            start = _month_start(self.start - datetime.timedelta(days=1))
            length = min(self.days, _month_length(start))
            return Period(self.preset, start, start + datetime.timedelta(days=length - 1))
        end = self.start - datetime.timedelta(days=1)
        return Period(self.preset, end - datetime.timedelta(days=self.days - 1), end)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _month_length(start: datetime.date) -> int:
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (following - start).days


def period_for(
    preset: str,
    *,
    today: datetime.date,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Period:
    """The period a preset names; a custom one is clamped to at most a year, and an unknown
    preset or a custom range without dates is the last 7 days."""
    if preset == TODAY:
        return Period(TODAY, today, today)
    if preset == LAST_30:
        return Period(LAST_30, today - datetime.timedelta(days=29), today)
    if preset == THIS_MONTH:
        return Period(THIS_MONTH, _month_start(today), today)
    if preset == LAST_MONTH:
        begin = _month_start(_month_start(today) - datetime.timedelta(days=1))
        return Period(LAST_MONTH, begin, _month_start(today) - datetime.timedelta(days=1))
    if preset == CUSTOM and start and end:
        start, end = min(start, end), max(start, end)
        end = min(end, start + datetime.timedelta(days=MAX_DAYS - 1))
        return Period(CUSTOM, start, end)
    return Period(LAST_7, today - datetime.timedelta(days=6), today)


DAY, WEEK, MONTH = "day", "week", "month"


def default_bucket(period: Period) -> str:
    if period.days > 120:
        return MONTH
    return WEEK if period.days > 45 else DAY


def buckets(period: Period, size: str) -> list[datetime.date]:
    """The first day of every bucket the period touches (weeks start on Monday)."""
    if size == MONTH:
        cursor = _month_start(period.start)
    elif size == WEEK:
        cursor = period.start - datetime.timedelta(days=period.start.weekday())
    else:
        cursor = period.start
    out = []
    while cursor <= period.end:
        out.append(cursor)
        if size == MONTH:
            cursor = (cursor.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        else:
            cursor += datetime.timedelta(days=7 if size == WEEK else 1)
    return out
