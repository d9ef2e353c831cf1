"""Graph API calls for a Facebook Page: Send API, comment reply / hide / like (docs/providers.md)."""

from __future__ import annotations

from channels_app.providers.meta.graph import GraphClient

# Messenger User Profile API (docs/providers.md "Customer profiles"): `name` is formatted by
# Facebook for the person's locale, first/last are the fallback; the picture URL expires.
PROFILE_FIELDS = ("name", "first_name", "last_name", "profile_pic")


class FacebookClient(GraphClient):
    def user_profile(self, psid: str) -> dict:
        return self.node(psid, fields=PROFILE_FIELDS)

    def send_message(self, page_id: str, body: dict) -> dict:
        return self.call("POST", f"{page_id}/messages", json=body)

    def comment_reply(self, comment_id: str, *, text: str) -> dict:
        return self.call("POST", f"{comment_id}/comments", json={"message": text})

    def comment_hide(self, comment_id: str, *, hidden: bool) -> dict:
        return self.call("POST", comment_id, json={"is_hidden": hidden})

    def comment_like(self, comment_id: str, *, liked: bool) -> dict:
        return self.call("POST" if liked else "DELETE", f"{comment_id}/likes")


def for_account(account) -> FacebookClient:
    return FacebookClient(access_token=account.credentials.get("page_access_token", ""))
