"""Webhook subscription health, for every kind whose adapter can lose its subscription
silently (`supports_subscriptions`; today Meta's, whose rules live in
`channels_app/providers/meta/subscriptions.py`).

A beat sweep (`channel_subscriptions_check_due`, every META_SUBSCRIPTION_CHECK_SECONDS) queues
one check per active channel account of such a kind. A check asks the adapter
(`check_subscription`: read the subscription, renew it when it lapsed) and records the outcome
on the account (`subscription_status`, `…_checked_at`, `…_detail`, in the workspace's
language), shown on the channels page. An expired token flags the account for reconnecting,
like delivery does; a flagged account is recorded "unknown" and not asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from channels_app.models import ChannelAccount, SubscriptionStatus
from channels_app.providers import UnknownProvider, get_adapter, supported_kinds
from channels_app.providers.base import ProviderError
from channels_app.services.delivery import channel_account_flag_reconnect
from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)

CHECK_TASK = "channels_app.tasks.channel_subscription_check_task"
FAILED = _("The subscription could not be checked or renewed: %(error)s")
RECONNECT = _("The channel must be reconnected before its subscription can be checked.")
STATUS = {
    "ok": SubscriptionStatus.OK,
    "resubscribed": SubscriptionStatus.RESUBSCRIBED,
    "unknown": SubscriptionStatus.UNKNOWN,
}


def subscription_kinds() -> list[str]:
    return sorted(k for k in supported_kinds() if get_adapter(k).supports_subscriptions)


def channel_subscriptions_check_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue a check for every active account not checked for half an interval."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.META_SUBSCRIPTION_CHECK_SECONDS / 2)
    due = (
        ChannelAccount.objects.filter(kind__in=subscription_kinds(), is_active=True)
        .filter(Q(subscription_checked_at__isnull=True) | Q(subscription_checked_at__lt=cutoff))
        .order_by(F("subscription_checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", "workspace_id")[:limit]
    )
    queued = 0
    for pk, workspace_id in due:  # a broker outage is logged; the next sweep finds them again
        enqueue_on_commit(CHECK_TASK, workspace_id, pk)
        queued += 1
    return queued


def channel_subscription_check_enqueue(*, account: ChannelAccount) -> bool:
    """Queue one account's check now (the admin's button). False when it cannot be checked."""
    if not account.is_active or account.kind not in subscription_kinds():
        return False
    enqueue_on_commit(CHECK_TASK, account.workspace_id, account.pk)
    return True


def channel_account_subscription_check(*, workspace_id: int, account_id: int,
                                       now: datetime | None = None) -> str:  # fmt: skip
    """Check one account and resubscribe it if needed. Returns the recorded status ("ok",
    "resubscribed", "failed", "unknown") or "skipped"."""
    now = now or timezone.now()
    account = (
        ChannelAccount.objects.select_related("workspace")
        .filter(workspace_id=workspace_id, pk=account_id, is_active=True)
        .first()
    )
    if account is None:
        return "skipped"
    try:
        adapter = get_adapter(account.kind)
    except UnknownProvider:
        return "skipped"
    if not adapter.supports_subscriptions:
        return "skipped"
    if account.needs_reconnect:
        return _record(account, SubscriptionStatus.UNKNOWN, RECONNECT, now=now)
    try:
        result = adapter.check_subscription(account=account)
    except ProviderError as error:
        return _failed(account, error, now=now)
    return _record(account, STATUS[result.outcome], result.detail, now=now, params=result.params)


def _failed(account: ChannelAccount, error: ProviderError, *, now: datetime) -> str:
    with translation.override(account.workspace.language or settings.LANGUAGE_CODE):
        reason = str(error.message)
    if error.provider_message:
        reason = f"{reason} ({error.provider_message})"
    if error.reconnect:
        channel_account_flag_reconnect(account=account, reason=reason)
    return _record(account, SubscriptionStatus.FAILED, FAILED, now=now,
                   params={"error": reason})  # fmt: skip


def _record(account: ChannelAccount, status: str, text, *, now: datetime,
            params: Mapping[str, str] | None = None) -> str:  # fmt: skip
    with translation.override(account.workspace.language or settings.LANGUAGE_CODE):
        detail = str(text) % dict(params) if params else str(text)
    ChannelAccount.objects.filter(pk=account.pk, workspace_id=account.workspace_id).update(
        subscription_status=status, subscription_checked_at=now, subscription_detail=detail[:300]
    )
    return str(status)
