"""The one small interface every provider implements, and the provider-neutral shapes it speaks.

An adapter turns a provider's webhook body into the dataclasses below and turns an outbound
message or action into the provider's API call. Nothing else in the project knows a provider's
JSON: `channels_app.services` dispatches the dataclasses to `conversations.services`.

Adding a provider (Zalo, Shopee, e-mail): see docs/providers.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

# --- errors -----------------------------------------------------------------------------------


class PayloadError(ValueError):
    """A signed body we cannot understand: the event is kept and marked failed, never dropped."""


class ProviderError(Exception):
    """A provider refused or failed a call. `transient` errors are retried with backoff;
    permanent ones fail the message at once. `reconnect` means the token is dead: the channel
    account is flagged for an admin to reconnect."""

    def __init__(
        self,
        message,  # str or lazy translation: rendered in the workspace's language when recorded
        *,
        transient: bool = False,
        reconnect: bool = False,
        code: str = "",
        provider_message: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.reconnect = reconnect
        self.code = code
        self.provider_message = provider_message


# --- inbound events -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    type: str  # image | video | audio | file | sticker | location | fallback | share | story ...
    url: str = ""
    name: str = ""
    extra: Mapping = field(default_factory=dict)

    def as_json(self) -> dict:
        data = {"type": self.type}
        if self.url:
            data["url"] = self.url
        if self.name:
            data["name"] = self.name
        data.update(self.extra)
        return data


@dataclass(frozen=True)
class Event:
    """Base of every parsed event; `sort_key` orders a batch by provider time.

    `account_external_id` is the page / IG account the event belongs to: a batched Meta body
    may carry entries for several pages of the app."""

    timestamp: datetime
    account_external_id: str

    @property
    def sort_key(self) -> datetime:
        return self.timestamp


@dataclass(frozen=True)
class InboundMessage(Event):
    """The customer wrote (text, attachments, quick reply, postback, reply-to)."""

    contact_id: str
    external_id: str
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    contact_name: str = ""
    reply_to_external_id: str = ""
    meta: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class EchoMessage(Event):
    """The page/account sent a message: ours (`own_message_id` set) or typed elsewhere."""

    contact_id: str
    external_id: str
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    own_message_id: int | None = None  # our Message.pk, recognised from app id + metadata
    author_label: str = ""
    meta: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class StatusReceipt(Event):
    """Delivered / read up to `watermark` (and/or exactly `external_ids`)."""

    contact_id: str
    status: str  # "delivered" | "read"
    watermark: datetime | None = None
    external_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommentEvent(Event):
    """A comment on one of the page's posts was added, edited, removed, hidden or unhidden."""

    contact_id: str
    external_id: str  # comment id
    verb: str  # add | edited | remove | hide | unhide
    text: str = ""
    contact_name: str = ""
    post_id: str = ""
    post_url: str = ""
    parent_id: str = ""
    attachments: tuple[Attachment, ...] = ()
    from_page: bool = False


@dataclass(frozen=True)
class ReconnectNeeded(Event):
    """The provider says the account's authorisation ended or is about to (Shopee: the shop
    deauthorised the app, or its authorisation expires soon): an admin must reconnect it."""

    reason: object = ""  # plain words (a lazy translation), recorded on the channel account


@dataclass(frozen=True)
class ContactEvent(Event):
    """Something the customer did that is not a message, shown as a line in the timeline of
    their conversation: `what` is "followed" or "unfollowed" (Zalo OA follows)."""

    contact_id: str
    what: str


@dataclass(frozen=True)
class Reaction(Event):
    """A reaction to one message: `emoji` set (or "" when taken back); `by_account` when the
    page / OA reacted rather than the customer."""

    contact_id: str
    target_external_id: str
    emoji: str = ""
    by_account: bool = False


@dataclass(frozen=True)
class Ignored(Event):
    """A well-formed event we do not act on (reactions, optins, ...); kept for the record."""

    reason: str = ""


