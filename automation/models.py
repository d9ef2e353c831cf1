"""Automation rules of a workspace and the log of everything they did or were refused."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models import Outcome


class Trigger(models.TextChoices):
    MESSAGE = "message", _("A message is received")
    NEW_CUSTOMER = "new_customer", _("A new customer's first message")
    RETURNING_CUSTOMER = "returning_customer", _("A returning customer's first message")
    COMMENT = "comment", _("A comment is received")
    LABEL_ADDED = "label_added", _("A label is added")
    CLOSED = "closed", _("The conversation is closed")
    CUSTOMER_SILENT = "customer_silent", _("The customer has not answered for a while")
    NO_AGENT_REPLY = "no_agent_reply", _("No agent has replied for a while")


# Triggers that fire on a deadline (a `RuleTimer` swept by beat), not on an event.
TIMED_TRIGGERS = (Trigger.CUSTOMER_SILENT, Trigger.NO_AGENT_REPLY)


class NotifyWhom(models.TextChoices):
    NOBODY = "", _("Nobody")
    HOLDER = "holder", _("The agent who holds the conversation")
    MEMBERS = "members", _("The chosen members")


class HoursCondition(models.TextChoices):
    ANY = "any", _("Any time")
    INSIDE = "inside", _("Inside business hours")
    OUTSIDE = "outside", _("Outside business hours")


class CustomerCondition(models.TextChoices):
    ANY = "any", _("Any customer")
    NEW = "new", _("New customer")
    RETURNING = "returning", _("Returning customer")


class AgentGuard(models.TextChoices):
    """When a rule may still reply to a conversation an agent holds."""

    BEFORE_CLAIM = "before_claim", _("Only before an agent claims the conversation")
    OUTSIDE_HOURS = "outside_hours", _("Also when claimed, but only outside business hours")


class Rule(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    # Narrowed to one page (None: every channel of the workspace).
    channel_account = models.ForeignKey(
        "channels_app.ChannelAccount", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("page"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(_("on"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    priority = models.SmallIntegerField(_("priority"), default=0)
    trigger = models.CharField(_("when"), max_length=24, choices=Trigger.choices,
                               default=Trigger.MESSAGE)  # fmt: skip
    # the timed triggers' wait: hours for "customer silent", minutes for "no agent reply"
    wait_minutes = models.PositiveIntegerField(
        _("wait (minutes)"), null=True, blank=True,
        help_text=_("For the timed triggers: how long the silence lasts before the rule acts."),
    )  # fmt: skip
    # conditions
    keywords = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    needs_phone = models.BooleanField(_("only when the message has a phone number"), null=True,
                                      blank=True)  # fmt: skip
    needs_label = models.ForeignKey(
        "conversations.Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("only with the label"),
    )  # fmt: skip
    hours = models.CharField(_("business hours"), max_length=8, choices=HoursCondition.choices,
                             default=HoursCondition.ANY)  # fmt: skip
    customer = models.CharField(_("customer"), max_length=10, choices=CustomerCondition.choices,
                                default=CustomerCondition.ANY)  # fmt: skip
    # actions
    reply_text = models.TextField(_("reply"), blank=True)
    add_label = models.ForeignKey(
        "conversations.Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("add the label"),
    )  # fmt: skip
    remove_label = models.ForeignKey(
        "conversations.Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("remove the label"),
    )  # fmt: skip
    round_robin = models.BooleanField(_("hand to round robin"), default=False)
    start_sequence = models.ForeignKey(
        "automation.Sequence", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("start the follow-ups"),
    )  # fmt: skip
    hide_comment = models.BooleanField(_("hide the comment"), default=False)
    private_reply_text = models.TextField(_("private reply to the comment"), blank=True)
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("give to the agent"),
    )  # fmt: skip
    set_outcome = models.CharField(_("set the outcome"), max_length=10, blank=True,
                                   choices=Outcome.choices)  # fmt: skip
    notify = models.CharField(_("notify"), max_length=8, blank=True, choices=NotifyWhom.choices,
                              default=NotifyWhom.NOBODY)  # fmt: skip
    notify_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                          verbose_name=_("members to notify"))  # fmt: skip
    notify_text = models.CharField(_("notice"), max_length=300, blank=True)
    # limits
    agent_guard = models.CharField(_("when an agent holds the conversation"), max_length=16,
                                   choices=AgentGuard.choices, default=AgentGuard.BEFORE_CLAIM)  # fmt: skip
    cooldown_minutes = models.PositiveIntegerField(_("cool-down per conversation (minutes)"),
                                                   default=10)  # fmt: skip
    hourly_cap = models.PositiveIntegerField(_("replies per hour at most"), default=60)
    # list columns
    fire_count = models.PositiveIntegerField(default=0)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workspace", "trigger"], name="rule_active",
                                condition=models.Q(enabled=True))]  # fmt: skip

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        rules_changed(self.workspace_id)

    def delete(self, *args, **kwargs):
        workspace_id = self.workspace_id
        result = super().delete(*args, **kwargs)
        rules_changed(workspace_id)
        return result


def rules_version_key(workspace_id: int) -> str:
    return f"automation:rules:{workspace_id}"


def followups_key(workspace_id: int) -> str:
    """Set once the workspace has had a follow-up: until then a customer's message costs no
    cancelling UPDATE."""
    return f"automation:followups:{workspace_id}"


def timers_key(workspace_id: int) -> str:
    """Set once the workspace has had a timed rule's deadline: until then a message costs no
    cancelling UPDATE."""
    return f"automation:timers:{workspace_id}"


def rules_changed(workspace_id: int) -> None:
    """A new version of the workspace's rules: this process compiles them again on its next
    message, every other one within `FLAGS_MEMO_SECONDS` (automation/services/rules.py
    `active_specs`)."""
    cache.set(rules_version_key(workspace_id), uuid.uuid4().hex, None)
    flags_forget(workspace_id)


# The ingest path reads the workspace's automation flags (rules version, follow-ups and
# timers ever started) for every drained batch; one Redis round trip each cost more CPU
# than the rules themselves (the cache client is built per call), so a process keeps what
# it read for a quarter of a second. What a stale read can cost: a rule saved elsewhere
# applies that much later, and a cancelling UPDATE is skipped, which the sweeps catch
# (they check the facts again before acting).
FLAGS_MEMO_SECONDS = 0.25
_flags_memo: dict[int, tuple[float, dict]] = {}


def workspace_flags(workspace_id: int) -> dict:
    """{"rules": the rules' version or None, "followups": bool, "timers": bool}."""
    now = time.monotonic()
    hit = _flags_memo.get(workspace_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    keys = (rules_version_key(workspace_id), followups_key(workspace_id), timers_key(workspace_id))
    found = cache.get_many(keys)
    flags = {"rules": found.get(keys[0]), "followups": keys[1] in found, "timers": keys[2] in found}
    _flags_memo[workspace_id] = (now + FLAGS_MEMO_SECONDS, flags)
    return flags


def flags_forget(workspace_id: int) -> None:
    _flags_memo.pop(workspace_id, None)


def flag_set(key: str, workspace_id: int) -> None:
    """Set a follow-ups / timers flag (never unset) and drop this process's memo of them."""
    cache.set(key, 1, None)
    flags_forget(workspace_id)


class RunResult(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class RuleRun(models.Model):
    """One automated action (or its refusal): what the log page and the cool-downs read."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, related_name="runs")
    rule_name = models.CharField(max_length=120)  # kept when the rule is deleted
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+")  # fmt: skip
    message = models.ForeignKey("conversations.Message", on_delete=models.SET_NULL, null=True,
                                related_name="+")  # the customer's message that triggered it  # fmt: skip
    sent = models.ForeignKey("conversations.Message", on_delete=models.SET_NULL, null=True,
                             related_name="+")  # the automated reply  # fmt: skip
    trigger = models.CharField(max_length=24, choices=Trigger.choices)
    action = models.CharField(max_length=24)  # reply, add_label, remove_label
    result = models.CharField(max_length=8, choices=RunResult.choices)
    reason = models.CharField(max_length=64, blank=True)  # refusal code
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="rulerun_log"),
            models.Index(fields=["conversation", "action", "-created_at"], name="rulerun_cooldown"),
            models.Index(fields=["rule", "action", "-created_at"], name="rulerun_cap"),
        ]

    def __str__(self):
        return f"{self.rule_name}: {self.action} {self.result}"


class Sequence(models.Model):
    """Follow-ups: steps sent after hours without an answer, started by a rule."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class SequenceStep(models.Model):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    after_hours = models.PositiveIntegerField(_("after this many hours without an answer"))
    needs_label = models.ForeignKey(
        "conversations.Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("only with the label"),
    )  # fmt: skip
    text = models.TextField(_("message"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.sequence_id}.{self.position}"


class FollowUpStatus(models.TextChoices):
    ACTIVE = "active", _("Waiting")
    DONE = "done", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(models.Model):
    """One conversation's place in a sequence: a durable deadline (`due_at`) the beat sweep
    finds through a partial index, never a countdown in the broker."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+")  # fmt: skip
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, related_name="+")
    next_step = models.PositiveIntegerField(default=0)  # index into the sequence's steps
    due_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=10, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.ACTIVE)  # fmt: skip
    reason = models.CharField(max_length=40, blank=True)  # why it ended
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], name="followup_due",
                         condition=models.Q(status="active")),
            models.Index(fields=["conversation"], name="followup_active",
                         condition=models.Q(status="active")),
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["conversation", "sequence"],
                                    condition=models.Q(status="active"),
                                    name="followup_one_active_per_sequence"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.sequence_id}@{self.conversation_id}"


class TimerStatus(models.TextChoices):
    ACTIVE = "active", _("Waiting")
    FIRED = "fired", _("Fired already")  # until the silence is broken
    CANCELLED = "cancelled", _("Broken")  # the silence was broken: may be armed again


class RuleTimer(models.Model):
    """A timed rule's deadline on one conversation ("the customer silent for X hours", "no
    agent reply for X minutes"); one row per rule and conversation, reused cycle after
    cycle. Armed (`active`, `due_at`) by the event that starts the silence, swept by beat
    when due (`fired`), set back to `cancelled` by the event that breaks the silence. Arming
    only moves a `cancelled` row, so a rule fires at most once per silence."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+")  # fmt: skip
    trigger = models.CharField(max_length=24, choices=Trigger.choices)
    armed_at = models.DateTimeField()  # the start of the silence
    due_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=10, choices=TimerStatus.choices,
                              default=TimerStatus.ACTIVE)  # fmt: skip
    reason = models.CharField(max_length=40, blank=True)  # what broke the silence last
    ended_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], name="ruletimer_due",
                         condition=models.Q(status="active")),
            models.Index(fields=["conversation", "trigger"], name="ruletimer_live",
                         condition=~models.Q(status="cancelled")),
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["rule", "conversation"], name="ruletimer_one"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.rule_id}@{self.conversation_id}"


