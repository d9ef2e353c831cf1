"""Instagram DM adapter (CH3): messages, echoes, seen. Same Meta policy as Messenger."""

from __future__ import annotations

from channels_app.providers.base import Action, Event
from channels_app.providers.instagram import client as ig_client
from channels_app.providers.instagram import schemas
from channels_app.providers.meta.adapter import MetaAdapter


class InstagramAdapter(MetaAdapter):
    kind = "instagram"
    window_rule = "instagram"
    actions = frozenset()

    def client(self, account) -> ig_client.InstagramClient:
        return ig_client.for_account(account)

    def parse(self, *, account, body: bytes) -> list[Event]:
        return schemas.parse(body)

    def perform(self, *, account, action: Action) -> None:
        raise ValueError(f"Instagram has no action {action.name}")


adapter = InstagramAdapter()
