"""A scripted conversation with answers worked out by hand, shared by the pure and the
database tests of the reports.

The shop is open Monday to Saturday, 08:00-22:00, in Ho Chi Minh City (UTC+7). 2 March 2026
is a Monday. Agents: Lan (10), Minh (11), Hùng (12).

  Mon 21:40  customer writes (m1)                       nobody holds it
  Mon 21:45  Lan claims (a1)
  Tue 08:10  Lan replies (m2)        waited 10 h 30 min; open time 20 + 10 = 30 min; first
  Tue 09:00  customer writes (m3), 09:05 again (m4)      Lan holds it
  Tue 09:20  Lan replies (m5)        waited 20 min (from 09:00, the oldest unanswered)
  Tue 09:30  Lan transfers to Minh (a2)
  Tue 10:00  customer writes (m6)                        Minh holds it
  Tue 10:15  the anti-steal timer takes it from Minh (a3)
  Tue 10:16  an automated message (m7): answers nothing
  Tue 10:20  Hùng claims (a4)
  Tue 10:30  Hùng replies (m8)       waited 30 min; not a first response
  Tue 10:40  Hùng records an order of 500.000 ₫ (o1)
  Tue 11:00  closed (a5), Hùng keeps it
  Wed 14:00  the customer comes back (m9) and it reopens (a6, nobody acting)
  Wed 14:05  Hùng replies (m10)      waited 5 min; the first response of the new cycle
  Wed 14:10  an order of 200.000 ₫ that was returned (o2)
"""

import datetime

from reports import derivation as d

UTC = datetime.UTC
LAN, MINH, HUNG = 10, 11, 12


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    """March <day>, hour:minute local (UTC+7), as UTC."""
    return datetime.datetime(2026, 3, day, hour, minute, second, tzinfo=UTC) - datetime.timedelta(
        hours=7
    )


def message(pk, direction, when, author=None, automated=False, kind="inbox"):
    return d.MessageInput(pk, direction, kind, author, automated, when)


def change(pk, reason, when, from_user=None, to_user=None, actor=None):
    return d.ChangeInput(pk, reason, from_user, to_user, actor, when)


MESSAGES = [
    message(1, "in", at(2, 21, 40)),
    message(2, "out", at(3, 8, 10), LAN),
    message(3, "in", at(3, 9, 0)),
    message(4, "in", at(3, 9, 5)),
    message(5, "out", at(3, 9, 20), LAN),
    message(6, "in", at(3, 10, 0)),
    message(7, "out", at(3, 10, 16), None, automated=True),
    message(8, "out", at(3, 10, 30), HUNG),
    message(9, "in", at(4, 14, 0)),
    message(10, "out", at(4, 14, 5), HUNG),
]
CHANGES = [
    change(1, "claimed", at(2, 21, 45), None, LAN, LAN),
    change(2, "transferred", at(3, 9, 30), LAN, MINH, LAN),
    change(3, "released_by_timer", at(3, 10, 15), MINH, None),
    change(4, "claimed", at(3, 10, 20), None, HUNG, HUNG),
    change(5, "closed", at(3, 11, 0), HUNG, HUNG, HUNG),
    change(6, "reopened", at(4, 14, 0, 1), HUNG, HUNG, None),
]
ORDERS = [
    d.OrderInput(1, "closed", 500_000, HUNG, at(3, 10, 40)),
    d.OrderInput(2, "returned", 200_000, HUNG, at(4, 14, 10)),
]
