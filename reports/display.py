"""Figures as the owner reads them: Vietnamese number format in both languages (1.234,5),
money in VND, durations in words, changes against the previous period."""

from __future__ import annotations

from django.utils.translation import gettext as _

from conversations.money import vnd


def number(value) -> str:
    if value is None:
        return "—"
    return f"{int(value):,}".replace(",", ".")


def percent(ratio) -> str:
    if ratio is None:
        return "—"
    return f"{ratio * 100:.1f}".replace(".", ",") + " %"


def money(value) -> str:
    return "—" if value is None else vnd(value)


def duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 10:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": seconds}
    if minutes < 60:  # seconds no longer matter to anyone reading it
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


FORMATS = {"int": number, "pct": percent, "vnd": money, "duration": duration, "text": str}


def change(current, previous, *, lower_is_better: bool = False) -> dict | None:
    """The change against the previous period: its text and whether it is good news."""
    if current is None or previous in (None, 0):
        return None
    ratio = (current - previous) / previous
    if abs(ratio) < 0.0005:
        return {"text": "±0 %", "tone": "flat"}
    good = (ratio < 0) if lower_is_better else (ratio > 0)
    sign = "+" if ratio > 0 else "−"
    text = sign + f"{abs(ratio) * 100:.1f}".replace(".", ",") + " %"
    return {"text": text, "tone": "good" if good else "bad"}
