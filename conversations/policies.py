"""Reply-window policy, pure: no database, `now` is a parameter.

Two tables, one module, so the next Meta change is a one-line edit:

- CHANNEL_WINDOWS: each channel kind declares its window in one place.
- RULES: first matching row over (phase, author, confirmation, purpose, utility available)
  decides how a reply goes out or why it is refused. Two phases come before any window: a
  channel that cannot send (no sending adapter) refuses every reply, and a customer who only
  commented has no Messenger window (public reply or the one private reply instead).

The decision is provider-neutral: allowed or not (needs confirmation, template only, refused
with a reason), and the `Purpose` a reply goes out under: an ordinary reply, a person's
confirmed answer in the extended window (`human_agent`) or an essential notification sent as a
template (`notification`, with its topic). Each adapter maps the purpose to its own wire words
(Meta's: `channels_app/providers/meta/wire.py`).

Meta's windows (facts and sources in docs/providers.md, "Reply windows"): 24 h standard
window; 24 h–7 days a human reply only; after that an essential notification as a Utility
Message template (Messenger only). Automation never uses the extended window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Phase(StrEnum):
    OPEN = "open"  # inside the standard window: reply freely
    HUMAN_AGENT = "human_agent"  # 24 h – 7 days: confirmed human replies only
    CLOSED = "closed"  # past every window: essential notifications only, if any
    UNLIMITED = "unlimited"  # channel without a window (Shopee, e-mail)
    # The customer only commented on a post and never wrote in Messenger: there is no
    # Messenger window yet; answer the comment publicly or with its one private reply.
    COMMENTS = "comments"
    NO_SENDING = "no_sending"  # the channel's provider has no sending adapter: receive only
    # Inside the window, but every free reply to the customer's last message is spent (Zalo).
    FREE_USED = "free_used"


class Purpose(StrEnum):
    """What a reply that may go out is, in no provider's words."""

    STANDARD = ""  # an ordinary reply: inside the standard window, or a channel without one
    HUMAN_AGENT = "human_agent"  # the extended window: a person's confirmed direct answer
    NOTIFICATION = "notification"  # an essential notification, sent as a template


class Verdict(StrEnum):
    ALLOWED = "allowed"
    NEEDS_CONFIRMATION = "needs_confirmation"  # allowed once the agent confirms
    TEMPLATE_ONLY = "template_only"  # only an essential notification (a template) may go out
    REFUSED = "refused"


class Author(StrEnum):
    HUMAN = "human"
    AUTOMATION = "automation"


# The three essential-notification purposes and their labels for the composer.
PURPOSES = {
    "event_update": _("Event reminder or schedule change"),
    "order_update": _("Order status update"),
    "account_update": _("Account or incident notice"),
}


@dataclass(frozen=True)
class ChannelWindow:
    standard: timedelta | None  # None: no window at all
    human_agent: timedelta | None = None  # how long confirmed human replies stay allowed
    utility: bool = False  # essential notifications as templates
    # Replies carry a purpose (standard / human_agent / notification) and comments open no
    # messaging window: Meta's rules.
    meta: bool = False
    setting: str = ""  # ChannelAccount.settings key (hours) overriding `standard`
    # How many messages may answer one customer message inside the window (None: no count;
    # Zalo's free replies), and the ChannelAccount.settings key overriding it.
    free_replies: int | None = None
    free_replies_setting: str = ""


# Every channel kind declares its window here, or its adapter declares it (`reply_window_rule`,
# registered at start-up: Shopee has no window). A kind in neither has no window. Zalo's customer-service
# window is unsettled in public sources (docs/providers.md, "Reply windows"): a per-channel
# setting, 48 h default.
CHANNEL_WINDOWS: dict[str, ChannelWindow] = {
    "facebook": ChannelWindow(
        standard=timedelta(hours=24), human_agent=timedelta(days=7), utility=True, meta=True
    ),
    "instagram": ChannelWindow(
        standard=timedelta(hours=24), human_agent=timedelta(days=7), utility=False, meta=True
    ),
    "zalo": ChannelWindow(standard=timedelta(hours=48), setting="reply_window_hours"),
    "email": ChannelWindow(standard=None),
}


def channel_window_register(kind: str, window: ChannelWindow) -> None:
    """A provider adapter's own window for a kind (channels_app calls it at start-up)."""
    CHANNEL_WINDOWS[kind] = window


ANY = object()


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    purpose: Purpose = Purpose.STANDARD
    reason: object = ""  # lazy translatable text when refused
    code: str = ""


def allow(purpose: Purpose = Purpose.STANDARD) -> Outcome:
    return Outcome(True, purpose=purpose)


