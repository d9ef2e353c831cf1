"""The reports' own tables: one row per fact (`ReportFact`), the daily and hourly rollups
the pages read, and the queues of what still has to be derived or rolled up.

Facts are written by `services/derive.py` from what the inbox and routing recorded, once per
fact (unique `key`), with the workspace's local day and hour and the business-time value
computed when the fact is written. Ids of conversations, agents and channels are plain
integers: a fact outlives nothing it points to, and the writes stay cheap."""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class FactKind(models.TextChoices):
    CONVERSATION = "conversation"  # a conversation began, or a customer came back (reopened)
    INBOUND = "inbound"  # a customer's message or comment
    REPLY = "reply"  # an agent's reply (never automation, notes or system lines)
    HANDLED = "handled"  # an agent claimed or replied in a conversation on this local day
    CLAIM = "claim"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    RELEASE = "release"  # the anti-steal timer took the customer back
    ORDER = "order"  # value: amount in VND; detail: the order's status
    LABEL = "label"  # a label put on a conversation
    PHONE = "phone"  # a customer's phone number captured
    # the shortest span from a day it was handled to a day it had a sale (reports/spans.py),
    # of the conversation / of one agent's part in it; its day is the span's last day
    CLOSING = "closing"
    CLOSING_AGENT = "closing_agent"


class ReportFact(models.Model):
    workspace_id = models.BigIntegerField()
    key = models.CharField(max_length=80)  # what the fact is, e.g. "m:123" (message 123)
    kind = models.CharField(max_length=16, choices=FactKind.choices)
    occurred_at = models.DateTimeField()
    day = models.DateField()  # local day in the workspace's zone when written
    hour = models.PositiveSmallIntegerField()  # local hour, 0-23
    conversation_id = models.BigIntegerField(null=True)
    channel_account_id = models.BigIntegerField(null=True)
    customer_id = models.BigIntegerField(null=True)
    agent_id = models.BigIntegerField(null=True)
    label_id = models.BigIntegerField(null=True)
    conversation_kind = models.CharField(max_length=8, blank=True)  # "inbox" / "comment"
    # seconds (a reply's response time) or VND (an order's amount)
    value = models.BigIntegerField(null=True)
    value_business = models.BigIntegerField(null=True)  # the same, counting open hours only
    # a reply: the cycle's first response; a handled fact: the conversation's first of its day
    first = models.BooleanField(default=False)
    detail = models.CharField(max_length=20, blank=True)  # order status, "new" / "returning"
    # handled facts: the latest earlier day the conversation was handled, by anyone / by this
    # agent (null: never before), so that distinct counts are sums (docs/reports.md, "Speed")
    prev_day = models.DateField(null=True)
    prev_day_agent = models.DateField(null=True)
    # handled, order and closing facts: the conversation's labels, rewritten when they change
    labels = ArrayField(models.BigIntegerField(), null=True)
    span_start = models.DateField(null=True)  # closing facts: the span's first day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "key"], name="report_fact_key"),
        ]
        indexes = [
            models.Index(fields=["workspace_id", "kind", "day"], name="report_fact_kind_day"),
            models.Index(fields=["workspace_id", "day"], name="report_fact_day"),
            models.Index(fields=["conversation_id"], name="report_fact_conversation"),
            # Covering, one kind each: the page's direct reads are index-only (0002).
            models.Index(
                fields=["workspace_id", "day"],
                include=["conversation_id", "agent_id", "channel_account_id"],
                condition=models.Q(kind="handled"),
                name="report_fact_handled_day",
            ),
            # Closing spans after an earlier one or across a period's start: the few the
            # closed counts read besides the rollups (0005).
            models.Index(
                fields=["workspace_id", "day"],
                include=["prev_day", "span_start", "agent_id", "channel_account_id", "labels"],
                condition=models.Q(kind__in=["closing", "closing_agent"])
                & (models.Q(prev_day__isnull=False) | models.Q(span_start__lt=models.F("day"))),
                name="report_fact_closing_repeat",
            ),
            # Handled facts of a conversation handled on an earlier day: the few a period's
            # distinct count reads besides the rollups (0003).
            models.Index(
                fields=["workspace_id", "day"],
                include=[
                    "prev_day",
                    "prev_day_agent",
                    "first",
                    "agent_id",
                    "channel_account_id",
                    "labels",
                ],  # fmt: skip
                condition=models.Q(kind="handled", prev_day__isnull=False),
                name="report_fact_handled_repeat",
            ),
            models.Index(
                fields=["workspace_id", "day"],
                include=["conversation_id", "agent_id", "channel_account_id", "detail", "value"],
                condition=models.Q(kind="order"),
                name="report_fact_order_day",
            ),
            models.Index(
                fields=["workspace_id", "day"],
                include=["label_id", "conversation_id", "agent_id", "channel_account_id"],
                condition=models.Q(kind="label"),
                name="report_fact_label_day",
            ),
        ]

    def __str__(self):
        return f"{self.workspace_id} {self.key} {self.kind}"


