"""Closing spans (reports/spans.py): the sum the rollups give equals "the period holds a
handled day and a sale day", for every period of many small histories."""

import datetime
import random

from reports.spans import closing_spans

DAY0 = datetime.date(2026, 3, 1)
UTC = datetime.UTC


def days(*numbers):
    return {DAY0 + datetime.timedelta(days=n): datetime.datetime(2026, 3, 1, tzinfo=UTC)
            + datetime.timedelta(days=n, hours=9) for n in numbers}  # fmt: skip


def summed(spans, start, end) -> int:
    ending = [s for s in spans if start <= s.end <= end]
    first = [s for s in ending if s.previous_start is None or s.previous_start < start]
    across = [s for s in ending if s.start < start]
    return len(first) - len(across)


def test_the_shortest_spans_of_a_worked_example():
    # handled on days 1 and 5, sales on 3 and 8; day 10 both
    spans = closing_spans(days(1, 5, 10), days(3, 8, 10))
    assert [((s.start - DAY0).days, (s.end - DAY0).days) for s in spans] == [
        (1, 3), (3, 5), (5, 8), (10, 10),
    ]  # fmt: skip
    assert spans[0].previous_start is None and spans[1].previous_start == spans[0].start
    assert summed(spans, DAY0 + datetime.timedelta(days=2), DAY0 + datetime.timedelta(days=6)) == 1
    assert summed(spans, DAY0 + datetime.timedelta(days=2), DAY0 + datetime.timedelta(days=4)) == 0


def test_no_sale_or_no_handling_gives_no_span():
    assert closing_spans(days(1, 2), {}) == [] and closing_spans({}, days(1)) == []


def test_the_sum_is_the_definition_for_every_period():
    rng = random.Random(7)
    checked = 0
    for _ in range(400):
        handled = days(*rng.sample(range(12), rng.randint(0, 5)))
        sold = days(*rng.sample(range(12), rng.randint(0, 4)))
        spans = closing_spans(handled, sold)
        for a in range(12):
            for b in range(a, 12):
                start, end = DAY0 + datetime.timedelta(days=a), DAY0 + datetime.timedelta(days=b)
                holds = any(start <= d <= end for d in handled) and any(
                    start <= d <= end for d in sold
                )
                assert summed(spans, start, end) == int(holds), (handled, sold, a, b)
                checked += 1
    assert checked == 400 * 78
