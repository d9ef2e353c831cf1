"""Read-side queries of the inbox. Every selector is scoped by `workspace=`.

The hot ones (the list, the timeline, the panes) run a fixed number of queries whatever the
number of rows shown; tests pin those counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from conversations.channels import channel_accounts_of
from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationLabel,
    ConversationMute,
    ConversationStatus,
    Customer,
    CustomerNote,
    Label,
    MatchesWords,
    Message,
    MessageKind,
    Order,
    OrderStatus,
    QuickReply,
)
from conversations.vietnamese_order import by_vietnamese_name, vietnamese_key

LIST_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 50
SEARCH_MIN_CHARS = 2
COUNT_CAP = 99  # counts above this show as "99+": a count never scans a big workspace

# Activity status of a customer: days since last seen.
LOW_RISK_DAYS = 7
HIGH_RISK_DAYS = 30


# --- search text ------------------------------------------------------------------------------


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


# --- the conversation list ----------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilters:
    """What the list shows; every field combines with the others."""

    status: str = ConversationStatus.OPEN  # "" = every status
    status_chosen: bool = False  # set by the agent, not the default of the list or search
    outcome: str = ""
    unanswered: bool = False
    assign: str = "all"  # all | mine | unassigned | following
    channel: int | None = None
    label: int | None = None
    phone: str = ""  # yes | no
    read: str = ""  # read | unread
    rating: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    blocked: bool = False  # the blocked view: only blocked customers' conversations
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def searching(self) -> bool:
        return len(search_normalise(self.q)) >= SEARCH_MIN_CHARS


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


def blocked_customer_ids(*, workspace) -> QuerySet[Customer]:
    """The workspace's blocked customers' ids, as a subquery: read through the partial index
    `customer_blocked`, so PostgreSQL hashes the (few) ids once and checks each row against
    them, whatever the list's size."""
    return Customer.objects.filter(workspace_id=workspace.pk, is_blocked=True).values("id")


def conversations_not_blocked(queryset: QuerySet[Conversation], *, workspace):
    """Leave out blocked customers' conversations: the normal lists and counts never show
    them (they are in the blocked view)."""
    return queryset.exclude(customer_id__in=blocked_customer_ids(workspace=workspace))


def conversation_filter(*, workspace, user, filters: InboxFilters) -> QuerySet[Conversation]:
    """Every filter but the text search (see conversation_list_page)."""
    queryset = Conversation.objects.filter(workspace=workspace)
    if filters.blocked:
        queryset = queryset.filter(customer_id__in=blocked_customer_ids(workspace=workspace))
    else:
        queryset = conversations_not_blocked(queryset, workspace=workspace)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.outcome:
        queryset = queryset.filter(outcome=filters.outcome)
    if filters.unanswered:
        queryset = queryset.filter(last_message_direction="in")
    if filters.assign == "mine":
        queryset = queryset.filter(assignee=user)
    elif filters.assign == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assign == "following":
        queryset = queryset.filter(
            id__in=ConversationFollow.objects.filter(workspace=workspace, user=user).values(
                "conversation_id"
            )
        )
    if filters.channel:
        queryset = queryset.filter(channel_account_id=filters.channel)
    if filters.label:
        queryset = queryset.filter(
            id__in=Label.conversations.through.objects.filter(
                workspace=workspace, label_id=filters.label
            ).values("conversation_id")
        )
    # `phones` is NOT NULL, so "no phone" is exactly `= '{}'`, which PostgreSQL estimates from
    # its statistics; it guessed ~1% for the array_length() form and planned for a rarity.
    if filters.phone == "yes":
        queryset = queryset.exclude(customer__phones=[])
    elif filters.phone == "no":
        queryset = queryset.filter(customer__phones=[])
    if filters.read == "unread":
        queryset = queryset.filter(unread_count__gt=0)
    elif filters.read == "read":
        queryset = queryset.filter(unread_count=0)
    if filters.rating:
        queryset = queryset.filter(rating=filters.rating)
    if filters.date_from:
        queryset = queryset.filter(last_message_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(last_message_at__lt=_day_start(filters.date_to + timedelta(1)))
    return queryset


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@dataclass(frozen=True)
class RowLabel:
    id: int
    name: str
    color: str


ROW_LABELS_SQL = """
SELECT cl.conversation_id, l.id, l.name, l.color
FROM {conversation_label} cl JOIN {label} l ON l.id = cl.label_id
WHERE cl.workspace_id = %s AND cl.conversation_id = ANY(%s)
  AND l.deleted_at IS NULL AND NOT l.is_hidden
ORDER BY l.name, l.id
"""


def row_labels(*, workspace_id: int, conversation_ids: list[int]) -> dict[int, list[RowLabel]]:
    """The shown (not hidden, not deleted) labels of these conversations, by name, in one
    static query of plain tuples: the list's hottest Python was Django's prefetch and the
    compile of its join (~4 ms per page of 50 rows; this takes ~1 ms)."""
    by_conversation: dict[int, list[RowLabel]] = {pk: [] for pk in conversation_ids}
    if not conversation_ids:
        return by_conversation
    sql = ROW_LABELS_SQL.format(
        conversation_label=ConversationLabel._meta.db_table, label=Label._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id, list(conversation_ids)])
        for conversation_id, pk, name, color in cursor.fetchall():
            by_conversation[conversation_id].append(RowLabel(pk, name, color))
    for labels in by_conversation.values():
        labels.sort(key=lambda label: vietnamese_key(label.name))
    return by_conversation


