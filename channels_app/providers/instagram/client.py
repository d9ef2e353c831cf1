"""Graph API calls for an Instagram professional account linked to a Page (the Messenger
Platform flavour with a Page token; docs/providers.md)."""

from __future__ import annotations

from channels_app.providers.meta.graph import GraphClient

# Instagram User Profile API (docs/providers.md "Customer profiles"): `name` may be null,
# `username` is the handle; the picture URL expires after a few days.
PROFILE_FIELDS = ("name", "username", "profile_pic")


class InstagramClient(GraphClient):
    def user_profile(self, igsid: str) -> dict:
        return self.node(igsid, fields=PROFILE_FIELDS)

    def send_message(self, account_id: str, body: dict) -> dict:
        # With Facebook Login the Page token sends for the linked IG account via /me/messages.
        return self.call("POST", "me/messages", json=body)


def for_account(account) -> InstagramClient:
    return InstagramClient(access_token=account.credentials.get("page_access_token", ""))
