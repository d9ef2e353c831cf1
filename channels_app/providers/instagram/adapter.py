"""Instagram DM adapter: messages, echoes, seen. Same Meta policy as Messenger."""

from __future__ import annotations

from channels_app.providers.base import Action, Event, Profile, clean_text
from channels_app.providers.instagram import client as ig_client
from channels_app.providers.instagram import schemas
from channels_app.providers.meta.adapter import MetaAdapter, picture_url


class InstagramAdapter(MetaAdapter):
    kind = "instagram"
    window_rule = "instagram"
    actions = frozenset()
    max_text_length = 1000  # Instagram messaging text limit (docs/providers.md)

    def client(self, account) -> ig_client.InstagramClient:
        return ig_client.for_account(account)

    def parse(self, *, account, body: bytes) -> list[Event]:
        return schemas.parse(body)

    def profile_from(self, data: dict) -> Profile:
        """`name` may be null (not set); the @username is the fallback."""
        username = clean_text(data.get("username"), limit=100).strip()
        name = clean_text(data.get("name"), limit=200).strip() or (
            f"@{username}" if username else ""
        )
        return Profile(
            name=name, avatar_url=picture_url(data.get("profile_pic")), username=username
        )

    def subscription_target(self, *, account) -> str:
        """Instagram webhooks (Facebook Login flavour) need the *linked Page* subscribed to our
        app (any Page field): its id is ChannelAccount.settings["page_id"]."""
        return str((account.settings or {}).get("page_id") or "")

    def perform(self, *, account, action: Action) -> None:
        raise ValueError(f"Instagram has no action {action.name}")


adapter = InstagramAdapter()
