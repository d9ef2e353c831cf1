"""Meta Graph error classification: what to retry, what to give up on, what means "reconnect
the page" (the codes and their sources: docs/providers.md, "Meta Graph API facts")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.providers.base import ProviderError

WINDOW_SUBCODES = {2018278, 2534022, 1545041}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80006}
TRANSIENT_CODES = {1, 2}

# code -> plain words for the agent (the provider's own message is kept alongside).
PLAIN = {
    "window_closed": _("Meta refused the message: the reply window for this customer has closed."),
    "user_unavailable": _(
        "This person isn't available right now (they may have blocked the page "
        "or deactivated their account)."
    ),
    "token_expired": _(
        "The page's access token has expired or was revoked: an admin must reconnect the page."
    ),
    "page_restricted": _("Meta has temporarily restricted this page from sending messages."),
    "permission": _("The page is missing a Meta permission needed to send this message."),
    "invalid": _("Meta rejected the message as invalid."),
    "rate_limited": _("Meta is rate-limiting this page; the message will be retried."),
    "provider_down": _("Meta had a temporary problem; the message will be retried."),
    "network": _("Could not reach Meta; the message will be retried."),
    "unknown": _("Meta refused the message."),
    "not_confirmed": _("Meta did not confirm the request."),
}


def classify(*, status: int, error: dict | None) -> ProviderError:
    """Map an HTTP status and Graph `error` object to a ProviderError."""
    error = error or {}
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    provider_message = str(error.get("message", ""))[:500]

    def build(key: str, *, transient: bool = False, reconnect: bool = False) -> ProviderError:
        return ProviderError(
            PLAIN[key], transient=transient, reconnect=reconnect, code=key,
            provider_message=provider_message,
        )  # fmt: skip

    if code == 190 or subcode in {458, 460, 463, 467}:
        return build("token_expired", reconnect=True)
    if code == 551:
        return build("user_unavailable")
    if subcode in WINDOW_SUBCODES:
        return build("window_closed")
    if code == 10 and subcode == 1893063:
        return build("page_restricted")
    if code in RATE_LIMIT_CODES or status == 429:
        return build("rate_limited", transient=True)
    if code in TRANSIENT_CODES or error.get("is_transient") or status >= 500:
        return build("provider_down", transient=True)
    if code in {10, 200} or 200 < (code or 0) < 300:
        return build("permission")
    if code == 100:
        return build("invalid")
    return build("unknown")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