class Notice(models.Model):
    """An in-app notice a rule gave a member (pushed live to their open inbox)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+")  # fmt: skip
    run = models.ForeignKey(RuleRun, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "user", "-created_at"], name="notice_inbox")]

    def __str__(self):
        return self.text


class CommentGuard(models.Model):
    """A page's automatic hiding of comments that expose a phone number. `exempt_posts` are
    never hidden; `forced_posts` are hidden even when the page's switch is off."""

    channel_account = models.OneToOneField("channels_app.ChannelAccount", on_delete=models.CASCADE,
                                           related_name="+", verbose_name=_("page"))  # fmt: skip
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    hide_phones = models.BooleanField(_("hide comments that show a phone number"), default=False)
    exempt_posts = ArrayField(models.CharField(max_length=120), default=list, blank=True,
                              verbose_name=_("posts never hidden"))  # fmt: skip
    forced_posts = ArrayField(models.CharField(max_length=120), default=list, blank=True,
                              verbose_name=_("posts always hidden"))  # fmt: skip
    unhide_after_hours = models.PositiveIntegerField(
        _("show them again after (hours)"), null=True, blank=True,
        help_text=_("Empty: they stay hidden."),
    )  # fmt: skip

    def __str__(self):
        return f"guard {self.channel_account_id}"


class CommentUnhide(models.Model):
    """A comment hidden for its phone number, to be shown again at `due_at` (swept by beat)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(null=True)
    done_at = models.DateTimeField(null=True)
    result = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="commentunhide_due",
                                condition=models.Q(done_at__isnull=True))]  # fmt: skip

    def __str__(self):
        return f"unhide {self.message_id}"
