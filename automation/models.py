"""Automation rules of a workspace and the log of everything they did or were refused."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    MESSAGE = "message", _("A message is received")
    NEW_CUSTOMER = "new_customer", _("A new customer's first message")
    RETURNING_CUSTOMER = "returning_customer", _("A returning customer's first message")
    COMMENT = "comment", _("A comment is received")
    LABEL_ADDED = "label_added", _("A label is added")
    CLOSED = "closed", _("The conversation is closed")


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


def rules_changed(workspace_id: int) -> None:
    """A new version of the workspace's rules: every process compiles them again on its next
    message (automation/services/rules.py `active_specs`)."""
    cache.set(rules_version_key(workspace_id), uuid.uuid4().hex, None)


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
