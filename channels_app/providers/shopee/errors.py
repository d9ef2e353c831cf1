"""Shopee Open Platform errors -> retry, give up, or reconnect the shop, in plain words.

Shopee answers `{"error": "<name>", "message": "...", "request_id": "..."}` (an empty
`error` is success). Error names and their sources: docs/providers.md, "Shopee"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.providers.base import ProviderError

PLAIN = {
    # "token_expired" is the generic name for "the channel must be reconnected".
    "token_expired": _(
        "Shopee no longer accepts this shop's authorisation: an admin must reconnect the shop."
    ),
    "access_expired": _(
        "Shopee's access token for this shop has expired; it is renewed automatically and the "
        "message will be retried."
    ),
    "refresh_expired": _(
        "Shopee no longer accepts this shop's authorisation (its refresh token expired or was "
        "already used): an admin must reconnect the shop."
    ),
    "partner_key_expired": _(
        "The Shopee partner key of this deployment has expired: reset it in the Shopee Open "
        "Platform console, then reconnect the shop."
    ),
    "authorization_expiring": _(
        "Shopee says this shop's authorisation expires soon: an admin must reconnect the shop."
    ),
    "deauthorized": _(
        "The shop withdrew this app's authorisation on Shopee: an admin must reconnect the shop."
    ),
    "rate_limited": _("Shopee's call quota is used up for now; the message will be retried."),
    "provider_down": _("Shopee had a temporary problem; the message will be retried."),
    "network": _("Could not reach Shopee; the message will be retried."),
    "permission": _("This app is not allowed to use Shopee's seller chat for this shop."),
    "invalid": _("Shopee rejected the message as invalid."),
    "unsupported": _("Shopee chat cannot send this kind of attachment."),
    "unknown": _("Shopee refused the message."),
    "code_expired": _(
        "Shopee's authorisation code has expired or was already used: start connecting again."
    ),
}

TOKEN_ERRORS = {"invalid_acceess_token", "invalid_access_token", "error_invalid_access_token"}
RATE_LIMIT_ERRORS = {"error_too_many_request", "error_rate_limit", "error_api_limit", "error_quota"}
SERVER_ERRORS = {"error_server", "error_inner", "error_busi_server", "error_network"}
PERMISSION_ERRORS = {"error_permission", "error_shop_not_authorized", "error_not_authorized"}


def build(key: str, *, provider_message: str = "", transient=False, reconnect=False):
    return ProviderError(
        PLAIN[key], transient=transient, reconnect=reconnect, code=key,
        provider_message=provider_message[:500],
    )  # fmt: skip


def classify(*, status: int, error: str, message: str = "") -> ProviderError:
    """Map an HTTP status and Shopee's `error` name (and `message`) to a ProviderError."""
    name = (error or "").strip().lower()
    text = (message or "").lower()
    detail = f"{error}: {message}" if message else error
    if name == "error_shop_refresh_token" or "refresh_token expired" in text:
        return build("refresh_expired", provider_message=detail, reconnect=True)
    if name == "error_partner_key_expired" or "partner key has expired" in text:
        return build("partner_key_expired", provider_message=detail, reconnect=True)
    if "access to shop has expired" in text:
        return build("refresh_expired", provider_message=detail, reconnect=True)
    if name in TOKEN_ERRORS or (name == "error_auth" and "access_token" in text):
        return build("access_expired", provider_message=detail, transient=True)
    if name == "error_auth" and "code" in text:
        return build("code_expired", provider_message=detail)
    if name in RATE_LIMIT_ERRORS or status == 429:
        return build("rate_limited", provider_message=detail, transient=True)
    if name in SERVER_ERRORS or status >= 500:
        return build("provider_down", provider_message=detail, transient=True)
    if name in PERMISSION_ERRORS or status == 403:
        return build("permission", provider_message=detail)
    if name.startswith("error_param") or name == "error_data":
        return build("invalid", provider_message=detail)
    return build("unknown", provider_message=detail)