ROW_FIELDS = (
    "id", "workspace_id", "status", "assignee_id", "customer_id", "channel_account_id",
    "last_message_at", "last_message_preview", "last_message_direction", "unread_count",
    "outcome", "rating", "last_outbound_failed",
    "customer__id", "customer__name", "customer__phones", "customer__avatar_url",
    "customer__is_blocked",
    "channel_account__id", "channel_account__kind", "channel_account__display_name",
    "assignee__id", "assignee__full_name", "assignee__email",
)  # fmt: skip


def conversation_rows(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """What one list row shows, in one query; only the columns it shows (no credentials,
    settings JSON or message bodies are loaded for a list). `present_rows` adds the labels."""
    return queryset.select_related("customer", "channel_account", "assignee").only(*ROW_FIELDS)


@dataclass
class ListPage:
    rows: list[Conversation]
    next_cursor: str | None


def encode_cursor(conversation: Conversation) -> str:
    rank = getattr(conversation, "search_rank", None)
    prefix = f"{rank}~" if rank is not None else ""
    return f"{prefix}{conversation.last_message_at.isoformat()}_{conversation.pk}"


def decode_search_cursor(cursor: str | None) -> tuple[int, str | None]:
    """A search page's cursor: (rank of its last row, the keyset part); rank 0 = customer
    match (name, phone, e-mail), 1 = message text only."""
    if cursor and cursor[:2] in ("0~", "1~"):
        return int(cursor[0]), cursor[2:]
    return 0, cursor


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        at, _, pk = cursor.rpartition("_")
        moment = datetime.fromisoformat(at)
        if timezone.is_naive(moment):
            return None
        return moment, int(pk)
    except ValueError:
        return None


ORDER = ("-last_message_at", "-id")


def conversation_list_page(
    *, workspace, user, filters: InboxFilters, cursor: str | None = None, size: int = LIST_PAGE_SIZE
) -> ListPage:
    """Newest activity first, keyset-paginated (no OFFSET, no COUNT): infinite scroll.

    A text search is the union of two ordered, limited branches: conversations of matching
    customers (substrings, trigram index) first, then the other conversations with a matching
    message (whole words, EXISTS: PostgreSQL either walks the newest conversations probing
    their messages, for a common phrase, or starts from the word index, for a rare one,
    choosing by the column's word statistics). One SQL statement either way.
    """
    queryset = conversation_filter(workspace=workspace, user=user, filters=filters)
    order = ORDER
    if filters.searching:
        rank, cursor = decode_search_cursor(cursor)
    position = decode_cursor(cursor)
    after = Q()
    if position:
        at, pk = position
        after = Q(last_message_at__lt=at) | Q(last_message_at=at, id__lt=pk)
    if filters.searching:
        customers = customer_matches(workspace=workspace, q=filters.q).values("id")
        by_customer = queryset.filter(customer_id__in=customers)
        # A page that ended among the message matches has no customer match left to show.
        by_customer = by_customer.filter(after) if rank == 0 else by_customer.none()
        ids = by_customer.order_by(*ORDER).values("id")[: size + 1]
        if searchable_words(filters.q):
            messages = message_matches(workspace=workspace, q=filters.q).filter(
                conversation_id=OuterRef("pk")
            )
            by_message = queryset.filter(Exists(messages)).exclude(customer_id__in=customers)
            if rank == 1:
                by_message = by_message.filter(after)
            ids = ids.union(by_message.order_by(*ORDER).values("id")[: size + 1])
        queryset = Conversation.objects.filter(workspace=workspace, id__in=ids).annotate(
            search_rank=Case(When(customer_id__in=customers, then=Value(0)), default=Value(1))
        )
        order = ("search_rank", *ORDER)
    else:
        queryset = queryset.filter(after)
    rows = list(conversation_rows(queryset.order_by(*order))[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return ListPage(rows=rows, next_cursor=encode_cursor(rows[-1]) if has_more and rows else None)


def conversation_row(*, workspace, pk: int) -> Conversation | None:
    return conversation_rows(Conversation.objects.filter(workspace=workspace, pk=pk)).first()


def inbox_counts(*, workspace, user) -> dict[str, int]:
    """Badge counts of the list head, each capped at COUNT_CAP + 1 rows: constant cost.

    Ordered like the list, so PostgreSQL reads an ordered `(workspace, …, -last_message_at)`
    index newest first, where open conversations are; unordered, it chose a sequential scan
    that wades through old, closed rows first (thousands of rows on a big workspace)."""
    base = conversations_not_blocked(
        Conversation.objects.filter(workspace=workspace, status=ConversationStatus.OPEN),
        workspace=workspace,
    )

    def capped(queryset) -> int:
        return queryset.order_by(*ORDER).values("id")[: COUNT_CAP + 1].count()

    return {
        "unread": capped(base.filter(unread_count__gt=0)),
        "mine": capped(base.filter(assignee=user)),
        "unassigned": capped(base.filter(assignee__isnull=True)),
    }


# --- one conversation -----------------------------------------------------------------------------


def message_timeline(
    *,
    conversation: Conversation,
    limit: int = TIMELINE_PAGE_SIZE,
    before: int | None = None,
    after: int | None = None,
) -> list[Message]:
    """The conversation's messages plus this customer's page comments on the same page,
    oldest first; `before` pages back, `after` fetches what a browser has not seen yet."""
    # Every conversation of this customer on this page (this one included); from the others
    # only comments. The IN keeps PostgreSQL on the (conversation, sent_at) index per thread.
    threads = Conversation.objects.filter(
        workspace_id=conversation.workspace_id,
        customer_id=conversation.customer_id,
        channel_account_id=conversation.channel_account_id,
    ).values("id")
    queryset = Message.objects.filter(
        workspace_id=conversation.workspace_id, conversation_id__in=threads
    ).filter(Q(conversation_id=conversation.pk) | Q(kind=MessageKind.COMMENT))
    if after is not None:
        queryset = queryset.filter(id__gt=after)
        return list(queryset.select_related("author").order_by("sent_at", "id")[:limit])
    if before is not None:
        anchor = Message.objects.filter(workspace_id=conversation.workspace_id, pk=before).values(
            "sent_at"
        )
        queryset = queryset.filter(Q(sent_at__lt=anchor[:1]) | Q(sent_at=anchor[:1], id__lt=before))
    newest = queryset.select_related("author").order_by("-sent_at", "-id")[:limit]
    return list(reversed(newest))


def message_for_conversation(*, conversation: Conversation, pk: int) -> Message | None:
    return (
        Message.objects.filter(workspace_id=conversation.workspace_id, pk=pk)
        .select_related("author")
        .first()
    )


def _customer_comments(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk,
        kind=MessageKind.COMMENT, direction="in",
    )  # fmt: skip


def customer_commented(*, conversation: Conversation) -> bool:
    """The customer commented on one of the page's posts (in this conversation)."""
    return _customer_comments(conversation).exists()


def conversation_reply_comment(*, conversation: Conversation) -> Message | None:
    """The comment a commenter's composer answers: their newest one still on the post."""
    return (
        _customer_comments(conversation)
        .exclude(meta__contains={"removed": True})
        .order_by("-sent_at", "-id")
        .first()
    )


def conversation_labels(*, conversation: Conversation) -> tuple[list[Label], list[Label]]:
    """(labels on the conversation, labels one may add): the fanpage's set plus the
    workspace-wide set, in Vietnamese order; hidden and deleted labels are never offered, but
    stay in history."""
    rows = by_vietnamese_name(
        Label.objects.filter(workspace_id=conversation.workspace_id, deleted_at__isnull=True)
        .filter(
            Q(channel_account_id=conversation.channel_account_id) | Q(channel_account__isnull=True)
        )
        .annotate(
            on=Exists(
                ConversationLabel.objects.filter(label_id=OuterRef("pk"), conversation=conversation)
            )
        )
    )
    current = [label for label in rows if label.on]
    available = [label for label in rows if not label.on and not label.is_hidden]
    return current, available


@dataclass
class AgentMarks:
    following: bool
    muted: bool


def agent_marks(*, conversation: Conversation, user) -> AgentMarks:
    """Whether this agent follows / muted the conversation, in one query."""
    follow = ConversationFollow.objects.filter(conversation=conversation, user=user)
    mute = ConversationMute.objects.filter(conversation=conversation, user=user)
    values = (
        Conversation.objects.filter(pk=conversation.pk)
        .annotate(following=Exists(follow), muted=Exists(mute))
        .values("following", "muted")
        .first()
    ) or {"following": False, "muted": False}
    return AgentMarks(following=values["following"], muted=values["muted"])


def agent_muted_and_followed_ids(*, workspace, user) -> dict[str, list[int]]:
    """For the browser's notification rules (sound, desktop notification)."""
    return {
        "following": list(
            ConversationFollow.objects.filter(workspace=workspace, user=user)
            .order_by()
            .values_list("conversation_id", flat=True)[:1000]
        ),
        "muted": list(
            ConversationMute.objects.filter(workspace=workspace, user=user)
            .order_by()
            .values_list("conversation_id", flat=True)[:1000]
        ),
    }


def quick_reply_list(*, workspace, limit: int | None = 500) -> list[dict]:
    """The workspace's quick replies by shortcut: the composer's "/" menu (capped) and their
    settings page (`limit=None`: every one)."""
    return list(
        QuickReply.objects.filter(workspace=workspace)
        .order_by("shortcut")
        .values("id", "shortcut", "text")[:limit]
    )


# --- the customer panel ---------------------------------------------------------------------------


@dataclass
class CustomerPanel:
    customer: Customer
    conversations: list[Conversation]
    orders: list[Order]
    orders_total_vnd: int
    orders_count: int
    orders_returned: int  # listed and counted in orders_count, never in the total
    notes: list[CustomerNote]
    activity: str  # active | low_risk | high_risk
    days_since_seen: int


def customer_activity(*, last_seen_at: datetime, now: datetime) -> tuple[str, int]:
    days = max(0, (now - last_seen_at).days)
    if days >= HIGH_RISK_DAYS:
        return "high_risk", days
    if days >= LOW_RISK_DAYS:
        return "low_risk", days
    return "active", days


def customer_panel(*, conversation: Conversation, now: datetime | None = None) -> CustomerPanel:
    customer = conversation.customer
    orders_qs = Order.objects.filter(workspace_id=conversation.workspace_id, customer=customer)
    # Revenue counts closed and received orders; returned ones are listed but not summed.
    totals = orders_qs.aggregate(
        total=Sum("amount_vnd", filter=~Q(status=OrderStatus.RETURNED)),
        n=Count("id"),
        returned=Count("id", filter=Q(status=OrderStatus.RETURNED)),
    )
    activity, days = customer_activity(
        last_seen_at=customer.last_seen_at, now=now or timezone.now()
    )
    return CustomerPanel(
        customer=customer,
        conversations=list(
            Conversation.objects.filter(workspace_id=conversation.workspace_id, customer=customer)
            .select_related("channel_account", "assignee")
            .order_by("-last_message_at")[:20]
        ),
        orders=list(orders_qs.select_related("created_by").order_by("-created_at")[:10]),
        orders_total_vnd=totals["total"] or 0,
        orders_count=totals["n"] or 0,
        orders_returned=totals["returned"] or 0,
        notes=list(
            CustomerNote.objects.filter(workspace_id=conversation.workspace_id, customer=customer)
            .select_related("author")
            .order_by("-created_at")[:20]
        ),
        activity=activity,
        days_since_seen=days,
    )


def my_customers(*, workspace, user, limit: int = 100) -> QuerySet[Conversation]:
    """ "My customers": the agent's conversations, latest interaction first."""
    mine = Conversation.objects.filter(workspace=workspace, assignee=user)
    return conversation_rows(
        conversations_not_blocked(mine, workspace=workspace).order_by("-last_message_at", "-id")
    )[:limit]


def blocked_customers(*, workspace, limit: int = 200) -> QuerySet[Customer]:
    """The blocked list: who blocked them and when, and their latest conversation to open."""
    latest = Conversation.objects.filter(
        workspace_id=workspace.pk, customer_id=OuterRef("pk")
    ).order_by("-last_message_at", "-id")
    return (
        Customer.objects.filter(workspace=workspace, is_blocked=True)
        .select_related("blocked_by")
        .annotate(latest_conversation_id=Subquery(latest.values("id")[:1]))
        .order_by("-blocked_at", "-id")[:limit]
    )


def label_sets(*, workspace) -> tuple[list, dict]:
    """Channel accounts and each one's labels (None = the workspace-wide set), deleted excluded."""
    accounts = list(channel_accounts_of(workspace_id=workspace.pk).order_by("kind", "display_name"))
    sets: dict = {None: []}
    for account in accounts:
        sets[account.pk] = []
    for label in by_vietnamese_name(
        Label.objects.filter(workspace=workspace, deleted_at__isnull=True)
    ):
        sets.setdefault(label.channel_account_id, []).append(label)
    return accounts, sets
