"""Zalo's HTTP calls, and nothing else: the OA API (`ZALO_API_URL`, header `access_token`)
and OAuth v4 (`ZALO_OAUTH_URL`, header `secret_key`). The provider stand-in answers both in
development and tests (`devtools/standin_zalo.py`). Endpoints: docs/providers.md."""

from __future__ import annotations

import json as jsonlib

import requests
from django.conf import settings

from channels_app.http import thread_session
from channels_app.providers.base import ProviderError
from channels_app.providers.zalo.errors import PLAIN, classify

CS_MESSAGE = "/v3.0/oa/message/cs"
OA_INFO = "/v2.0/oa/getoa"
PROFILE = "/v2.0/oa/getprofile"
UPLOAD = "/v2.0/oa/upload/{kind}"  # image | gif | file
TOKEN = "/oa/access_token"
PERMISSION = "/oa/permission"


def _answer(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    code = data.get("error")
    if response.status_code >= 400 or (code not in (None, 0, "0")):
        message = str(data.get("message") or data.get("error_description")
                      or data.get("error_name") or response.reason or "")  # fmt: skip
        raise classify(status=response.status_code, code=code, message=message)
    return data


def _request(method: str, url: str, **kwargs) -> dict:
    try:
        response = thread_session().request(
            method, url, timeout=settings.ZALO_HTTP_TIMEOUT, **kwargs
        )
    except requests.RequestException as exc:
        raise ProviderError(PLAIN["network"], transient=True, code="network",
                            provider_message=type(exc).__name__) from exc  # fmt: skip
    return _answer(response)


class ZaloClient:
    """The OA API for one OA's access token."""

    def __init__(self, *, access_token: str):
        self.access_token = access_token

    def call(self, method: str, path: str, *, json=None, params=None, files=None) -> dict:
        if not self.access_token:
            raise ProviderError(PLAIN["token_expired"], reconnect=True, code="token_expired",
                                provider_message="no access token stored")  # fmt: skip
        return _request(
            method, settings.ZALO_API_URL + path, json=json, params=params, files=files,
            headers={"access_token": self.access_token},
        )  # fmt: skip

    def send_cs(self, body: dict) -> dict:
        return self.call("POST", CS_MESSAGE, json=body).get("data") or {}

    def upload(self, kind: str, *, name: str, content: bytes, content_type: str) -> dict:
        files = {"file": (name or "file", content, content_type or "application/octet-stream")}
        return self.call("POST", UPLOAD.format(kind=kind), files=files).get("data") or {}

    def oa_info(self) -> dict:
        return self.call("GET", OA_INFO).get("data") or {}

    def user_profile(self, user_id: str) -> dict:
        params = {"data": jsonlib.dumps({"user_id": str(user_id)})}
        return self.call("GET", PROFILE, params=params).get("data") or {}


def _token_call(form: dict) -> dict:
    return _request(
        "POST", settings.ZALO_OAUTH_URL + TOKEN, data={"app_id": settings.ZALO_APP_ID, **form},
        headers={"secret_key": settings.ZALO_APP_SECRET},
    )  # fmt: skip


def token_exchange(*, code: str, code_verifier: str) -> dict:
    """The OA's first tokens for the permission's `code` (PKCE verifier included)."""
    return _token_call({"code": code, "grant_type": "authorization_code",
                        "code_verifier": code_verifier})  # fmt: skip


def token_refresh(*, refresh_token: str) -> dict:
    """New tokens; the refresh token given is spent (single use) whatever the answer."""
    return _token_call({"refresh_token": refresh_token, "grant_type": "refresh_token"})


def permission_url() -> str:
    return settings.ZALO_OAUTH_URL + PERMISSION