def refuse(code: str, reason) -> Outcome:
    return Outcome(False, reason=reason, code=code)


@dataclass(frozen=True)
class Rule:
    phase: object
    author: object
    confirmed: object
    purpose: object  # True: a valid purpose was picked
    utility: object  # True: the channel offers Utility Messages
    outcome: Outcome


NEEDS_CONFIRMATION = _(
    "More than 24 hours have passed since the customer's last message. You may not send "
    "promotional content: confirm “I only reply to this customer” to send."
)
NO_AUTOMATION = _(
    "Automated messages may only be sent within 24 hours of the customer's last message."
)
CLOSED_META = _(
    "More than 7 days have passed since the customer's last message: you may not message this "
    "customer proactively. Only an essential notification (event, order or account update) "
    "may be sent."
)
CLOSED_NO_UTILITY = _(
    "More than 7 days have passed since the customer's last message: this channel allows no "
    "message until the customer writes again."
)
FREE_USED = _(
    "Every free reply to the customer's last message has been sent: Zalo allows more only "
    "once the customer writes again."
)
FREE_SHORT = _(
    "This reply is more messages than the free replies left to the customer's last message "
    "(each attachment is one message): send less, or wait until the customer writes again."
)
CLOSED_WINDOW = _(
    "The reply window of this channel has closed: wait until the customer writes again."
)
NO_SENDING = _("This channel only receives messages for now: replies cannot be sent yet.")
COMMENT_ONLY = _(
    "This customer has only commented on a post and has not written in Messenger, so there is "
    "no Messenger window yet. Reply publicly under the comment, or send the one private reply "
    "Meta allows per comment within 7 days of it."
)

# First match wins. Columns: phase, author, confirmed, purpose, utility -> outcome.
RULES: tuple[Rule, ...] = (
    Rule(Phase.NO_SENDING, ANY, ANY, ANY, ANY, refuse("no_sending", NO_SENDING)),
    Rule(Phase.FREE_USED, ANY, ANY, ANY, ANY, refuse("free_replies_used", FREE_USED)),
    Rule(Phase.COMMENTS, ANY, ANY, ANY, ANY, refuse("comment_only", COMMENT_ONLY)),
    Rule(Phase.UNLIMITED, ANY, ANY, ANY, ANY, allow()),
    Rule(Phase.OPEN, ANY, ANY, ANY, ANY, allow()),
    Rule(Phase.HUMAN_AGENT, ANY, ANY, True, True, allow(Purpose.NOTIFICATION)),
    Rule(Phase.HUMAN_AGENT, Author.HUMAN, True, ANY, ANY, allow(Purpose.HUMAN_AGENT)),
    Rule(Phase.HUMAN_AGENT, Author.HUMAN, False, ANY, ANY,
         refuse("needs_confirmation", NEEDS_CONFIRMATION)),
    Rule(Phase.HUMAN_AGENT, Author.AUTOMATION, ANY, ANY, ANY,
         refuse("automation_outside_window", NO_AUTOMATION)),
    Rule(Phase.CLOSED, ANY, ANY, True, True, allow(Purpose.NOTIFICATION)),
    Rule(Phase.CLOSED, ANY, ANY, ANY, True, refuse("window_closed", CLOSED_META)),
    Rule(Phase.CLOSED, ANY, ANY, ANY, False, refuse("window_closed", CLOSED_NO_UTILITY)),
)  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """May the reply go out, and as what. `purpose` is the neutral send purpose (the adapter
    maps it to its provider's words), `notification` the essential notification's topic
    (PURPOSES) when the purpose is NOTIFICATION. `free_messages_left` is how many messages the
    channel still lets us send before the customer writes again (None: no such count)."""

    allowed: bool
    phase: Phase
    verdict: Verdict = Verdict.ALLOWED
    purpose: Purpose = Purpose.STANDARD
    notification: str = ""
    reason: object = ""
    code: str = ""
    free_messages_left: int | None = None

    @property
    def policy_tag(self) -> str:
        """What Message.policy_tag records: "" (a standard reply), "human_agent",
        "notification:<topic>"."""
        if self.purpose == Purpose.NOTIFICATION:
            return f"{Purpose.NOTIFICATION}:{self.notification}"
        return str(self.purpose)

    @property
    def is_tagged(self) -> bool:
        """Sends outside the standard window: recorded for the audit log."""
        return self.purpose != Purpose.STANDARD


