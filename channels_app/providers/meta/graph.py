"""A small Graph API client shared by the Facebook and Instagram clients.

The base URL is settings.META_GRAPH_URL, so the provider stand-in (`manage.py provider_standin`)
answers instead of Meta in development, demos and tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

import requests
from django.conf import settings

from channels_app.http import thread_session
from channels_app.providers.base import ProviderError
from channels_app.providers.meta.errors import PLAIN, classify


class GraphClient:
    def __init__(self, *, access_token: str, base_url: str | None = None):
        self.access_token = access_token
        self.base_url = (base_url or settings.META_GRAPH_URL).rstrip("/")

    def call(
        self, method: str, path: str, *, json: dict | None = None, params: dict | None = None,
        data: dict | None = None,
    ) -> dict | list:  # fmt: skip
        if not self.access_token:
            raise ProviderError(
                PLAIN["token_expired"],
                reconnect=True,
                code="token_expired",
                provider_message="no access token stored",
            )
        url = f"{self.base_url}/{path.lstrip('/')}"
        try:
            response = thread_session().request(
                method, url, json=json, params=params, data=data,
                timeout=settings.META_HTTP_TIMEOUT,
                headers={"Authorization": f"Bearer {self.access_token}"},
            )  # fmt: skip
        except requests.RequestException as exc:
            raise ProviderError(
                PLAIN["network"],
                transient=True,
                code="network",
                provider_message=type(exc).__name__,
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400 or (isinstance(data, dict) and "error" in data):
            error = data.get("error") if isinstance(data, dict) else None
            raise classify(
                status=response.status_code, error=error if isinstance(error, dict) else None
            )
        if isinstance(data, list):  # the batch endpoint answers a list
            return data
        return data if isinstance(data, dict) else {}

    # --- edges Messenger and Instagram share ---------------------------------------------

    def node(self, node_id: str, *, fields: Iterable[str]) -> dict:
        """GET /{id}?fields=...: a user profile (PSID, IGSID). The id comes from a webhook: it
        is quoted so it can never reach another path."""
        return self.call("GET", quote(str(node_id), safe=""), params={"fields": ",".join(fields)})

    def subscribed_apps(self, page_id: str) -> dict:
        """GET /{page-id}/subscribed_apps: the apps that receive the Page's webhooks (A3/A4)."""
        return self.call("GET", f"{quote(str(page_id), safe='')}/subscribed_apps")

    def subscribe_app(self, page_id: str, *, fields: Iterable[str]) -> dict:
        """POST /{page-id}/subscribed_apps?subscribed_fields=...: (re)subscribe our app."""
        return self.call(
            "POST", f"{quote(str(page_id), safe='')}/subscribed_apps",
            params={"subscribed_fields": ",".join(fields)},
        )  # fmt: skip
