"""Zalo Official Account adapter: one webhook address for every OA of the deployment, the
customer-service message API, OAuth v4 connect and single-use refresh tokens.

The facts behind each declaration are in docs/providers.md ("Zalo OA facts")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage

from channels_app import provider_apps
from channels_app.providers.base import (
    ConnectedAccount,
    Event,
    OutboundMessage,
    PayloadError,
    Profile,
    ProviderAdapter,
    SendResult,
    clean_text,
)
from channels_app.providers.zalo import client as zalo_client
from channels_app.providers.zalo import oauth, schemas, signature, wire
from channels_app.providers.zalo.errors import PLAIN
from conversations.policies import ChannelWindow, Purpose


class ZaloAdapter(ProviderAdapter):
    kind = "zalo"
    window_rule = "zalo"
    kept_headers = ("Content-Type", "User-Agent", signature.HEADER, signature.TIMESTAMP_HEADER)
    ack_status = 200  # within about 2 s, or Zalo retries and finally disables the webhook
    account_id_name = "official account"
    max_text_length = 2000
    max_attachment_bytes = 5 * 1024 * 1024
    media_hosts = ("zadn.vn", "zdn.vn", "zalo.me", "zaloapp.com")
    supports_profiles = True
    replies_reference_inbound = True  # delivery fills OutboundMessage.answers_external_id

    @property
    def reply_window_rule(self) -> ChannelWindow:
        """48 h after the customer's last message, a few free replies (unverified: both per
        OA in ChannelAccount.settings, `reply_window_hours` / `free_replies`)."""
        return ChannelWindow(
            standard=timedelta(hours=48), setting="reply_window_hours",
            free_replies=settings.ZALO_FREE_REPLIES, free_replies_setting="free_replies",
        )  # fmt: skip

    def explain_error(self, code: str):
        return PLAIN.get(code)

    # --- the webhook edge: the kind's one address, routed by the OA id in the body ----------
    def shared_webhook_key(self) -> str | None:
        return ""

    def body_account_ids(
        self, *, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[str, ...]:
        try:
            oa_id = schemas.oa_id(schemas.load(body))
        except PayloadError:
            return ()
        return (oa_id,) if oa_id else ()

    def signing_app(self, *, body: bytes, headers: Mapping[str, str]) -> str | None:
        app_id = provider_apps.default_app_id(self.kind)
        valid = signature.signature_valid(
            app_id=app_id, oa_secret_key=settings.ZALO_OA_SECRET_KEY, body=body, headers=headers
        )
        return app_id if valid else None

    def dedupe_key(self, *, body: bytes) -> str:
        return schemas.dedupe_key(body) or super().dedupe_key(body=body)

    def parse(self, *, account, body: bytes) -> list[Event]:
        return schemas.parse(body)

    # --- sending -----------------------------------------------------------------------------
    def client(self, account) -> zalo_client.ZaloClient:
        return zalo_client.ZaloClient(access_token=account.credentials.get("access_token", ""))

    def send(self, *, account, outbound: OutboundMessage) -> SendResult:
        if outbound.purpose != Purpose.STANDARD or outbound.comment_id:
            raise PayloadError(f"Zalo has no send purpose {outbound.purpose!r}")
        api = self.client(account)
        bodies = [wire.text_body(outbound)] if outbound.text else []
        for attachment in outbound.attachments:
            kind = wire.upload_kind(attachment)
            uploaded = api.upload(kind, **_file_of(attachment))
            bodies.append(wire.attachment_body(outbound, kind=kind, uploaded=uploaded))
        if not bodies:
            raise PayloadError("nothing to send")
        results = [api.send_cs(body) for body in bodies]
        ids = tuple(str(r["message_id"]) for r in results if r.get("message_id"))
        if len(ids) != len(results):
            raise PayloadError("Zalo answered without a message_id")
        return SendResult(external_id=ids[-1], recipient_id=str(results[-1].get("user_id") or ""),
                          part_ids=ids if len(ids) > 1 else ())  # fmt: skip

    def fetch_profile(self, *, account, contact_external_id: str) -> Profile:
        data = self.client(account).user_profile(contact_external_id)
        avatar = data.get("avatar") or ""
        avatars = data.get("avatars")
        if isinstance(avatars, dict) and not avatar:
            avatar = avatars.get("240") or avatars.get("120") or ""
        avatar = clean_text(avatar, limit=1000).strip()
        return Profile(
            name=clean_text(data.get("display_name"), limit=200).strip(),
            avatar_url=avatar if avatar.lower().startswith(("https://", "http://")) else "",
        )

    # --- connecting and renewing -------------------------------------------------------------
    def connect_url(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        return oauth.connect_url(state=state, redirect_uri=redirect_uri)

    def connect_finish(
        self, *, params: Mapping[str, str], redirect_uri: str, kept: dict
    ) -> ConnectedAccount:
        return oauth.connect_finish(params=params, kept=kept)

    def refresh_credentials(self, *, account, credentials) -> dict | None:
        return oauth.refresh(credentials)


def _file_of(attachment: dict) -> dict:
    """The bytes of one of our stored attachments (the composer stores them before sending)."""
    path = attachment.get("stored_path")
    if not path:
        raise PayloadError("Zalo needs the file itself: this attachment was never stored")
    with default_storage.open(path, "rb") as handle:
        content = handle.read()
    return {"name": str(attachment.get("name") or path.rsplit("/", 1)[-1]), "content": content,
            "content_type": str(attachment.get("stored_content_type") or "")}  # fmt: skip


adapter = ZaloAdapter()
