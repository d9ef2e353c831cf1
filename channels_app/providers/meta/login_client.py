"""Graph API calls of Facebook Login: the code and long-lived token exchanges, the Pages a
person manages (paged with `after` cursors) and the batch endpoint (docs/providers.md,
"Connecting Facebook Pages")."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings

from channels_app.providers.meta.graph import GraphClient

# What /me/accounts returns per Page: its token, name and the linked Instagram account.
PAGE_FIELDS = "id,name,access_token,tasks,instagram_business_account{id,username,name}"
PAGES_PER_CALL = 100  # Graph's largest `limit` for /me/accounts
BATCH_SIZE = 50  # Graph's largest batch
MAX_PAGES_LISTED = 5000  # a runaway cursor never loops for ever


class LoginClient(GraphClient):
    """Calls made with the person's user token (or, for the exchanges, none yet)."""

    def _exchange(self, params: dict) -> dict:
        # The exchanges authenticate with the app secret; the "token" only passes the guard.
        return self.call("GET", "oauth/access_token", params=params)

    def code_exchange(self, *, code: str, redirect_uri: str, app_id: str, secret: str) -> dict:
        return self._exchange({"client_id": app_id, "client_secret": secret,
                               "redirect_uri": redirect_uri, "code": code})  # fmt: skip

    def long_lived(self, *, token: str, app_id: str, secret: str) -> dict:
        return self._exchange({"grant_type": "fb_exchange_token", "client_id": app_id,
                               "client_secret": secret, "fb_exchange_token": token})  # fmt: skip

    def pages(self) -> Iterator[dict]:
        """Every Page the person manages, following `paging.cursors.after` while Graph
        says there is a next page."""
        after = ""
        listed = 0
        while listed < MAX_PAGES_LISTED:
            params = {"fields": PAGE_FIELDS, "limit": PAGES_PER_CALL}
            if after:
                params["after"] = after
            answer = self.call("GET", "me/accounts", params=params)
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, list) or not data:
                return
            for entry in data:
                if isinstance(entry, dict):
                    listed += 1
                    yield entry
            paging = answer.get("paging") if isinstance(answer.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            after = str(cursors.get("after") or "")
            if not paging.get("next") or not after:
                return

    def batch(self, operations: list[dict]) -> list:
        """POST / with up to BATCH_SIZE operations: a list of {code, body} in order."""
        answer = self.call("POST", "", data={"batch": json.dumps(operations),
                                             "include_headers": "false"})  # fmt: skip
        return answer if isinstance(answer, list) else []


def for_login(token: str = "") -> LoginClient:
    # The code exchange has no user token yet: the app's own token (app id|secret) is what
    # Graph accepts as the bearer of app-authenticated calls.
    return LoginClient(access_token=token or f"{settings.META_APP_ID}|{settings.META_APP_SECRET}")
