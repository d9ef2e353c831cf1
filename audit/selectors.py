"""Reading the audit log: one workspace's entries, filtered, newest first, paged by id (an
append-only log's order is its ids), so a page costs one query however long the log is."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Membership
from audit.forms import AUTOMATION, day_bounds
from audit.models import AuditEntry

PAGE_SIZE = 50


def people_of(*, workspace) -> list[tuple[int, str]]:
    """Everyone who is or was a member: (user id, name), by name."""
    rows = (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .only("user__full_name", "user__email")
    )
    return sorted(((m.user_id, m.user.display_name) for m in rows), key=lambda r: r[1].lower())


def entries_filtered(*, workspace, filters: dict):
    entries = AuditEntry.objects.filter(workspace=workspace)
    person = filters.get("person") or ""
    if person == AUTOMATION:
        entries = entries.filter(actor_id__isnull=True)
    elif person.isdigit():
        entries = entries.filter(actor_id=int(person))
    if filters.get("kind"):
        entries = entries.filter(kind=filters["kind"])
    start, end = day_bounds(filters.get("date_from"), filters.get("date_to"), workspace.time_zone)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    if end is not None:
        entries = entries.filter(created_at__lt=end)
    return entries


@dataclass(frozen=True)
class Page:
    entries: list
    older: int | None  # the `before` cursor of the next older page
    newer: int | None  # the `after` cursor of the next newer page


def entries_page(entries, *, before: int | None = None, after: int | None = None,
                 size: int = PAGE_SIZE) -> Page:  # fmt: skip
    """`size` entries older than id `before` (newest first), or newer than id `after`."""
    if after is not None:
        rows = list(entries.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(rows, older=rows[-1].pk if rows else None,
                    newer=rows[0].pk if rows and more_newer else None)  # fmt: skip
    if before is not None:
        entries = entries.filter(id__lt=before)
    rows = list(entries.order_by("-id")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(rows, older=rows[-1].pk if rows and more_older else None,
                newer=rows[0].pk if rows and before is not None else None)  # fmt: skip
