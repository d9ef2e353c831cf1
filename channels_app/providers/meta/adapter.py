"""What Messenger and Instagram adapters share: verification, send bodies, error handling."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from channels_app import provider_apps
from channels_app.providers.base import (
    ConnectCandidate,
    ConnectGrant,
    OutboundMessage,
    PayloadError,
    Profile,
    ProviderAdapter,
    ProviderError,
    SendResult,
    Subscription,
    SubscriptionCheck,
    clean_text,
)
from channels_app.providers.meta import login, signature, wire
from channels_app.providers.meta.errors import PLAIN
from channels_app.providers.meta.messaging import METADATA_PREFIX
from channels_app.providers.meta.subscriptions import subscription_check, subscription_from

# The Utility Message template used for each essential-notification purpose; a page can
# override the names in ChannelAccount.settings["utility_templates"].
DEFAULT_UTILITY_TEMPLATES = {
    "event_update": "inbox_event_update",
    "order_update": "inbox_order_update",
    "account_update": "inbox_account_update",
}


class MetaAdapter(ProviderAdapter):
    """Facts behind each declaration: docs/providers.md ("Meta Graph API facts")."""

    expected_object = ""
    supports_profiles = True
    supports_subscriptions = True
    kept_headers = ("Content-Type", "User-Agent", signature.HEADER)
    ack_body = "EVENT_RECEIVED"
    account_id_name = "page"  # entry[].id: the Page id, for Instagram the IG account id
    max_attachment_bytes = 25 * 1024 * 1024
    media_hosts = ("fbcdn.net", "fbsbx.com", "cdninstagram.com", "facebook.com", "instagram.com")

    def explain_error(self, code: str):
        return PLAIN.get(code)

    def verify_handshake(self, *, account, params: Mapping[str, str]) -> str | None:
        return signature.handshake_challenge(verify_token=settings.META_VERIFY_TOKEN, params=params)

    def signing_app(self, *, body: bytes, headers: Mapping[str, str]) -> str | None:
        header = headers.get(signature.HEADER)
        for app in provider_apps.meta_apps():
            if signature.signature_valid(secret=app.secret, body=body, header=header):
                return app.id
        return None

    def client(self, account):
        raise NotImplementedError

    def send(self, *, account, outbound: OutboundMessage) -> SendResult:
        client = self.client(account)
        if outbound.public_comment_reply_to:
            reply = client.comment_reply(outbound.public_comment_reply_to, text=outbound.text)
            return SendResult(external_id=str(reply.get("id", "")))
        result = None
        for body in message_bodies(account=account, outbound=outbound):
            result = client.send_message(account.external_id, body)
        if not result or not result.get("message_id"):
            raise PayloadError("the Send API answered without a message_id")
        return SendResult(
            external_id=str(result["message_id"]), recipient_id=str(result.get("recipient_id", ""))
        )

    # --- customer profiles (User Profile API) -------------------------------------------------

    def fetch_profile(self, *, account, contact_external_id: str) -> Profile:
        data = self.client(account).user_profile(contact_external_id)
        return self.profile_from(data)

    def profile_from(self, data: dict) -> Profile:
        raise NotImplementedError

    # --- webhook subscription of the Page (subscribed_apps) ------------------------------------

    def subscription_get(self, *, account) -> Subscription:
        target = self.subscription_target(account=account)
        return subscription_from(target, self.client(account).subscribed_apps(target))

    def subscription_renew(self, *, account, fields: tuple[str, ...]) -> None:
        target = self.subscription_target(account=account)
        result = self.client(account).subscribe_app(target, fields=fields)
        if result.get("success") not in (True, "true"):
            raise ProviderError(
                PLAIN["not_confirmed"], code="not_confirmed", provider_message=str(result)[:300]
            )

    def check_subscription(self, *, account) -> SubscriptionCheck:
        return subscription_check(self, account=account)

    # --- connecting Pages (Facebook Login; channels_app/providers/meta/login.py) ---------------
    connect_picks = True

    def connect_url(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        return login.connect_url(state=state, redirect_uri=redirect_uri)

    def connect_grant(self, *, params: Mapping[str, str], redirect_uri: str, kept: dict
                      ) -> ConnectGrant:  # fmt: skip
        return login.connect_grant(params=params, redirect_uri=redirect_uri)

    def connect_activate(self, *, grant: ConnectGrant, picked: tuple[ConnectCandidate, ...]
                         ) -> dict[str, ProviderError | None]:  # fmt: skip
        return login.connect_activate(grant=grant, picked=picked)

    def refresh_credentials(self, *, account, credentials) -> dict | None:
        """Page tokens obtained from a long-lived user token do not expire on a timer; a
        revoked one is a reconnect (error 190), not a refresh."""
        return None


def picture_url(value) -> str:
    """Only http(s) picture links are kept (they come from Meta's CDN and expire)."""
    url = clean_text(value, limit=1000).strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def message_bodies(*, account, outbound: OutboundMessage) -> list[dict]:
    """Send API bodies for one outbound message: text first, then one per attachment."""
    recipient = (
        {"comment_id": outbound.comment_id}
        if outbound.comment_id
        else {"id": outbound.recipient_id}
    )
    metadata = f"{METADATA_PREFIX}{outbound.message_id}"
    try:
        messaging_type, tag = wire.messaging_type_and_tag(outbound.purpose)
    except ValueError as exc:
        raise PayloadError(str(exc)) from None
    common: dict = {"recipient": recipient, "messaging_type": messaging_type}
    if tag:
        common["tag"] = tag
    if outbound.reply_to_external_id:
        common["reply_to"] = {"mid": outbound.reply_to_external_id}
    if messaging_type == wire.UTILITY:
        templates = {**DEFAULT_UTILITY_TEMPLATES, **account.settings.get("utility_templates", {})}
        template = {
            "template_type": "utility",
            "name": templates.get(outbound.notification, outbound.notification),
            "language": account.settings.get("utility_language", "vi"),
            "parameters": {"body": outbound.text},
        }
        message = {"attachment": {"type": "template", "payload": template}, "metadata": metadata}
        return [{**common, "message": message}]
    bodies = []
    if outbound.text:
        bodies.append({**common, "message": {"text": outbound.text, "metadata": metadata}})
    for attachment in outbound.attachments:
        payload = {"url": attachment.get("url", ""), "is_reusable": True}
        message = {
            "attachment": {"type": attachment.get("type", "file"), "payload": payload},
            "metadata": metadata,
        }
        bodies.append({**common, "message": message})
    if not bodies:
        raise PayloadError("nothing to send")
    return bodies
