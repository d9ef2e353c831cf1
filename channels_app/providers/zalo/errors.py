"""Zalo's error codes -> ProviderError (transient / permanent / reconnect) with plain words.

Zalo answers HTTP 200 with `{"error": <negative code>, "message": …}` for most refusals (some
token errors come as HTTP 401). Codes and their certainty: docs/providers.md ("Zalo OA facts").
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from channels_app.providers.base import ProviderError

TOKEN_INVALID = "-216"  # access token invalid or expired
NO_PACKAGE = "-224"  # the OA's tier or package lacks the API (unverified OA, no package)
REFRESH_USED = "-14020"  # refresh token invalid or already used
NOT_INTERACTED = "-230"  # the user has not interacted with the OA recently

PLAIN = {
    "token_expired": _(
        "Zalo no longer accepts this OA's access: an admin must reconnect the Zalo OA."
    ),
    "refresh_used": _(
        "Zalo refused to renew this OA's access (the renewal token was already used or has "
        "expired): an admin must reconnect the Zalo OA."
    ),
    "no_package": _(
        "This Zalo OA cannot send through the API: it needs a verified OA with an active "
        "service package."
    ),
    "quota": _(
        "This OA's Zalo message quota is used up: the message was not sent. Wait for the "
        "customer to write, or add quota in Zalo OA Manager."
    ),
    "not_interacted": _(
        "Zalo refused: the customer has not written to the OA recently enough to be answered."
    ),
    "rate_limit": _("Zalo is limiting how fast we send: trying again shortly."),
    "network": _("Zalo could not be reached: trying again shortly."),
    "server": _("Zalo had a temporary problem: trying again shortly."),
    "invalid": _("Zalo refused the message as invalid."),
    "not_confirmed": _("Zalo did not confirm the change."),
}


def _codes(setting: str, default: str) -> frozenset[str]:
    value = getattr(settings, setting, default)
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(str(item).strip() for item in items if str(item).strip())


def classify(*, status: int, code, message: str = "") -> ProviderError:
    """One Zalo refusal as the ProviderError delivery and the refresh understand."""
    code = str(code if code is not None else "").strip()
    detail = f"Zalo {code or status}: {message}"[:300]
    if code == TOKEN_INVALID or status == 401:
        return ProviderError(PLAIN["token_expired"], reconnect=True, code="token_expired",
                             provider_message=detail)  # fmt: skip
    if code == REFRESH_USED:
        return ProviderError(PLAIN["refresh_used"], reconnect=True, code="refresh_used",
                             provider_message=detail)  # fmt: skip
    if code == NO_PACKAGE:
        return ProviderError(PLAIN["no_package"], code="no_package", provider_message=detail)
    if code in _codes("ZALO_QUOTA_ERROR_CODES", "-211,-212"):
        return ProviderError(PLAIN["quota"], code="quota", provider_message=detail)
    if code == NOT_INTERACTED:
        return ProviderError(PLAIN["not_interacted"], code="not_interacted",
                             provider_message=detail)  # fmt: skip
    if code in _codes("ZALO_RATE_LIMIT_ERROR_CODES", "-32") or status == 429:
        return ProviderError(PLAIN["rate_limit"], transient=True, code="rate_limit",
                             provider_message=detail)  # fmt: skip
    if status >= 500:
        return ProviderError(PLAIN["server"], transient=True, code="server",
                             provider_message=detail)  # fmt: skip
    return ProviderError(PLAIN["invalid"], code="invalid", provider_message=detail)
