"""Search text: how a query is normalised and which customers and messages it matches.

Customers match by substring on their stored search document, messages by whole words (the
last one also as a prefix) through the workspace-prefixed `search_words`; both are read
through GIN indexes that lead with the workspace.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import (
    BigIntegerField,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast

from conversations.models import (
    Customer,
    MatchesWords,
    Message,
)

SEARCH_MIN_CHARS = 2


def search_normalise(text: str) -> str:
    """Lower-case and strip Vietnamese accents the way PostgreSQL's unaccent does."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


PHONE_LIKE = re.compile(r"^\+?[\d .\-()]+$")


PHONE_MIN_DIGITS = 3


def phone_digits(text: str) -> str | None:
    """A query that looks like (part of) a phone number -> its digits, else None.

    Customer documents hold each phone as E.164 and, for Vietnam, in the national form
    (+84912345678 and 0912345678), so the digits agents type ("0912 345 678", "0912",
    "+84 912…", "345678") are a plain substring of it.
    """
    text = text.strip()
    if not PHONE_LIKE.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= PHONE_MIN_DIGITS else None


def _workspace_key(workspace):
    """The workspace id as bigint: btree_gin's int8 class has no `bigint = integer` operator,
    so an untyped parameter would keep the workspace out of the trigram index condition."""
    return Cast(Value(workspace.pk), BigIntegerField())


def customer_matches(*, workspace, q: str) -> QuerySet[Customer]:
    """Customers whose name, phone or e-mail contain every word of `q` (accents ignored).

    Reads the stored `search_document` (trigram-indexed), never unaccents per row."""
    customers = Customer.objects.filter(workspace_id=_workspace_key(workspace))
    digits = phone_digits(q)
    if digits:
        return customers.filter(search_document__contains=digits)
    for word in search_normalise(q).split():
        customers = customers.filter(search_document__contains=word)
    return customers


def message_matches(*, workspace, q: str) -> QuerySet[Message]:
    """Messages holding the words of `q` in that order (accents and punctuation ignored; the
    last word may be the start of a longer one), through the per-workspace word index."""
    return Message.objects.filter(
        MatchesWords(workspace_id=workspace.pk, q=q), workspace_id=workspace.pk
    )


def searchable_words(q: str) -> bool:
    """Whether `q` has a word to look for (punctuation alone makes an empty text query)."""
    return any(ch.isalnum() for ch in q)