# --- outbound -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundMessage:
    """What to send. `recipient_id` is the contact's provider id; `comment_id` turns it into a
    private reply. `purpose` is the reply policy's neutral send purpose
    (conversations.policies.Purpose: "" a standard reply, "human_agent", "notification") and
    `notification` the essential notification's topic; each adapter maps them to its own
    wire format."""

    message_id: int
    recipient_id: str
    text: str = ""
    attachments: tuple[dict, ...] = ()
    reply_to_external_id: str = ""
    comment_id: str = ""
    purpose: str = ""
    notification: str = ""
    public_comment_reply_to: str = ""  # send as a public reply under this comment instead
    # The customer's latest message, for providers whose replies answer one (Zalo's
    # recipient.message_id); filled only when the adapter sets `replies_reference_inbound`.
    answers_external_id: str = ""


@dataclass(frozen=True)
class SendResult:
    external_id: str
    recipient_id: str = ""
    # Every id the provider gave, when the reply went out as several sends (Zalo and Shopee
    # send a text and each file apart): their echoes are recognised as ours by these.
    part_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """What a provider tells about a customer: empty strings when it did not say."""

    name: str = ""
    avatar_url: str = ""
    username: str = ""


@dataclass(frozen=True)
class Subscription:
    """Which apps the provider will send this account's webhooks to (Meta: a Page's
    subscribed_apps). `target_id` is the object asked about (the Page, for Instagram the Page
    linked to the account); `apps` maps an app id to the fields it is subscribed to (None when
    the provider did not list them)."""

    target_id: str
    apps: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SubscriptionCheck:
    """What a subscription check found and did. `outcome` is "ok", "resubscribed" or
    "unknown"; `detail` is the plain-words line the channels page shows (a lazy translation,
    rendered in the workspace's language with `params`)."""

    outcome: str
    detail: object
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectedAccount:
    """What an admin's connection (the provider's consent screen, then our callback) gave us:
    the account's id and name at the provider, the credentials to store (encrypted) and when
    its access expires (None: it does not expire on a timer)."""

    external_id: str
    name: str
    credentials: dict
    expires_at: datetime | None


@dataclass(frozen=True)
class ConnectCandidate:
    """One account a consent made available when one consent covers many (Meta: every Page
    the person manages, and the Instagram account linked to a Page): offered to the admin to
    pick. `parent_id` is the account this one hangs from (an Instagram account's Page);
    `detail` a line shown under the name (the @username)."""

    kind: str
    external_id: str
    name: str
    credentials: dict
    settings: dict = field(default_factory=dict)
    parent_id: str = ""
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.external_id}"


@dataclass(frozen=True)
class ConnectGrant:
    """What one consent gave: the accounts to pick from and what the adapter needs again to
    activate the picked ones (`kept`: the person's long-lived token), until `expires_at`."""

    candidates: tuple[ConnectCandidate, ...]
    kept: dict = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class LostEvents:
    """Deliveries the provider kept because they were never acknowledged (Shopee's lost
    pushes): the raw bodies, the cursor to confirm once they are stored, whether more wait."""

    bodies: tuple[bytes, ...] = ()
    cursor: str = ""
    more: bool = False


@dataclass(frozen=True)
class Action:
    """A provider action on an existing message: hide/unhide, like/unlike a comment."""

    name: str  # hide | unhide | like | unlike
    target_external_id: str


# --- the interface ---------------------------------------------------------------------------


