"""The provider edge: connected channel accounts and every webhook delivery, raw and durable."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app import crypto, provider_apps, providers
from conversations import channels as channel_kinds

ChannelKind = channel_kinds.ChannelKind  # the inbox's vocabulary of kinds, used by the model


class SubscriptionStatus(models.TextChoices):
    OK = "ok", _("Subscribed")
    RESUBSCRIBED = "resubscribed", _("Subscribed again")
    FAILED = "failed", _("Check failed")
    UNKNOWN = "unknown", _("Cannot be checked")


class ChannelAccount(models.Model):
    """One connected page / OA / shop / mailbox of a workspace."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="channel_accounts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    external_id = models.CharField(_("external id"), max_length=128)
    display_name = models.CharField(_("name"), max_length=200)
    # The public, unguessable part of this account's webhook address.
    webhook_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The provider app (Meta app id) this account was connected under: only a webhook signed
    # with that app's secret reaches it. Filled with the configured app when left empty.
    provider_app_id = models.CharField(_("provider app"), max_length=64, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    settings = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when the provider says the token is expired or revoked: an admin must reconnect.
    needs_reconnect = models.BooleanField(default=False)
    reconnect_reason = models.CharField(max_length=300, blank=True)
    # When the stored access token expires (None: it does not expire on a timer); beat
    # refreshes the credentials of accounts whose access expires within a margin.
    credentials_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Webhook subscription health (Meta: the Page's subscribed_apps), written by the beat check.
    subscription_status = models.CharField(
        _("webhook subscription"), max_length=16, choices=SubscriptionStatus.choices, blank=True
    )
    subscription_checked_at = models.DateTimeField(null=True, blank=True)
    subscription_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            # One page belongs to one workspace: webhooks route unambiguously.
            models.UniqueConstraint(fields=["kind", "external_id"], name="channel_account_unique"),
        ]
        indexes = [
            models.Index(fields=["workspace", "kind"]),
            models.Index(
                fields=["credentials_expires_at"],
                name="channel_account_expiring",
                condition=models.Q(credentials_expires_at__isnull=False),
            ),
        ]
        ordering = ["kind", "display_name"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.display_name}"

    def save(self, *args, **kwargs):
        if not self.provider_app_id:
            self.provider_app_id = provider_apps.default_app_id(self.kind)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "provider_app_id"}
        super().save(*args, **kwargs)

    @property
    def can_send(self) -> bool:
        """Replies can go out on this channel: its provider has a sending adapter."""
        return providers.can_send(self.kind)

    @property
    def credentials(self) -> dict:
        return crypto.decrypt_json(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict) -> None:
        self.credentials_encrypted = crypto.encrypt_json(value or {})


class WebhookEvent(models.Model):
    """One accepted webhook delivery, stored before it is acknowledged."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PROCESSED = "processed", _("processed")
        FAILED = "failed", _("failed")

    # The webhook edge's one INSERT is the ack's whole cost, so this table carries no more than
    # it must: no foreign-key constraints (each locked the page's and the workspace's row for
    # every delivery, and concurrent deliveries of one page contended on those locks; the
    # account id comes from the lookup in the same request, and Django still cascades
    # deletes) and no single-column indexes the composite ones below already cover.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="webhook_events", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    # Provider's id for the delivery, or a hash of the body: a redelivery is a no-op insert.
    dedupe_key = models.CharField(max_length=200)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # Last time a processing task was queued for it; the sweeper re-queues stale ones.
    queued_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "dedupe_key"], name="webhook_event_unique"
            ),
        ]
        indexes = [
            # The sweeper's scan: only pending rows are indexed, so it stays small.
            models.Index(
                fields=["received_at"],
                name="webhook_event_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["workspace", "status", "-received_at"]),
        ]

    def __str__(self):
        return f"{self.channel_account_id}:{self.dedupe_key} ({self.status})"


class PolicyAuditEntry(models.Model):
    """One send outside the standard window (human_agent, notification): who, when, where, why."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="policy_audit_entries"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_automated = models.BooleanField(default=False)
    tag = models.CharField(_("tag"), max_length=40)  # the send purpose: human_agent, notification
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    # Hours since the customer's last message when the send was allowed.
    hours_since_inbound = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.tag} {self.purpose} #{self.message_id}"


class ContactProfileFetch(models.Model):
    """The profile lookup of one contact (name and picture from the provider): one row per
    contact, so a lookup that cannot succeed is tried once, not on every backfill."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")  # queued, or waiting for a retry
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        GAVE_UP = "gave_up", _("gave up")  # unknown user, no permission, no profile
        FAILED = "failed", _("failed")  # transient errors until the last attempt

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    contact = models.OneToOneField(
        "conversations.Contact", on_delete=models.CASCADE, related_name="profile_fetch"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"{self.contact_id}: {self.status}"
