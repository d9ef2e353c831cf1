"""Facebook Page adapter: Messenger and page comments."""

from __future__ import annotations

from channels_app.providers.base import Action, Event, Profile, clean_text
from channels_app.providers.facebook import client as fb_client
from channels_app.providers.facebook import schemas
from channels_app.providers.meta.adapter import MetaAdapter, picture_url


class FacebookAdapter(MetaAdapter):
    kind = "facebook"
    window_rule = "facebook"
    actions = frozenset({"hide", "unhide", "like", "unlike"})
    max_text_length = 2000  # Send API text limit (docs/providers.md)

    def client(self, account) -> fb_client.FacebookClient:
        return fb_client.for_account(account)

    def parse(self, *, account, body: bytes) -> list[Event]:
        return schemas.parse(body)

    def profile_from(self, data: dict) -> Profile:
        """Facebook formats `name` for the person's locale; first + last is the fallback."""
        name = clean_text(data.get("name"), limit=200).strip()
        if not name:
            parts = (
                clean_text(data.get(k), limit=100).strip() for k in ("first_name", "last_name")
            )
            name = " ".join(p for p in parts if p)
        return Profile(name=name[:200], avatar_url=picture_url(data.get("profile_pic")))

    def perform(self, *, account, action: Action) -> None:
        client = self.client(account)
        if action.name in {"hide", "unhide"}:
            client.comment_hide(action.target_external_id, hidden=action.name == "hide")
        elif action.name in {"like", "unlike"}:
            client.comment_like(action.target_external_id, liked=action.name == "like")
        else:
            raise ValueError(f"unknown action {action.name}")


adapter = FacebookAdapter()
