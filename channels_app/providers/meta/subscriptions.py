"""A Page's webhook subscription (`subscribed_apps`): Meta unsubscribes our app from a Page
after failed deliveries, and nothing tells us but the silence (facts and sources in
docs/providers.md, "Webhook subscription health").

A check reads the Page's subscribed_apps; when our app is missing, or a Facebook Page lacks
one of META_PAGE_SUBSCRIBED_FIELDS, it subscribes the Page again with the configured fields.
Instagram (Facebook Login flavour) needs the *linked Page* subscribed to our app with any Page
field; its id is `ChannelAccount.settings["page_id"]`. When that Page is also one of our
Facebook channels, the Messenger fields are added so a resubscribe never drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from channels_app import provider_apps
from channels_app.models import ChannelAccount, ChannelKind
from channels_app.providers.base import Subscription, SubscriptionCheck, clean_text

log = logging.getLogger(__name__)

TEXT = {
    "ok": _("Meta sends this channel's webhooks to us."),
    "missing": _(
        "Meta had stopped sending this channel's webhooks to us; it was subscribed again."
    ),
    "fields": _("Some webhook fields were not subscribed (%(fields)s); they were added again."),
    "no_page": _("No linked Facebook Page is recorded for this Instagram account (page_id)."),
}


def subscription_from(target: str, data: dict) -> Subscription:
    """`{"data": [{"id": <app id>, "name": ..., "subscribed_fields": [...]}, ...]}` ->
    Subscription. Entries without an id are ignored; an entry without `subscribed_fields`
    maps to None (fields unknown), not to "no fields"."""
    apps: dict[str, tuple[str, ...] | None] = {}
    entries = data.get("data") if isinstance(data.get("data"), list) else []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        fields = entry.get("subscribed_fields")
        if not isinstance(fields, list):
            apps[str(entry["id"])] = None
            continue
        names = (clean_text(f.get("name") if isinstance(f, dict) else f, limit=80) for f in fields)
        apps[str(entry["id"])] = tuple(n for n in names if n)
    return Subscription(target_id=target, apps=apps)


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


def subscription_check(adapter, *, account: ChannelAccount) -> SubscriptionCheck:
    """Check one Facebook / Instagram account's Page and resubscribe it if needed. Raises
    ProviderError (the generic service records the failure)."""
    target = adapter.subscription_target(account=account)
    if not target:
        return SubscriptionCheck("unknown", TEXT["no_page"])
    linked_is_channel = (
        account.kind == ChannelKind.INSTAGRAM
        and ChannelAccount.objects.filter(
            kind=ChannelKind.FACEBOOK, external_id=target, is_active=True
        ).exists()
    )
    fields, require_all = wanted_fields(kind=account.kind, linked_page_is_channel=linked_is_channel)
    subscription = adapter.subscription_get(account=account)
    app_id = account.provider_app_id or provider_apps.default_app_id(account.kind)
    verdict, missing = subscription_verdict(
        subscription=subscription, app_id=app_id, wanted=fields, require_all=require_all
    )
    if verdict == "ok":
        return SubscriptionCheck("ok", TEXT["ok"])
    adapter.subscription_renew(account=account, fields=fields)
    log.warning("resubscribed %s %s (%s: %s)", account.kind, account.external_id, verdict,
                ",".join(missing))  # fmt: skip
    return SubscriptionCheck("resubscribed", TEXT[verdict], {"fields": ", ".join(missing)})
