"""Webhook subscription health (PLATFORMS.md A3/A4): Meta unsubscribes our app from a Page
after an hour of failed deliveries, and nothing tells us but the silence.

A beat sweep (`channel_subscriptions_check_due`, every META_SUBSCRIPTION_CHECK_SECONDS) queues
one check per active channel account whose adapter supports it. A check reads the Page's
subscribed_apps; when our app (META_APP_ID) is missing, or a Facebook Page lacks one of
META_PAGE_SUBSCRIBED_FIELDS, it subscribes the Page again with the configured fields. The
outcome is recorded on the account (`subscription_status`, `…_checked_at`, `…_detail`, in the
workspace's language) and shown on the channels page. An expired token flags the account for
reconnecting, like delivery does.

Instagram (Facebook Login flavour) needs the *linked Page* subscribed to our app with any Page
field; its id is `ChannelAccount.settings["page_id"]`. When that Page is also one of our
Facebook channels, the Messenger fields are added so a resubscribe never drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from channels_app import provider_apps
from channels_app.models import ChannelAccount, ChannelKind, SubscriptionStatus
from channels_app.providers import UnknownProvider, get_adapter, supported_kinds
from channels_app.providers.base import ProviderError, Subscription
from channels_app.services.delivery import channel_account_flag_reconnect

log = logging.getLogger(__name__)

TEXT = {
    "ok": _("Meta sends this channel's webhooks to us."),
    "missing": _(
        "Meta had stopped sending this channel's webhooks to us; it was subscribed again."
    ),
    "fields": _("Some webhook fields were not subscribed (%(fields)s); they were added again."),
    "failed": _("The subscription could not be checked or renewed: %(error)s"),
    "no_page": _("No linked Facebook Page is recorded for this Instagram account (page_id)."),
    "reconnect": _("The channel must be reconnected before its subscription can be checked."),
}


# --- pure rules ---------------------------------------------------------------------------------


def subscription_verdict(
    *, subscription: Subscription, app_id: str, wanted: Iterable[str], require_all: bool
) -> tuple[str, tuple[str, ...]]:
    """("ok", ()), ("missing", wanted) when our app is not subscribed, or ("fields", missing)
    when `require_all` and some wanted fields are not. Unlisted fields count as fine."""
    wanted = tuple(wanted)
    if str(app_id) not in subscription.apps:
        return "missing", wanted
    fields = subscription.apps[str(app_id)]
    if require_all and fields is not None:
        missing = tuple(f for f in wanted if f not in fields)
        if missing:
            return "fields", missing
    return "ok", ()


def wanted_fields(
    *, kind: str, linked_page_is_channel: bool = False
) -> tuple[tuple[str, ...], bool]:
    """The fields to subscribe a channel's Page to, and whether all of them must be there."""
    page_fields = tuple(settings.META_PAGE_SUBSCRIBED_FIELDS)
    if kind == ChannelKind.INSTAGRAM:
        fields = tuple(settings.META_INSTAGRAM_PAGE_SUBSCRIBED_FIELDS)
        if linked_page_is_channel:  # keep the Messenger fields of that Page
            fields = tuple(dict.fromkeys(page_fields + fields))
        return fields, False  # "subscribing to any Page field" is enough
    return page_fields, True


# --- the check ----------------------------------------------------------------------------------


def subscription_kinds() -> list[str]:
    return sorted(k for k in supported_kinds() if get_adapter(k).supports_subscriptions)


def channel_subscriptions_check_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue a check for every active account not checked for half an interval."""
    from channels_app.tasks import channel_subscription_check_task

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.META_SUBSCRIPTION_CHECK_SECONDS / 2)
    due = (
        ChannelAccount.objects.filter(kind__in=subscription_kinds(), is_active=True)
        .filter(Q(subscription_checked_at__isnull=True) | Q(subscription_checked_at__lt=cutoff))
        .order_by(F("subscription_checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", "workspace_id")[:limit]
    )
    queued = 0
    for pk, workspace_id in due:
        try:
            channel_subscription_check_task.apply_async(args=[workspace_id, pk], retry=False)
        except Exception:  # broker down: the next sweep tries again
            log.warning("could not queue the subscription check of account %s", pk, exc_info=True)
            break
        queued += 1
    return queued


def channel_subscription_check_enqueue(*, account: ChannelAccount) -> bool:
    """Queue one account's check now (the admin's button). False when it cannot be checked."""
    from channels_app.tasks import channel_subscription_check_task

    if not account.is_active or account.kind not in subscription_kinds():
        return False
    try:
        channel_subscription_check_task.apply_async(
            args=[account.workspace_id, account.pk], retry=False
        )
    except Exception:
        log.warning("could not queue the subscription check of %s", account.pk, exc_info=True)
        return False
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
        return _record(account, SubscriptionStatus.UNKNOWN, "reconnect", now=now)
    target = adapter.subscription_target(account=account)
    if not target:
        return _record(account, SubscriptionStatus.UNKNOWN, "no_page", now=now)
    linked_is_channel = (
        account.kind == ChannelKind.INSTAGRAM
        and ChannelAccount.objects.filter(
            kind=ChannelKind.FACEBOOK, external_id=target, is_active=True
        ).exists()
    )
    fields, require_all = wanted_fields(kind=account.kind, linked_page_is_channel=linked_is_channel)
    try:
        subscription = adapter.subscription_get(account=account)
        verdict, missing = subscription_verdict(
            subscription=subscription, app_id=account.provider_app_id or provider_apps.default_app_id(account.kind), wanted=fields,
            require_all=require_all,
        )  # fmt: skip
        if verdict == "ok":
            return _record(account, SubscriptionStatus.OK, "ok", now=now)
        adapter.subscription_renew(account=account, fields=fields)
    except ProviderError as error:
        return _failed(account, error, now=now)
    log.warning("resubscribed %s %s (%s: %s)", account.kind, account.external_id, verdict,
                ",".join(missing))  # fmt: skip
    return _record(account, SubscriptionStatus.RESUBSCRIBED, verdict, now=now,
                   params={"fields": ", ".join(missing)})  # fmt: skip


def _failed(account: ChannelAccount, error: ProviderError, *, now: datetime) -> str:
    with translation.override(account.workspace.language or settings.LANGUAGE_CODE):
        reason = str(error.message)
    if error.provider_message:
        reason = f"{reason} ({error.provider_message})"
    if error.reconnect:
        channel_account_flag_reconnect(account=account, reason=reason)
    return _record(account, SubscriptionStatus.FAILED, "failed", now=now,
                   params={"error": reason})  # fmt: skip


def _record(account: ChannelAccount, status: str, key: str, *, now: datetime,
            params: Mapping[str, str] | None = None) -> str:  # fmt: skip
    with translation.override(account.workspace.language or settings.LANGUAGE_CODE):
        detail = str(TEXT[key]) % dict(params) if params else str(TEXT[key])
    ChannelAccount.objects.filter(pk=account.pk, workspace_id=account.workspace_id).update(
        subscription_status=status, subscription_checked_at=now, subscription_detail=detail[:300]
    )
    return str(status)
