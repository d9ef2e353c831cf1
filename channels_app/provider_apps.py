"""The provider apps the deployment is registered as (today: Meta apps), each an id and the
secret that signs its webhooks. A channel account records the app it was connected under
(`ChannelAccount.provider_app_id`); a webhook body is believed only for the channel accounts
of the app whose secret signed it (channels_app.services.ingest).

Configured by `META_APPS` (`id:secret,id:secret`) and, for a single app, `META_APP_ID` /
`META_APP_SECRET`; the single app comes first and is the default for new Meta channels."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

META_KINDS = frozenset({"facebook", "instagram"})


@dataclass(frozen=True)
class ProviderApp:
    id: str
    secret: str = ""

    def __repr__(self) -> str:  # never print the secret
        return f"ProviderApp(id={self.id!r})"


def parse_apps(items) -> list[tuple[str, str]]:
    """["id:secret", ...] -> [(id, secret), ...]; items without both halves are dropped."""
    pairs = []
    for item in items or ():
        app_id, _, secret = item.strip().partition(":")
        if app_id.strip() and secret.strip():
            pairs.append((app_id.strip(), secret.strip()))
    return pairs


def meta_apps() -> list[ProviderApp]:
    """Every configured Meta app, the single-app settings first, each id once."""
    pairs = []
    if settings.META_APP_ID:
        pairs.append((str(settings.META_APP_ID), settings.META_APP_SECRET))
    pairs += parse_apps(settings.META_APPS)
    apps, seen = [], set()
    for app_id, secret in pairs:
        if app_id not in seen:
            seen.add(app_id)
            apps.append(ProviderApp(id=app_id, secret=secret))
    return apps


def meta_app_ids() -> frozenset[str]:
    return frozenset(app.id for app in meta_apps())


# Kinds with one provider app for the deployment, named by a setting (the app every account
# links to through the provider's consent screen).
SINGLE_APP_SETTINGS = {"zalo": "ZALO_APP_ID"}


def default_app_id(kind: str) -> str:
    """The app a channel of `kind` is connected under when none is named ("" for kinds
    without provider apps)."""
    if kind in SINGLE_APP_SETTINGS:
        return str(getattr(settings, SINGLE_APP_SETTINGS[kind], "") or "")
    if kind not in META_KINDS:
        from channels_app.providers import UnknownProvider, get_adapter

        try:
            return get_adapter(kind).default_app_id()
        except UnknownProvider:
            return ""
    apps = meta_apps()
    return apps[0].id if apps else ""
