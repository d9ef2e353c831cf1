"""Closing spans: how "handled in the period and sold in the period" becomes a sum over days.

A conversation (or one agent's part in it) counts as closed in a period when the period holds
a day it was handled and a day it had a sale. Lay the handled days and the sale days of one
conversation on a line: the period holds both kinds exactly when it holds one of the
*shortest spans* between them, a day that is both, or two neighbouring days of different
kinds with none between. Those spans never nest and are ordered by both ends, so the period
holds one of them exactly when it holds a first one, the span `k` with

    start_k >= period start,  end_k <= period end,  start_(k-1) < period start (or no k-1)

and counting those is a sum that a daily rollup can give:

    spans ending in the period whose previous span starts before the period (or has none)
  - spans ending in the period that start before it

The first line is the rollup's count of spans without a previous one plus the few with a
previous one before the period; the second only the spans across the period's start. Pure.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    start: datetime.date
    end: datetime.date
    at: datetime.datetime  # when the last of its two days' events happened
    previous_start: datetime.date | None  # the start of the span before it, if any


def closing_spans(
    handled: dict[datetime.date, datetime.datetime], sold: dict[datetime.date, datetime.datetime]
) -> list[Span]:
    """The shortest spans between a handled day and a sale day, in order. `handled` and
    `sold` map each day to the moment of its (first) event."""
    days = sorted(set(handled) | set(sold))
    both = {day for day in days if day in handled and day in sold}
    spans: list[Span] = []

    def add(start, end, at) -> None:
        previous = spans[-1].start if spans else None
        spans.append(Span(start, end, at, previous))

    for i, day in enumerate(days):
        if day in both:
            add(day, day, max(handled[day], sold[day]))
            continue
        if i + 1 == len(days):
            break
        following = days[i + 1]
        if following in both or (day in handled) == (following in handled):
            continue  # a day that is both is shorter; two of a kind are no span
        add(day, following, (sold if following in sold else handled)[following])
    return spans
