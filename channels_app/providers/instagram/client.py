"""Graph API calls for an Instagram professional account linked to a Page (PLATFORMS.md C1, flavour 1)."""

from __future__ import annotations

from channels_app.providers.meta.graph import GraphClient


class InstagramClient(GraphClient):
    def send_message(self, account_id: str, body: dict) -> dict:
        # With Facebook Login the Page token sends for the linked IG account via /me/messages.
        return self.call("POST", "me/messages", json=body)


def for_account(account) -> InstagramClient:
    return InstagramClient(access_token=account.credentials.get("page_access_token", ""))
