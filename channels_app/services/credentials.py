"""Credential refresh, one worker at a time per channel.

Zalo's and Shopee's access tokens expire and are renewed with a refresh token that works
once: two workers refreshing the same channel with the same old token would leave one of them
with a dead token (and the channel disconnected). So the refresh runs under the channel
account's row lock (`SELECT … FOR UPDATE`): the adapter's `refresh_credentials` is always
given the credentials the previous holder stored, and the new ones are saved, encrypted,
before the lock is released. Meta's adapter never refreshes (its Page tokens do not expire
that way) and returns None.
"""

from __future__ import annotations

from django.db import transaction

from channels_app.models import ChannelAccount
from channels_app.providers import UnknownProvider, get_adapter


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
        locked.save(update_fields=["credentials_encrypted"])
    account.credentials_encrypted = locked.credentials_encrypted
    return True
