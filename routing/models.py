"""Who handles which customer: routing settings, agent presence, per-channel agent lists and
the history of every change of owner (read by the reports)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Migration 0001 names routing's old default; the hours now belong to the workspace.
from accounts.models import default_business_days  # noqa: F401


class RoutingMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    FIRST_CLICK = "first_click", _("First click")
    MANUAL = "manual", _("Manual (admins assign)")


class RoutingSettings(models.Model):
    """One row per workspace; a workspace without a row routes with the field defaults."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="routing_settings"
    )
    mode = models.CharField(
        _("routing mode"),
        max_length=12,
        choices=RoutingMode.choices,
        default=RoutingMode.FIRST_CLICK,
    )
    anti_steal_enabled = models.BooleanField(_("release unanswered customers"), default=False)
    anti_steal_minutes = models.PositiveSmallIntegerField(
        _("minutes to reply"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    # 0 turns the idle rule off; otherwise an agent silent this long gets no new customers.
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("idle after (minutes)"), default=30, validators=[MaxValueValidator(24 * 60)]
    )
    # The anti-steal clock runs only in the workspace's opening hours (Workspace.business_*).
    business_hours_only = models.BooleanField(_("count business hours only"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anti_steal_minutes__gte=1), name="routing_anti_steal_min_1"
            ),
        ]

    def __str__(self):
        return f"{self.workspace_id}: {self.mode}"


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")


class AgentPresence(models.Model):
    """An agent's chosen status, open browser sockets and last sign of activity, plus the
    optional cap on open conversations that round robin respects."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="presence"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=PresenceStatus.choices, default=PresenceStatus.ONLINE
    )
    socket_count = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    capacity = models.PositiveSmallIntegerField(
        _("capacity (open conversations)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )

    class Meta:
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self):
        return f"{self.membership_id}: {self.status} ({self.socket_count} sockets)"


class ChannelAgent(models.Model):
    """An agent in a channel account's round-robin list. Rows without a channel account form
    the workspace's default list, used by channels that have no list of their own.

    `last_assigned_turn` is the round-robin cursor: the eligible agent with the lowest turn
    gets the next customer and takes max(turn) + 1, under a row lock of the whole list.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    channel_account = models.ForeignKey(
        "channels_app.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_agents",
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="channel_routes"
    )
    last_assigned_turn = models.PositiveBigIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel_account", "membership"],
                nulls_distinct=False,
                name="channel_agent_once",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "channel_account"])]

    def __str__(self):
        return f"{self.channel_account_id or 'default'}: {self.membership_id}"


class AssignmentReason(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    AUTO_ASSIGNED = "auto_assigned", _("Assigned automatically")
    RELEASED = "released", _("Released")
    RELEASED_BY_TIMER = "released_by_timer", _("Released: no reply in time")
    TRANSFERRED = "transferred", _("Transferred")
    ADMIN_ASSIGNED = "admin_assigned", _("Assigned by an admin")
    ADMIN_UNASSIGNED = "admin_unassigned", _("Unassigned by an admin")
    CLOSED = "closed", _("Consultation ended")
    REOPENED = "reopened", _("Reopened")


class AssignmentChange(models.Model):
    """One change of a conversation's owner: who did it, from whom, to whom and why."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="assignment_changes"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty for the system (round robin, the anti-steal timer, a customer reopening).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=AssignmentReason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "created_at"], name="assign_change_ws_time"),
            models.Index(fields=["workspace", "to_user", "created_at"], name="assign_change_ws_to"),
            models.Index(
                fields=["workspace", "from_user", "created_at"], name="assign_change_ws_from"
            ),
            models.Index(fields=["conversation", "created_at"], name="assign_change_conv"),
        ]

    def __str__(self):
        return f"#{self.conversation_id} {self.reason}: {self.from_user_id} → {self.to_user_id}"