class ProviderAdapter:
    """Everything provider-specific that generic code asks about: the webhook edge (headers
    kept, the answer, the handshake, the signature, which external id names the channel),
    parse, send (limits, media hosts, plain-words errors), reply window, actions; optionally
    customer profiles, webhook subscription health and credential refresh. One instance per
    kind; the facts behind each declaration are in docs/providers.md."""

    kind: ClassVar[str] = ""
    # The key in conversations.policies.CHANNEL_WINDOWS that governs replies on this kind.
    window_rule: ClassVar[str] = ""
    # A new kind declares its reply window here (a conversations.policies.ChannelWindow);
    # channels_app registers it in CHANNEL_WINDOWS at start-up. None: the table has its row.
    reply_window_rule: ClassVar[object | None] = None
    actions: ClassVar[frozenset[str]] = frozenset()

    # --- the webhook edge --------------------------------------------------------------------
    # Request headers stored with each body, so a replay can verify it again.
    kept_headers: ClassVar[tuple[str, ...]] = ("Content-Type", "User-Agent")
    # The answer to a delivery that was stored (the provider retries anything else).
    ack_status: ClassVar[int] = 200
    ack_body: ClassVar[str] = ""
    # What one channel account is at this provider ("page", "official account", "shop",
    # "mailbox"): its id is ChannelAccount.external_id, read off each parsed event by
    # `event_account_id`.
    account_id_name: ClassVar[str] = "account"

    # One webhook address for every account of the deployment: None when each account has its
    # own (`/webhooks/<kind>/<ChannelAccount.webhook_key>/`); "" for the kind's bare address
    # (`/webhooks/<kind>/`, Zalo: one callback URL per app); else the key of that address
    # (`/webhooks/<kind>/<key>/`, Shopee: one push URL per partner app, kept unguessable). On
    # a shared address the edge checks the signature first, then finds the account by the ids
    # the signed body names (`body_account_ids`).
    def shared_webhook_key(self) -> str | None:
        return None

    def body_account_ids(
        self, *, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[str, ...]:
        """The external ids of the accounts a body on the shared address is for, in order of
        preference (empty: none can be read). Only asked after the signature was checked."""
        return ()

    def default_app_id(self) -> str:
        """The provider app a new channel of this kind is connected under ("" when none)."""
        return ""

    def event_account_id(self, event: Event) -> str:
        """The external id of the ChannelAccount this event belongs to (a batched body may
        carry events of several of the provider app's accounts)."""
        return event.account_external_id

    # --- what may be sent and fetched ----------------------------------------------------------
    # The longest reply text the provider accepts (characters; None: no known limit), and the
    # largest attachment it takes (bytes; None: no known limit).
    max_text_length: ClassVar[int | None] = None
    max_attachment_bytes: ClassVar[int | None] = None
    # The attachment types (Message.attachments' "image", "video", "audio", "file") a reply
    # may carry: None for every one; the composer offers and accepts only these.
    sendable_attachments: ClassVar[frozenset[str] | None] = None
    # Hosts (and their subdomains) inbound media and profile pictures may be downloaded from,
    # on top of the deployment's MEDIA_DOWNLOAD_HOSTS.
    media_hosts: ClassVar[tuple[str, ...]] = ()

    def explain_error(self, code: str):
        """Plain words (a lazy translation) for one of this provider's error codes that the
        generic services name: "token_expired" (the channel must be reconnected),
        "not_confirmed" (the provider did not confirm a change). None when it has none."""
        return None

    # verify
    def verify_handshake(self, *, account, params: Mapping[str, str]) -> str | None:
        """Answer the provider's subscription handshake: the body to echo, or None (403)."""
        return None

    def signing_app(self, *, body: bytes, headers: Mapping[str, str]) -> str | None:
        """The id of the provider app whose secret signed `body` (the trust boundary: ingest
        lets the body reach only channel accounts of that app), or None when no configured
        app's secret did (403)."""
        raise NotImplementedError

    def dedupe_key(self, *, body: bytes) -> str:
        """A redelivered body maps to the same key; the DB makes the second insert a no-op."""
        return "sha256:" + hashlib.sha256(body).hexdigest()

    # parse
    def parse(self, *, account, body: bytes) -> list[Event]:
        """Every event in the body, in provider-time order. Raises PayloadError."""
        raise NotImplementedError

    # send
    def send(self, *, account, outbound: OutboundMessage) -> SendResult:
        """Raises ProviderError."""
        raise NotImplementedError

    @property
    def supports_sending(self) -> bool:
        """An adapter that implements `send` can deliver replies; one that does not only
        receives (the composer is closed and the server refuses replies on its channels)."""
        return type(self).send is not ProviderAdapter.send

    # reply window
    def reply_window(self) -> str:
        return self.window_rule or self.kind

    # actions
    def perform(self, *, account, action: Action) -> None:
        """Raises ProviderError."""
        raise NotImplementedError

    # customer profiles (optional): webhooks often carry only an id
    supports_profiles: ClassVar[bool] = False
    # Replies name the customer message they answer (delivery looks the latest one up).
    replies_reference_inbound: ClassVar[bool] = False

    def fetch_profile(self, *, account, contact_external_id: str) -> Profile:
        """The customer's name and picture. Raises ProviderError."""
        raise NotImplementedError

    # webhook subscription health (optional): providers that can silently stop sending
    supports_subscriptions: ClassVar[bool] = False

    def subscription_target(self, *, account) -> str:
        """The provider object whose subscription is checked ("" when it is not known)."""
        return account.external_id

    def subscription_get(self, *, account) -> Subscription:
        """Raises ProviderError."""
        raise NotImplementedError

    def subscription_renew(self, *, account, fields: tuple[str, ...]) -> None:
        """Subscribe our app again. Raises ProviderError."""
        raise NotImplementedError

    def check_subscription(self, *, account) -> SubscriptionCheck:
        """Read the account's webhook subscription and renew it when it lapsed (the generic
        service `channel_account_subscription_check` records the outcome). Only called
        when `supports_subscriptions`; raises ProviderError."""
        raise NotImplementedError

    # lost deliveries (optional): providers that keep what they could not deliver and hand it
    # out again on request (Shopee: get_lost_push_message); beat reads them back.
    supports_lost_events: ClassVar[bool] = False

    def lost_events(self) -> LostEvents:
        """The oldest deliveries not yet confirmed as consumed. Raises ProviderError."""
        raise NotImplementedError

    def lost_events_confirm(self, *, cursor: str) -> None:
        """Tell the provider everything up to `cursor` is stored. Raises ProviderError."""
        raise NotImplementedError

    # connecting an account (optional): the provider's consent screen, then our callback
    def connect_url(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        """The provider URL the admin is sent to (carrying `state` and `redirect_uri`), and a
        dict of secrets kept in the admin's session until the callback (a PKCE verifier)."""
        raise NotImplementedError

    def connect_finish(
        self, *, params: Mapping[str, str], redirect_uri: str, kept: dict
    ) -> ConnectedAccount:
        """The callback's query (`params`, already checked against the state) and what
        `connect_url` kept -> the connected account. Raises ProviderError."""
        raise NotImplementedError

    # One consent covers many accounts the admin then picks from (Meta's Facebook Login):
    # the callback asks `connect_grant` instead of `connect_finish`.
    connect_picks: ClassVar[bool] = False

    def connect_grant(
        self, *, params: Mapping[str, str], redirect_uri: str, kept: dict
    ) -> ConnectGrant:
        """The callback's query -> every account the consent covers. Raises ProviderError."""
        raise NotImplementedError

    def connect_activate(
        self, *, grant: ConnectGrant, picked: tuple[ConnectCandidate, ...]
    ) -> dict[str, ProviderError | None]:
        """Make the picked accounts send us their webhooks (Meta: subscribe each Page) ->
        for each candidate key, None when it worked or the ProviderError that refused it."""
        raise NotImplementedError

    @property
    def supports_connect(self) -> bool:
        """Admins connect, reconnect and disconnect accounts of this kind from the channels page."""
        return type(self).connect_url is not ProviderAdapter.connect_url

    # credential refresh (optional): providers whose access tokens expire and are renewed
    # with a single-use refresh token (Zalo, Shopee). Meta's Page tokens do not.
    def refresh_credentials(self, *, account, credentials: Mapping) -> dict | None:
        """New credentials to store for `account` (decrypted `credentials` in, the whole new
        dict out, with `expires_at` as an ISO string), or None when nothing needs renewing. The caller holds the account's row
        lock, so two workers never spend the same single-use refresh token. Raises
        ProviderError."""
        return None


def clean_text(value, *, limit: int | None = None) -> str:
    """Text safe for PostgreSQL: no NUL, no lone surrogates (broken unicode in JSON escapes)."""
    if value is None:
        return ""
    text = str(value).replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:limit] if limit else text