def purpose_of(policy_tag: str) -> tuple[Purpose, str]:
    """A stored Message.policy_tag back to (purpose, notification topic)."""
    name, _sep, topic = (policy_tag or "").partition(":")
    try:
        return Purpose(name), topic
    except ValueError:  # nothing else is ever written; an unknown record is a standard reply
        return Purpose.STANDARD, ""


def channel_window(kind: str, channel_settings: dict | None = None) -> ChannelWindow:
    window = CHANNEL_WINDOWS.get(kind, ChannelWindow(standard=None))
    channel_settings = channel_settings or {}
    if window.setting and channel_settings.get(window.setting):
        try:
            hours = float(channel_settings[window.setting])
        except (TypeError, ValueError):
            hours = 0
        if hours > 0:
            window = replace(window, standard=timedelta(hours=hours))
    if window.free_replies is not None and window.free_replies_setting:
        value = channel_settings.get(window.free_replies_setting)
        if isinstance(value, int | str) and str(value).strip().isdigit():
            window = replace(window, free_replies=int(str(value).strip()))
    return window


def counts_free_replies(kind: str, channel_settings: dict | None = None) -> bool:
    """Whether the channel counts the replies to each customer message (the caller then
    counts what was sent since it: selectors.timeline.replies_since_inbound)."""
    return channel_window(kind, channel_settings).free_replies is not None


def free_replies_left(window: ChannelWindow, replies_used: int) -> int | None:
    if window.free_replies is None:
        return None
    return max(0, window.free_replies - max(0, replies_used))


def window_phase(
    *, window: ChannelWindow, last_inbound_at: datetime | None, now: datetime,
    can_send: bool = True, commented: bool = False, replies_used: int = 0,
) -> Phase:  # fmt: skip
    """`can_send`: the channel's provider has a sending adapter. `commented`: the customer
    commented on one of the page's posts (comments never open Meta's messaging window).
    `replies_used`: messages sent since the customer's last one (channels with free replies)."""
    if not can_send:
        return Phase.NO_SENDING
    if window.standard is None:
        return Phase.UNLIMITED
    if last_inbound_at is None:
        if commented and window.meta:
            return Phase.COMMENTS  # no Messenger window until the customer writes there
        return Phase.CLOSED  # the customer never wrote: nothing is a reply
    elapsed = now - last_inbound_at
    if elapsed < window.standard:
        if free_replies_left(window, replies_used) == 0:
            return Phase.FREE_USED
        return Phase.OPEN
    if window.human_agent is not None and elapsed < window.human_agent:
        return Phase.HUMAN_AGENT
    return Phase.CLOSED


def _matches(expected, actual) -> bool:
    return expected is ANY or expected == actual


def send_decision(
    *,
    kind: str,
    last_inbound_at: datetime | None,
    now: datetime,
    automated: bool = False,
    confirmed: bool = False,
    purpose: str | None = None,
    channel_settings: dict | None = None,
    can_send: bool = True,
    commented: bool = False,
    replies_used: int = 0,
    parts: int = 1,
) -> Decision:
    """May this reply go out now, and how? Refusals carry a translatable reason.
    `replies_used`: messages sent since the customer's last one; `parts`: how many messages
    this reply is (text and each attachment), on channels that count free replies."""
    window = channel_window(kind, channel_settings)
    phase = window_phase(window=window, last_inbound_at=last_inbound_at, now=now,
                         can_send=can_send, commented=commented,
                         replies_used=replies_used)  # fmt: skip
    left = free_replies_left(window, replies_used) if phase == Phase.OPEN else None
    if left is not None and parts > left:
        return Decision(False, phase, verdict=Verdict.REFUSED, reason=FREE_SHORT,
                        code="free_replies_short", free_messages_left=left)  # fmt: skip
    if purpose and purpose not in PURPOSES:
        return Decision(False, phase, verdict=Verdict.REFUSED,
                        reason=_("Unknown notification purpose."), code="purpose")  # fmt: skip
    author = Author.AUTOMATION if automated else Author.HUMAN
    facts = (phase, author, bool(confirmed), bool(purpose), window.utility)
    for rule in RULES:
        columns = (rule.phase, rule.author, rule.confirmed, rule.purpose, rule.utility)
        if all(_matches(e, a) for e, a in zip(columns, facts, strict=True)):
            outcome = rule.outcome
            break
    else:  # pragma: no cover - the table is total; a gap is a bug, refuse safely
        outcome = refuse("no_rule", CLOSED_WINDOW)
    if outcome.allowed and not window.meta:
        outcome = allow()
    elif not outcome.allowed and not window.meta and phase not in KEEP_REASON:
        outcome = refuse(outcome.code, CLOSED_WINDOW)
    return Decision(
        outcome.allowed, phase, verdict=_verdict(outcome, phase=phase, window=window),
        purpose=outcome.purpose,
        notification=(purpose or "") if outcome.purpose == Purpose.NOTIFICATION else "",
        reason=outcome.reason, code=outcome.code,
        free_messages_left=None if left is None else left - parts,
    )  # fmt: skip