class RollupCounters(models.Model):
    """The additive figures of one (workspace, local day, agent, channel); agent 0 and
    channel 0 stand for none."""

    inbound = models.IntegerField(default=0)
    replies = models.IntegerField(default=0)
    responses = models.IntegerField(default=0)
    response_seconds = models.BigIntegerField(default=0)
    response_business_seconds = models.BigIntegerField(default=0)
    first_responses = models.IntegerField(default=0)
    first_response_seconds = models.BigIntegerField(default=0)
    first_response_business_seconds = models.BigIntegerField(default=0)
    claims = models.IntegerField(default=0)
    transfers_in = models.IntegerField(default=0)
    transfers_out = models.IntegerField(default=0)
    releases = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    revenue_vnd = models.BigIntegerField(default=0)
    returned_orders = models.IntegerField(default=0)
    returned_vnd = models.BigIntegerField(default=0)
    conversations = models.IntegerField(default=0)
    new_customers = models.IntegerField(default=0)
    returning_customers = models.IntegerField(default=0)
    inbox_conversations = models.IntegerField(default=0)
    comment_conversations = models.IntegerField(default=0)
    phones = models.IntegerField(default=0)
    labels = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)  # (agent, conversation) pairs of the day
    # The parts of the distinct counts that add up over days (selectors/figures.py):
    handled_day = models.IntegerField(default=0)  # conversations handled that day
    handled_new = models.IntegerField(default=0)  # ... handled that day for the first time
    handled_new_agent = models.IntegerField(default=0)  # ... by this agent for the first time
    closed_new = models.IntegerField(default=0)  # closing spans without an earlier one
    closed_new_agent = models.IntegerField(default=0)  # ... of one agent's part

    class Meta:
        abstract = True


class DailyRollup(RollupCounters):
    workspace_id = models.BigIntegerField()
    day = models.DateField()
    agent_id = models.BigIntegerField(default=0)
    channel_account_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "day", "agent_id", "channel_account_id"],
                name="report_daily_key",
            ),
        ]

    def __str__(self):
        return f"{self.workspace_id} {self.day} agent {self.agent_id} channel {self.channel_account_id}"


class DailyLabelRollup(models.Model):
    """Per (workspace, local day, label, channel): how often the label was put on a
    conversation; of the conversations carrying it, those handled that day for the first time
    ever and their closing spans without an earlier one; the orders recorded on them that
    day. The label table's sums."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()
    label_id = models.BigIntegerField()
    channel_account_id = models.BigIntegerField(default=0)
    uses = models.IntegerField(default=0)
    handled_new = models.IntegerField(default=0)
    closed_new = models.IntegerField(default=0)  # closing spans without an earlier one
    orders = models.IntegerField(default=0)  # orders (not returned) recorded that day
    revenue_vnd = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "day", "label_id", "channel_account_id"],
                name="report_label_daily_key",
            ),
        ]

    def __str__(self):
        return f"{self.workspace_id} {self.day} label {self.label_id}"


class HourlyInbound(models.Model):
    """Customer messages per (workspace, local day, local hour, channel): the heatmap."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    channel_account_id = models.BigIntegerField(default=0)
    messages = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "day", "hour", "channel_account_id"],
                name="report_hourly_key",
            ),
        ]

    def __str__(self):
        return f"{self.workspace_id} {self.day} {self.hour}h: {self.messages}"


class HourlyInboundAll(models.Model):
    """Customer messages per (workspace, local day, local hour) over every channel: the
    heatmap of a report not narrowed to channels reads a row per hour of the period, however
    many channels the shop has."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    messages = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "day", "hour"], name="report_hourly_all_key"
            ),
        ]

    def __str__(self):
        return f"{self.workspace_id} {self.day} {self.hour}h: {self.messages} (every channel)"


class PendingConversation(models.Model):
    """A conversation whose facts must be derived again (something happened in it)."""

    conversation_id = models.BigIntegerField(primary_key=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"conversation {self.conversation_id}"


class PendingDay(models.Model):
    """A (workspace, local day) whose rollups must be rebuilt from its facts."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "day"], name="report_pending_day"),
        ]

    def __str__(self):
        return f"{self.workspace_id} {self.day}"
