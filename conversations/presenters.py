"""Precomputed display data for list rows: the list is the hottest template, and doing the
formatting once in Python (instead of ~40 template lookups and filters per row) keeps the
partial's cost flat whatever the rows show."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from conversations.templatetags.inbox import STAMP_FORMAT, avatar_hue, initials, when_local


@dataclass(frozen=True)
class RowUI:
    url: str
    name: str
    initials: str
    hue: int
    ts: int
    iso: str
    when: str
    stamp: str
    labels: list  # the first ROW_LABELS shown; the rest are counted in more_labels
    more_labels: int
    more_labels_title: str
    label_ids: str
    phone: str
    channel_name: str
    channel_title: str
    status_display: str
    assignee_name: str
    assignee_short: str  # the given name, which fits beside three labels
    you: str  # "You:" before the preview when the shop spoke last ("Not sent:" if it failed)
    failed: bool  # the shop's last reply did not go out
    # The reader's own unread and what they had seen; "" on a row rendered once for everyone
    # (a live push): each browser then works its own out (inbox-live.js).
    unread: int | str = ""
    seen: int | str = ""


# Beyond this a row would truncate every chip to nothing; the rest show as "+N".
ROW_LABELS = 2


def given_name(full_name: str) -> str:
    """Vietnamese names end with the given name ("Phạm Quang Minh" -> "Minh"), the one
    colleagues use; an e-mail stands for itself up to the @."""
    words = str(full_name or "").split()
    if not words:
        return ""
    return words[-1].split("@")[0] if len(words) == 1 else words[-1]


def conversation_base_url(workspace) -> str:
    return reverse("inbox", kwargs={"ws": workspace.slug}) + "c/"


def present_rows(rows, *, workspace) -> list:
    """Attach `.ui` (a RowUI) to each row of `conversation_rows`, with its labels
    (one query for all rows, none when there are no rows)."""
    from django.utils import timezone

    from conversations.channels import ChannelKind
    from conversations.models import ConversationStatus
    from conversations.selectors.rows import row_labels

    labels_of = row_labels(workspace_id=workspace.pk, conversation_ids=[c.pk for c in rows])
    base = conversation_base_url(workspace)
    fallback_name = _("Customer")
    you = _("You:")
    not_sent = _("Not sent:")
    kinds = {value: str(label) for value, label in ChannelKind.choices}
    statuses = {value: str(label) for value, label in ConversationStatus.choices}
    zone = timezone.get_current_timezone()
    now = timezone.localtime(timezone=zone)
    for c in rows:
        labels = labels_of[c.pk]
        account = c.channel_account
        moment = c.last_message_at.astimezone(zone)
        name = account.display_name
        failed = c.last_message_direction == "out" and c.last_outbound_failed
        c.ui = RowUI(
            url=f"{base}{c.pk}/",
            name=c.customer.name or fallback_name,
            initials=initials(c.customer.name),
            hue=avatar_hue(c.customer_id),
            ts=int(moment.timestamp()),
            iso=moment.isoformat(),
            when=when_local(moment, now),
            stamp=moment.strftime(STAMP_FORMAT),
            labels=labels[:ROW_LABELS],
            more_labels=max(0, len(labels) - ROW_LABELS),
            more_labels_title=", ".join(label.name for label in labels[ROW_LABELS:]),
            label_ids=",".join(str(label.id) for label in labels),
            phone="yes" if c.customer.phones else "no",
            channel_name=name if len(name) <= 22 else name[:21] + "…",
            channel_title=f"{kinds.get(account.kind, account.kind)}: {name}",
            status_display=statuses.get(c.status, c.status) if c.status != "open" else "",
            assignee_name=c.assignee.display_name if c.assignee_id else "",
            assignee_short=given_name(c.assignee.display_name) if c.assignee_id else "",
            you=(not_sent if failed else you) if c.last_message_direction == "out" else "",
            failed=failed,
            **_own_unread(c),
        )
    return rows


def _own_unread(c) -> dict:
    seen = getattr(c, "seen_count", None)
    if seen is None:
        return {}
    unread = 0 if c.customer.is_blocked else max(c.unread_count - seen, 0)
    return {"unread": unread, "seen": seen}
