"""Customers, their per-channel identities, conversations, messages, labels, orders, notes.

One module on purpose: these are the models of one aggregate (a customer's conversations and
what hangs off them), their constraints and indexes refer to each other, and the migrations
read them as one app's models. Splitting them into a package would only scatter the
foreign keys; the write rules live in `services/`, the queries in `selectors/`.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Unaccented(models.Func):
    """`inbox_unaccent(text)`: lower-cased, accent-free text ("Nguyễn Đức" -> "nguyen duc").

    An IMMUTABLE SQL wrapper around PostgreSQL's unaccent (migration 0002), so stored
    generated columns can be computed with it. (Migration 0003 names this class.)
    """

    function = "inbox_unaccent"
    output_field = models.TextField()


class SearchWords(models.Func):
    """A message's unaccented words as a tsvector, each word prefixed with the workspace id
    (`w12xcon`): the GIN index then keeps one posting list per word *per workspace*, so a
    search reads only its own workspace's lists (migration 0006 explains the measurement)."""

    template = "to_tsvector('simple'::regconfig, inbox_search_words(%(expressions)s))"
    output_field = SearchVectorField()

    def __init__(self, **extra):
        super().__init__(models.F("workspace_id"), models.F("text"), **extra)


class MatchesWords(models.Func):
    """`search_words @@ inbox_search_query(<workspace>, <q>)`: the phrase of `q`'s whole words
    (the last also as a prefix when it has 4+ characters), tokenised by the same SQL function
    as the stored column. The arguments are constants, so PostgreSQL folds the query at plan
    time and estimates it from the column's word statistics."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = models.BooleanField()

    def __init__(self, *, workspace_id: int, q: str):
        query = models.Func(
            Cast(models.Value(workspace_id), models.BigIntegerField()),
            models.Value(q),
            function="inbox_search_query",
            output_field=SearchQueryField(),
        )
        super().__init__(models.F("search_words"), query)


class CustomerSearchDocument(models.Func):
    """Name, phones (E.164 and, for Vietnam, 0… as agents type them) and e-mails of a
    customer as one unaccented, lower-cased string."""

    function = "inbox_customer_search"
    output_field = models.TextField()

    def __init__(self, **extra):
        super().__init__(models.F("name"), models.F("phones"), models.F("emails"), **extra)


class Customer(models.Model):
    """One person across every channel of a workspace (cross-channel profile)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200, blank=True)
    phones = ArrayField(models.CharField(max_length=20), default=list, blank=True)  # E.164
    emails = ArrayField(models.EmailField(), default=list, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # Blocked: their messages are still recorded, but do not notify, count as unread, get
    # routed or trigger automatic replies. The last block and unblock are kept here; each is
    # also a system line in the timeline.
    is_blocked = models.BooleanField(_("blocked"), default=False)
    blocked_at = models.DateTimeField(null=True, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    unblocked_at = models.DateTimeField(null=True, blank=True)
    unblocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    unblock_reason = models.CharField(_("reason for unblocking"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # What the inbox search matches: written by PostgreSQL on every insert and update, so
    # a search reads it (and its trigram index) instead of unaccenting at query time.
    search_document = models.GeneratedField(
        expression=CustomerSearchDocument(), output_field=models.TextField(), db_persist=True
    )

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-last_seen_at"]),
            models.Index(
                fields=["workspace"], name="customer_blocked", condition=Q(is_blocked=True)
            ),
            # Accent-insensitive search by name, phone, e-mail (btree_gin + pg_trgm).
            GinIndex(
                models.F("workspace"),
                OpClass(models.F("search_document"), name="gin_trgm_ops"),
                name="customer_search_trgm",
            ),
        ]

    def __str__(self):
        return self.name or f"#{self.pk}"


class Contact(models.Model):
    """A customer's identity on one channel account (PSID, IGSID, Zalo user id, address)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    channel_account = models.ForeignKey(
        "channels_app.ChannelAccount", on_delete=models.CASCADE, related_name="contacts"
    )
    external_id = models.CharField(max_length=200)
    display_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "external_id"], name="contact_unique_per_account"
            ),
        ]
        indexes = [models.Index(fields=["customer"])]

    def __str__(self):
        return self.display_name or self.external_id


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class Outcome(models.TextChoices):
    NONE = "none", _("No sale yet")
    ORDERED = "ordered", _("Sale recorded")
    RETURNED = "returned", _("Returned")
    RECEIVED = "received", _("Received")


class Conversation(models.Model):
    """A contact's thread with the shop. Never deleted: closed, archived, reopened."""

    # Every new message rewrites this row's list columns, and such an update adds an entry to
    # every index: no single-column foreign-key index that a composite one below already
    # leads with (workspace, channel account, customer, assignee).
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    channel_account = models.ForeignKey(
        "channels_app.ChannelAccount", on_delete=models.PROTECT, related_name="conversations",
        db_index=False,
    )  # fmt: skip
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="conversations", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ConversationStatus.choices, default="open"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        db_index=False,  # conv_ws_assignee leads with (workspace, assignee)
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Anti-steal: when the claim lapses unless the assignee replies (swept by beat).
    release_deadline = models.DateTimeField(null=True, blank=True)

    # Denormalised from the messages, for a list that never joins them.
    last_message_at = models.DateTimeField(default=timezone.now)
    last_message_preview = models.CharField(max_length=200, blank=True)
    last_message_direction = models.CharField(max_length=3, blank=True)  # "in" / "out"
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    # The last message is a reply that failed to go out: the row says "Not sent:", not "You:".
    last_outbound_failed = models.BooleanField(default=False, db_default=False)
    # The customer messages that count as unread (none from a blocked customer), counted since
    # the conversation began and never reset: reading is each person's own (ReadMarker).
    unread_count = models.PositiveIntegerField(default=0)

    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.NONE)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    is_returning = models.BooleanField(
        _("returning customer"), default=False, help_text=_("The customer had written before.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    labels = models.ManyToManyField(
        "Label", through="ConversationLabel", related_name="conversations", blank=True
    )

    class Meta:
        constraints = [
            # At most one live (open or closed) conversation per contact; a new message
            # reopens it. Archiving frees the contact for a fresh conversation.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(status__in=["open", "closed"]),
                name="conversation_live_per_contact",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="conversation_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(release_deadline__isnull=True) | Q(assignee__isnull=False),
                name="conversation_deadline_needs_assignee",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-last_message_at", "-id"], name="conv_ws_recent"),
            models.Index(
                fields=["workspace", "status", "-last_message_at", "-id"], name="conv_ws_status"
            ),
            models.Index(
                fields=["workspace", "assignee", "-last_message_at", "-id"], name="conv_ws_assignee"
            ),
            models.Index(
                fields=["channel_account", "-last_message_at", "-id"], name="conv_account_recent"
            ),
            models.Index(fields=["customer", "-last_message_at"], name="conv_customer"),
            models.Index(
                fields=["release_deadline"],
                name="conv_release_due",
                condition=Q(release_deadline__isnull=False),
            ),
            # Inbox filters that are selective enough to need their own ordered index.
            models.Index(
                fields=["workspace", "-last_message_at", "-id"],
                name="conv_ws_unread",
                condition=Q(unread_count__gt=0),
            ),
            models.Index(
                fields=["workspace", "-last_message_at", "-id"],
                name="conv_ws_unanswered",
                condition=Q(last_message_direction="in"),
            ),
            models.Index(
                fields=["workspace", "outcome", "-last_message_at", "-id"], name="conv_ws_outcome"
            ),
            models.Index(
                fields=["workspace", "rating", "-last_message_at", "-id"],
                name="conv_ws_rating",
                condition=Q(rating__isnull=False),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.last_message_preview[:40]}"


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")


class MessageKind(models.TextChoices):
    INBOX = "inbox", _("Message")
    COMMENT = "comment", _("Comment")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("System event")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(  # indexed by msg_conv_time (conversation, sent_at, id)
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    channel_account = models.ForeignKey(
        "channels_app.ChannelAccount", on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.INBOX)
    text = models.TextField(blank=True)
    # [{"type": "image|video|audio|file|sticker|location|fallback", "url": ..., "name": ...}]
    attachments = models.JSONField(default=list, blank=True)
    # Provider's id (mid, comment id, Zalo msg_id, Message-ID): unique per channel account.
    # NULL (not ""): internal notes and pending sends have none, and the unique index skips NULLs.
    external_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    reply_to_external_id = models.CharField(max_length=255, blank=True)
    # Kind-specific facts: post link and comment state for comments, quick-reply payloads,
    # system event details, e-mail headers.
    meta = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=100, blank=True)  # "Page inbox", "Automation"
    is_automated = models.BooleanField(default=False)
    sent_at = models.DateTimeField(default=timezone.now)  # provider time for inbound
    created_at = models.DateTimeField(default=timezone.now)
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, blank=True)
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    # The reply policy's neutral send purpose: "" (a standard reply), "human_agent",
    # "notification:<topic>" (conversations.policies.Decision.policy_tag).
    policy_tag = models.CharField(max_length=40, blank=True)
    # The words of `text` for the inbox search (see SearchWords), written by PostgreSQL: a
    # stored generated column, so every write path fills it, COPY included.
    search_words = models.GeneratedField(
        expression=SearchWords(), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_external_id_unique",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["note", "system"]) | Q(external_id__isnull=True),
                name="message_internal_has_no_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at", "id"], name="msg_conv_time"),
            models.Index(
                fields=["delivery_status"],
                name="msg_delivery_pending",
                condition=Q(delivery_status="pending"),
            ),
            # Accent-insensitive word search; the workspace is inside each word (SearchWords).
            GinIndex(fields=["search_words"], name="message_words"),
        ]

    def __str__(self):
        return f"{self.direction} {self.kind}: {self.text[:40]}"


class Label(models.Model):
    """A conversation tag. Each fanpage has its own set (channel_account set), or none for the
    whole workspace. Deleting only marks it: history keeps its labels."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    channel_account = models.ForeignKey(
        "channels_app.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="labels",
    )
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")
    is_hidden = models.BooleanField(_("hidden"), default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace",
                "channel_account",
                Lower("name"),
                condition=Q(deleted_at__isnull=True),
                nulls_distinct=False,
                name="label_name_unique_per_set",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "channel_account"])]
        ordering = ["name"]

    def __str__(self):
        return self.name


class ConversationLabel(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "label"], name="conversation_label_once"
            ),
        ]
        indexes = [models.Index(fields=["label", "conversation"])]

    def __str__(self):
        return f"#{self.conversation_id} · {self.label_id}"


class OrderStatus(models.TextChoices):
    CLOSED = "closed", _("Sale recorded")
    RETURNED = "returned", _("Returned")
    RECEIVED = "received", _("Received")


class Order(models.Model):
    """An order captured in the chat ("chốt đơn"). Amounts are whole VND."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    amount_vnd = models.BigIntegerField(_("amount (VND)"))
    items = models.JSONField(default=list, blank=True)  # [{"name", "quantity", "price_vnd"}]
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.CLOSED
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_vnd__gte=0), name="order_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.amount_vnd:,} ₫"


