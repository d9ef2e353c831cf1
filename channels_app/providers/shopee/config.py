"""Shopee's settings, each with a default (docs/providers.md, "Shopee"): the partner app the
deployment is registered as, the API host, and the facts public sources leave unsettled."""

from __future__ import annotations

import uuid

from django.conf import settings

PRODUCTION_URL = "https://partner.shopeemobile.com"


def setting(name: str, default):
    return getattr(settings, name, default)


def api_url() -> str:
    return str(setting("SHOPEE_API_URL", PRODUCTION_URL)).rstrip("/")


def partner_id() -> str:
    return str(setting("SHOPEE_PARTNER_ID", "") or "")


def partner_key() -> str:
    return str(setting("SHOPEE_PARTNER_KEY", "") or "")


def push_partner_key() -> str:
    """The key pushes are signed with: newer consoles may issue a separate "Live Push
    Partner Key" (unverified); without one the partner key signs them."""
    return str(setting("SHOPEE_PUSH_PARTNER_KEY", "") or partner_key())


def push_key() -> str:
    """The key of the deployment's one push address, /webhooks/shopee/<key>/ (the URL set in
    the Open Platform console). Default: derived from the partner id, stable across restarts."""
    configured = str(setting("SHOPEE_PUSH_KEY", "") or "")
    if configured:
        return str(uuid.UUID(configured))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"shopee-push:{partner_id()}"))


def push_callback_url() -> str:
    """The callback URL exactly as registered in the console: the push signature covers it.
    Default: SITE_URL + the push address."""
    configured = str(setting("SHOPEE_PUSH_CALLBACK_URL", "") or "")
    if configured:
        return configured
    from django.urls import reverse

    path = reverse("webhook", kwargs={"kind": "shopee", "key": push_key()})
    return str(settings.SITE_URL).rstrip("/") + path


def http_timeout() -> float:
    return float(setting("SHOPEE_HTTP_TIMEOUT", 10))


def fetch_pushed_messages() -> bool:
    """Read each pushed chat message back through sellerchat/get_message (integrators do not
    trust the push body alone)."""
    return bool(setting("SHOPEE_FETCH_PUSHED_MESSAGES", True))


def refresh_margin_seconds() -> float:
    """Renew the 4-hour access token when it has less than this left (default 30 minutes)."""
    return float(setting("SHOPEE_REFRESH_MARGIN_SECONDS", 1800))


def max_text_length() -> int:
    """Unverified: no public source states seller chat's text limit."""
    return int(setting("SHOPEE_MAX_TEXT_LENGTH", 1000))


def storefront_url() -> str:
    """Where a product shared in chat is shown: {this}/product/<shop_id>/<item_id>."""
    return str(setting("SHOPEE_STOREFRONT_URL", "https://shopee.vn")).rstrip("/")
