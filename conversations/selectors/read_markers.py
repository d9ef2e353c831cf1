"""Each person's own unread state: the conversation's counter of customer messages minus
what their `ReadMarker` says they had seen (no marker: they have seen none).

The list and the counts read it in the same statement as the rows: one correlated look-up
per row through the marker's unique `(conversation, user)` index, no extra query.
"""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from conversations.models import ReadMarker


def seen_count_of(user) -> Coalesce:
    """The expression of `user`'s seen count for the outer conversation row (0 without a
    marker)."""
    markers = ReadMarker.objects.filter(conversation_id=OuterRef("pk"), user_id=user.pk)
    return Coalesce(
        Subquery(markers.values("seen_count")[:1], output_field=IntegerField()), Value(0)
    )


def with_seen_count(queryset: QuerySet, *, user) -> QuerySet:
    """Rows carry `seen_count`: the template shows `unread_count - seen_count`."""
    return queryset.annotate(seen_count=seen_count_of(user))


def unread_for(user) -> Q:
    """Conversations `user` has not read to the end."""
    return Q(unread_count__gt=seen_count_of(user))


def seen_counts(*, workspace, user, conversation_ids: list[int]) -> dict[int, int]:
    """The person's seen counts of these conversations, 0 for those without a marker: what a
    browser asks for when a pushed row (rendered once for everyone) is new to its list."""
    found = dict(
        ReadMarker.objects.filter(
            workspace_id=workspace.pk, user_id=user.pk, conversation_id__in=conversation_ids
        ).values_list("conversation_id", "seen_count")
    )
    return {pk: found.get(pk, 0) for pk in conversation_ids}


def my_unread(conversation) -> int:
    """The row's own unread for its reader, once `with_seen_count` annotated it."""
    return max(conversation.unread_count - conversation.seen_count, 0)