class CustomerNote(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self):
        return self.text[:60]


class QuickReply(models.Model):
    """A saved answer agents insert by typing "/" and its shortcut."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    shortcut = models.SlugField(_("shortcut"), max_length=40, allow_unicode=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "shortcut"], name="quick_reply_unique"),
        ]
        ordering = ["shortcut"]

    def __str__(self):
        return f"/{self.shortcut}"


# --- agent tools and search ---------------------------------------------------------------


class ConversationFollow(models.Model):
    """An agent follows a conversation: notified of its new messages without owning it."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation"], name="conversation_follow_once"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} → #{self.conversation_id}"


class ConversationMute(models.Model):
    """An agent silenced a conversation: no sound or browser notification for it."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="conversation_mute_once"),
        ]

    def __str__(self):
        return f"{self.user_id} → #{self.conversation_id}"


class ReadMarker(models.Model):
    """How far one person has read one conversation: `seen_count` is the conversation's
    `unread_count` counter (customer messages that count as unread, never reset) when they
    last read it, so their own unread is `unread_count - seen_count`; no row: they read none.
    Upserted when they open the conversation or its open pane shows a new message."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # "Mark unread" on a conversation with no counted message stores -1: one unread.
    seen_count = models.IntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index of the list's per-row look-up (conversation, user).
            models.UniqueConstraint(fields=["conversation", "user"], name="read_marker_once"),
        ]
        indexes = [models.Index(fields=["user", "workspace"], name="read_marker_user")]

    def __str__(self):
        return f"{self.user_id} read #{self.conversation_id} to {self.seen_count}"
