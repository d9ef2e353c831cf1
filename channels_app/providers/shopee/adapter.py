"""Shopee seller chat: one push address for every shop (routed by shop_id), messages read
back through the API, replies through sellerchat/send_message, 4-hour tokens renewed with
single-use refresh tokens. Facts and their sources: docs/providers.md, "Shopee"."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.core.files.storage import default_storage
from django.utils import timezone

from channels_app.providers.base import (
    ConnectedAccount,
    Event,
    LostEvents,
    OutboundMessage,
    PayloadError,
    ProviderAdapter,
    ProviderError,
    SendResult,
    clean_text,
)
from channels_app.providers.shopee import client as shopee_client
from channels_app.providers.shopee import config, errors, schemas, signing
from conversations.policies import ChannelWindow

DEFAULT_EXPIRE_IN = 4 * 3600  # "expires after 4 hours" when Shopee does not say
FETCH_CACHE_SECONDS = 60.0


class ShopeeAdapter(ProviderAdapter):
    kind = "shopee"
    window_rule = "shopee"
    # No public source states a reply window for seller chat (unverified): replies are
    # allowed at any time, like e-mail.
    reply_window_rule = ChannelWindow(standard=None)
    kept_headers = ("Content-Type", "User-Agent", signing.PUSH_HEADER)
    ack_status = 200
    ack_body = ""
    account_id_name = "shop"
    max_attachment_bytes = 10 * 1024 * 1024  # unverified; upload_image refuses larger files
    # Seller chat sends pictures only (sellerchat/upload_image); products and orders go as
    # cards, not files.
    sendable_attachments = frozenset({"image"})
    media_hosts = ("shopee.vn", "susercontent.com", "shopeemobile.com", "shopee.sg")

    def __init__(self):
        self._fetched: dict[tuple[str, str], tuple[float, dict]] = {}

    def forget_fetched(self) -> None:
        self._fetched.clear()

    @property
    def max_text_length(self) -> int:
        return config.max_text_length()

    def client(self) -> shopee_client.ShopeeClient:
        return shopee_client.ShopeeClient()

    def explain_error(self, code: str):
        return errors.PLAIN.get(code)

    # --- the webhook edge --------------------------------------------------------------------

    def shared_webhook_key(self) -> str | None:
        return config.push_key()

    def body_account_ids(
        self, *, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[str, ...]:
        try:
            return schemas.canonical(body)[0]
        except PayloadError:
            return ()

    def default_app_id(self) -> str:
        return config.partner_id()

    def signing_app(self, *, body: bytes, headers: Mapping[str, str]) -> str | None:
        partner = config.partner_id()
        valid = signing.push_valid(
            key=config.push_partner_key(), callback_url=config.push_callback_url(), body=body,
            header=headers.get(signing.PUSH_HEADER),
        )  # fmt: skip
        return partner if valid and partner else None

    def dedupe_key(self, *, body: bytes) -> str:
        """A push and the same push read back from get_lost_push_message map to one key."""
        try:
            canonical = schemas.canonical(body)[1]
        except PayloadError:
            return super().dedupe_key(body=body)
        return "shopee:" + hashlib.sha256(canonical.encode()).hexdigest()

    def parse(self, *, account, body: bytes) -> list[Event]:
        fetch = (lambda shop_id, pushed: self.fetch_message(account, shop_id, pushed)) if (
            config.fetch_pushed_messages()
        ) else None  # fmt: skip
        return schemas.parse(body, fetch=fetch)

    def fetch_message(self, account, shop_id: str, pushed: dict) -> dict | None:
        """The pushed message as sellerchat/get_message returns it; None when the shop is not
        this account's or the API does not list it (the push's copy is used then). Temporary
        failures raise (the event stays pending and is retried); a permanent refusal falls
        back to the push's copy, so the message is never lost."""
        if shop_id != account.external_id:
            return None
        message_id = str(pushed.get("message_id"))
        key = (shop_id, message_id)
        cached = self._fetched.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            answer = self.client().get_message(
                shop=shopee_client.shop_of(account),
                conversation_id=str(pushed.get("conversation_id") or ""),
            )
        except ProviderError as exc:
            if exc.transient:
                raise
            return None
        found = next(
            (m for m in answer.get("messages") or () if isinstance(m, dict)
             and str(m.get("message_id")) == message_id),
            None,
        )  # fmt: skip
        if found is not None:
            if len(self._fetched) > 1000:
                self._fetched.clear()
            self._fetched[key] = (time.monotonic() + FETCH_CACHE_SECONDS, found)
        return found

    # --- lost pushes -------------------------------------------------------------------------

    supports_lost_events = True

    def lost_events(self) -> LostEvents:
        """get_lost_push_message: the earliest 100 pushes of the last 3 days not confirmed;
        each `data` is the push's own JSON, stored like a push that arrived."""
        answer = self.client().lost_pushes()
        bodies = []
        for item in answer.get("push_message_list") or ():
            if not isinstance(item, dict):
                continue
            data = item.get("data")
            if isinstance(data, str) and data.strip():
                bodies.append(data.encode("utf-8"))
            elif isinstance(data, dict):
                bodies.append(json.dumps(data, ensure_ascii=False).encode("utf-8"))
            else:  # no data of its own: the item itself is the envelope
                bodies.append(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        last = answer.get("last_message_id")
        return LostEvents(
            bodies=tuple(bodies), cursor=str(last) if last not in (None, "", 0) else "",
            more=bool(answer.get("has_next_page")),
        )  # fmt: skip

    def lost_events_confirm(self, *, cursor: str) -> None:
        self.client().confirm_lost_pushes(last_message_id=int(cursor))

    # --- sending -----------------------------------------------------------------------------

    def send(self, *, account, outbound: OutboundMessage) -> SendResult:
        if outbound.purpose:
            raise PayloadError(f"Shopee has no send purpose {outbound.purpose!r}")
        try:
            to_id = int(outbound.recipient_id)
        except (TypeError, ValueError):
            raise PayloadError(f"not a Shopee buyer id: {outbound.recipient_id!r}") from None
        client, shop = self.client(), shopee_client.shop_of(account)
        bodies = [("text", {"text": outbound.text})] if outbound.text else []
        bodies += [self.attachment_body(client, shop, a) for a in outbound.attachments]
        if not bodies:
            raise PayloadError("nothing to send")
        ids = []
        for message_type, content in bodies:
            body = {"to_id": to_id, "message_type": message_type, "content": content}
            result = client.send_message(shop=shop, body=body)
            ids.append(clean_text(result.get("message_id"), limit=64))
        if not all(ids):
            raise PayloadError("sellerchat/send_message answered without a message_id")
        return SendResult(external_id=ids[-1], recipient_id=str(to_id),
                          part_ids=tuple(ids) if len(ids) > 1 else ())  # fmt: skip

    def attachment_body(self, client, shop, attachment: Mapping) -> tuple[str, dict]:
        kind = attachment.get("type")
        if kind in ("product", "item") and attachment.get("item_id"):
            return "item", {"item_id": int(attachment["item_id"])}
        if kind == "order" and attachment.get("order_sn"):
            return "order", {"order_sn": str(attachment["order_sn"])}
        if kind == "sticker" and attachment.get("sticker_id"):
            return "sticker", {"sticker_id": str(attachment["sticker_id"]),
                               "sticker_package_id": str(attachment.get("sticker_package_id", ""))}  # fmt: skip
        if kind == "image" and attachment.get("stored_path"):
            with default_storage.open(attachment["stored_path"], "rb") as handle:
                data = handle.read()
            uploaded = client.upload_image(
                shop=shop, name=str(attachment.get("name") or "image"), data=data,
                content_type=str(attachment.get("stored_content_type") or "image/jpeg"),
            )  # fmt: skip
            url = uploaded.get("url") or (uploaded.get("image_url") or "")
            if not url:
                raise PayloadError("sellerchat/upload_image answered without a url")
            return "image", {"image_url": url}
        raise errors.build("unsupported", provider_message=f"attachment type {kind!r}")

    # --- connecting a shop and keeping its tokens fresh --------------------------------------

    def connect_url(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        """Shopee's auth_partner link has no `state` parameter: it rides in the redirect's
        own query, which Shopee keeps when it appends `code` and `shop_id` (unverified)."""
        redirect = with_query(redirect_uri, state=state)
        return self.client().auth_partner_url(redirect=redirect), {"redirect": redirect}

    def connect_finish(
        self, *, params: Mapping[str, str], redirect_uri: str, kept: dict
    ) -> ConnectedAccount:
        code, shop_id = str(params.get("code") or ""), str(params.get("shop_id") or "")
        if not code or not shop_id.isdigit():
            raise errors.build(
                "code_expired",
                provider_message="the callback carried no code and shop_id (main accounts "
                "are not supported)",
            )
        client = self.client()
        answer = client.token_get(code=code, shop_id=shop_id)
        credentials = credentials_from(answer, shop_id=shop_id)
        try:
            info = client.shop_info(shop=(shop_id, credentials["access_token"]))
            name = clean_text(info.get("shop_name"), limit=200).strip()
        except ProviderError:
            name = ""
        return ConnectedAccount(
            external_id=shop_id, name=name or f"Shopee {shop_id}", credentials=credentials,
            expires_at=datetime.fromisoformat(credentials["expires_at"]),
        )  # fmt: skip

    def refresh_credentials(self, *, account, credentials: Mapping) -> dict | None:
        """Runs under the channel account's row lock (services/credentials.py): the refresh
        token works once, and the answer's new one replaces it before the lock is released."""
        expires_at = _parse_time(credentials.get("expires_at"))
        margin = timedelta(seconds=config.refresh_margin_seconds())
        if expires_at is not None and expires_at - margin > timezone.now():
            return None
        refresh_token = str(credentials.get("refresh_token") or "")
        shop_id = str(credentials.get("shop_id") or account.external_id)
        if not refresh_token:
            raise errors.build(
                "refresh_expired", reconnect=True, provider_message="no refresh token stored"
            )
        answer = self.client().token_refresh(refresh_token=refresh_token, shop_id=shop_id)
        return {**credentials, **credentials_from(answer, shop_id=shop_id)}


def credentials_from(answer: Mapping, *, shop_id: str) -> dict:
    """Shopee's token answer -> what we store; `expire_in` (seconds) is trusted."""
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if not access or not refresh:
        raise PayloadError("Shopee's token answer has no access_token / refresh_token")
    try:
        expire_in = int(answer.get("expire_in") or answer.get("expires_in") or DEFAULT_EXPIRE_IN)
    except (TypeError, ValueError):
        expire_in = DEFAULT_EXPIRE_IN
    expires_at = timezone.now() + timedelta(seconds=max(60, expire_in))
    return {"shop_id": str(shop_id), "access_token": str(access), "refresh_token": str(refresh),
            "expires_at": expires_at.isoformat()}  # fmt: skip


def _parse_time(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


adapter = ShopeeAdapter()