# Refusals that keep their own words on channels without Meta's rules.
KEEP_REASON = frozenset({Phase.NO_SENDING, Phase.FREE_USED})


def _verdict(outcome: Outcome, *, phase: Phase, window: ChannelWindow) -> Verdict:
    if outcome.allowed:
        return Verdict.ALLOWED
    if outcome.code == "needs_confirmation":
        return Verdict.NEEDS_CONFIRMATION
    if outcome.code == "window_closed" and phase == Phase.CLOSED and window.utility:
        return Verdict.TEMPLATE_ONLY
    return Verdict.REFUSED


@dataclass(frozen=True)
class WindowState:
    """What the composer shows: the phase, when it ends, what the agent must do."""

    phase: Phase
    closes_at: datetime | None  # end of the current phase (None: never / already closed)
    seconds_left: int | None
    needs_confirmation: bool
    purposes: dict  # essential-notification purposes allowed now ({} when none)
    free_messages_left: int | None = None  # free replies left (None: the channel counts none)

    @property
    def warning(self):
        if self.phase == Phase.NO_SENDING:
            return NO_SENDING
        if self.phase == Phase.FREE_USED:
            return FREE_USED
        if self.phase == Phase.COMMENTS:
            return COMMENT_ONLY
        if self.phase == Phase.HUMAN_AGENT:
            return NEEDS_CONFIRMATION
        if self.phase == Phase.CLOSED:
            return CLOSED_META if self.purposes else CLOSED_NO_UTILITY
        return ""


def window_state(
    *, kind: str, last_inbound_at: datetime | None, now: datetime,
    channel_settings: dict | None = None, can_send: bool = True, commented: bool = False,
    replies_used: int = 0,
) -> WindowState:  # fmt: skip
    window = channel_window(kind, channel_settings)
    phase = window_phase(window=window, last_inbound_at=last_inbound_at, now=now,
                         can_send=can_send, commented=commented,
                         replies_used=replies_used)  # fmt: skip
    closes_at = None
    if phase in (Phase.OPEN, Phase.FREE_USED):
        closes_at = last_inbound_at + window.standard
    elif phase == Phase.HUMAN_AGENT:
        closes_at = last_inbound_at + window.human_agent
    seconds_left = max(0, int((closes_at - now).total_seconds())) if closes_at else None
    purposes = PURPOSES if window.utility and phase in {Phase.HUMAN_AGENT, Phase.CLOSED} else {}
    return WindowState(
        phase=phase, closes_at=closes_at, seconds_left=seconds_left,
        needs_confirmation=phase == Phase.HUMAN_AGENT and window.meta, purposes=dict(purposes),
        free_messages_left=free_replies_left(window, replies_used)
        if phase in (Phase.OPEN, Phase.FREE_USED) else None,
    )  # fmt: skip


def reply_window_state(
    conversation, now: datetime, *, commented: bool = False, replies_used: int = 0
) -> WindowState:
    """For the inbox UI: the composer's phase and countdown for one conversation.
    `commented`: the customer commented on a post (selectors.timeline.conversation_reply_comment);
    `replies_used`: messages sent since the customer's last one (selectors.timeline
    .replies_since_inbound, on channels that count free replies)."""
    account = conversation.channel_account
    return window_state(
        kind=account.kind,
        last_inbound_at=conversation.last_inbound_at,
        now=now,
        channel_settings=account.settings,
        can_send=account.can_send,
        commented=commented,
        replies_used=replies_used,
    )


PRIVATE_REPLY_WINDOW = timedelta(days=7)


def needs_comment_lookup(*, kind: str, last_inbound_at: datetime | None) -> bool:
    """Whether the comment-only case can apply: a Meta channel whose customer never wrote in
    Messenger (the caller then looks for their comment)."""
    return last_inbound_at is None and CHANNEL_WINDOWS.get(kind, ChannelWindow(None)).meta


def private_reply_refusal(*, comment_created_at: datetime, already_replied: bool, now: datetime):
    """Meta allows one private reply per comment, within 7 days of it (docs/providers.md).
    Returns the refusal reason, or None when allowed."""
    if already_replied:
        return _("This comment already has a private reply: Meta allows only one.")
    if now - comment_created_at >= PRIVATE_REPLY_WINDOW:
        return _("Private replies are only possible within 7 days of the comment.")
    return None
