"""Connecting, reconnecting and disconnecting channel accounts through the provider's consent
screen, for every kind whose adapter `supports_connect` (Zalo OA; Shopee the same way).

    url, pending = channel_connect_start(workspace=…, kind=…, redirect_uri=…)
    # the view keeps `pending` in the admin's session and redirects to `url`
    account = channel_connect_complete(pending=…, params=request.GET, redirect_uri=…)

`pending` carries the state we sent (checked against the callback's), the workspace, the
kind, when it started and what the adapter kept (the PKCE verifier): nothing of it ever
reaches the provider but the state.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.admin_actions import admin_action_publish
from channels_app.models import ChannelAccount
from channels_app.providers import UnknownProvider, get_adapter
from channels_app.services import notices
from channels_app.services.ingest import channel_accounts_forget
from inbox_project.errors import ApplicationError

# A consent screen left open longer than this must be started again.
CONNECT_MAX_SECONDS = 15 * 60


def connect_kinds() -> frozenset[str]:
    from channels_app.providers import supported_kinds

    return frozenset(k for k in supported_kinds() if get_adapter(k).supports_connect)


def _adapter(kind: str):
    try:
        adapter = get_adapter(kind)
    except UnknownProvider:
        adapter = None
    if adapter is None or not adapter.supports_connect:
        raise ApplicationError(_("This kind of channel cannot be connected here."),
                               code="not_connectable")  # fmt: skip
    return adapter


def channel_connect_start(*, workspace, kind: str, redirect_uri: str) -> tuple[str, dict]:
    adapter = _adapter(kind)
    state = secrets.token_urlsafe(32)
    url, kept = adapter.connect_url(state=state, redirect_uri=redirect_uri)
    pending = {"state": state, "kind": kind, "workspace_id": workspace.pk,
               "started": time.time(), "kept": dict(kept)}  # fmt: skip
    return url, pending


def pending_check(*, pending: Mapping | None, kind: str, params: Mapping[str, str], workspace,
                  now: float | None = None) -> None:  # fmt: skip
    """The callback carries the state we sent, for the kind and workspace it was started
    from, in time; else ApplicationError."""
    now = time.time() if now is None else now
    sent = str((pending or {}).get("state") or "")
    given = str(params.get("state") or "")
    if (
        not pending or not sent or not hmac.compare_digest(sent, given)
        or pending.get("kind") != kind or pending.get("workspace_id") != workspace.pk
    ):  # fmt: skip
        raise ApplicationError(_("This connection link is not the one we started: start again."),
                               code="state")  # fmt: skip
    if now - float(pending.get("started") or 0) > CONNECT_MAX_SECONDS:
        raise ApplicationError(_("The connection took too long: start it again."),
                               code="expired")  # fmt: skip


def channel_connect_complete(
    *, pending: Mapping | None, kind: str, params: Mapping[str, str], redirect_uri: str,
    workspace, now: float | None = None, actor=None,
) -> ChannelAccount:  # fmt: skip
    """Check the callback against what was kept, let the adapter finish (ProviderError
    propagates) and create or update the workspace's channel account with the credentials,
    encrypted. An account connected to another workspace is refused."""
    pending_check(pending=pending, kind=kind, params=params, workspace=workspace, now=now)
    adapter = _adapter(kind)
    connected = adapter.connect_finish(params=params, redirect_uri=redirect_uri,
                                       kept=dict(pending.get("kept") or {}))  # fmt: skip
    with transaction.atomic():
        account = (
            ChannelAccount.objects.select_for_update()
            .filter(kind=kind, external_id=connected.external_id)
            .first()
        )
        if account is not None and account.workspace_id != workspace.pk:
            raise ApplicationError(
                _("This account is already connected to another workspace."), code="taken"
            )
        action = "channel.reconnected" if account is not None else "channel.connected"
        if account is None:
            account = ChannelAccount(workspace=workspace, kind=kind,
                                     external_id=connected.external_id)  # fmt: skip
        account.display_name = connected.name[:200]
        account.credentials = connected.credentials
        account.credentials_expires_at = connected.expires_at
        account.is_active = True
        account.needs_reconnect = False
        account.reconnect_reason = ""
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:  # connected at the same moment elsewhere
            raise ApplicationError(
                _("This account is already connected to another workspace."), code="taken"
            ) from None
        admin_action_publish(workspace_id=workspace.pk, actor=actor, action=action,
                             target_type="channel", target_id=account.pk,
                             target_label=account.display_name,
                             details={"kind": kind, "external_id": account.external_id})  # fmt: skip
    channel_accounts_forget()
    notices.reconnect_forget(workspace.pk)
    return account


def channel_disconnect(*, account: ChannelAccount, actor=None) -> None:
    """Stop receiving and sending on the account and forget its credentials; its
    conversations stay. Connecting it again restores it."""
    with transaction.atomic():
        ChannelAccount.objects.filter(pk=account.pk, workspace_id=account.workspace_id).update(
            is_active=False, credentials_encrypted="", credentials_expires_at=None,
            needs_reconnect=False, reconnect_reason="",
        )  # fmt: skip
        admin_action_publish(workspace_id=account.workspace_id, actor=actor,
                             action="channel.disconnected", target_type="channel",
                             target_id=account.pk, target_label=account.display_name,
                             details={"kind": account.kind})  # fmt: skip
    channel_accounts_forget()
    notices.reconnect_forget(account.workspace_id)
