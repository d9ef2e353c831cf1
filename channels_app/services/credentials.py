"""Credential refresh, one worker at a time per channel.

Zalo's and Shopee's access tokens expire and are renewed with a refresh token that works
once: two workers refreshing the same channel with the same old token would leave one of them
with a dead token (and the channel disconnected). So the refresh runs under the channel
account's row lock (`SELECT … FOR UPDATE`): the adapter's `refresh_credentials` is always
given the credentials the previous holder stored (and answers None when they are still fresh,
as after another worker's refresh), and the new ones are saved, encrypted, with their
`expires_at` copied to `ChannelAccount.credentials_expires_at`, before the lock is released.
Meta's adapter never refreshes (its Page tokens do not expire that way) and returns None.

Beat runs `channel_credentials_refresh_due` every CREDENTIAL_REFRESH_SECONDS: every active
account whose access expires within CREDENTIAL_REFRESH_MARGIN_SECONDS gets a refresh task. A
refusal that means the chain is broken (Zalo -14020, a dead token) flags the account for an
admin to reconnect, with the reason on the channels page.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from channels_app.models import ChannelAccount
from channels_app.providers import UnknownProvider, get_adapter
from channels_app.providers.base import ProviderError
from channels_app.services import notices
from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)

REFRESH_TASK = "channels_app.tasks.channel_credentials_refresh_task"


def _expiry(credentials: dict) -> datetime | None:
    value = credentials.get("expires_at")
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def channel_credentials_refresh(account: ChannelAccount) -> bool:
    """Ask the account's adapter for new credentials under the row lock and store them.
    Returns True when new credentials were stored (`account` then carries them), False when
    the adapter had nothing to renew or the kind has no adapter. ProviderError propagates
    (the lock is released and nothing is stored)."""
    try:
        adapter = get_adapter(account.kind)
    except UnknownProvider:
        return False
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(
            pk=account.pk, workspace_id=account.workspace_id
        )
        renewed = adapter.refresh_credentials(account=locked, credentials=locked.credentials)
        if renewed is None:
            return False
        locked.credentials = renewed
        locked.credentials_expires_at = _expiry(renewed)
        locked.save(update_fields=["credentials_encrypted", "credentials_expires_at"])
    account.credentials_encrypted = locked.credentials_encrypted
    account.credentials_expires_at = locked.credentials_expires_at
    return True


def channel_credentials_refresh_account(*, workspace_id: int, account_id: int) -> str:
    """The task's work: refresh one account; a refusal that needs an admin flags it.
    Returns "refreshed", "fresh", "reconnect", "retry" or "skipped"."""
    account = (
        ChannelAccount.objects.select_related("workspace")
        .filter(pk=account_id, workspace_id=workspace_id, is_active=True, needs_reconnect=False)
        .first()
    )
    if account is None:
        return "skipped"
    try:
        return "refreshed" if channel_credentials_refresh(account) else "fresh"
    except ProviderError as error:
        if not error.reconnect and error.transient:
            log.warning("credential refresh of channel %s failed, retried by the next sweep: %s",
                        account.pk, error.provider_message)  # fmt: skip
            return "retry"
        with translation.override(account.workspace.language or settings.LANGUAGE_CODE):
            reason = str(error.message)
        if error.provider_message:
            reason = f"{reason} ({error.provider_message})"
        channel_account_needs_reconnect(account=account, reason=reason)
        return "reconnect"


def channel_account_needs_reconnect(*, account: ChannelAccount, reason: str) -> None:
    """Flag the account for an admin: the channels page shows the reason and a Reconnect
    button, and every page tells the workspace's admins (channels_app.context)."""
    ChannelAccount.objects.filter(pk=account.pk, workspace_id=account.workspace_id).update(
        needs_reconnect=True, reconnect_reason=reason[:300]
    )
    notices.reconnect_forget(account.workspace_id)


def channel_credentials_refresh_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue a refresh for every active account whose access expires within the margin."""
    now = now or timezone.now()
    cutoff = now + timedelta(seconds=settings.CREDENTIAL_REFRESH_MARGIN_SECONDS)
    due = ChannelAccount.objects.filter(
        is_active=True, needs_reconnect=False, credentials_expires_at__isnull=False,
        credentials_expires_at__lte=cutoff,
    ).values_list("workspace_id", "pk")[:limit]  # fmt: skip
    queued = 0
    for workspace_id, pk in due:
        enqueue_on_commit(REFRESH_TASK, workspace_id, pk)
        queued += 1
    return queued
