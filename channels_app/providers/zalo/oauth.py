"""Connecting a Zalo OA: OAuth v4 with PKCE (S256), the code -> token exchange and the refresh.

Tokens: the access token lasts about 25 h and the refresh token about 3 months, but only
`expires_in` in each answer is trusted; a refresh token works once (each refresh answers a
new one). Facts and certainty: docs/providers.md ("Zalo OA facts")."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.providers.base import ConnectedAccount, ProviderError, clean_text
from channels_app.providers.zalo import client

# Zalo does not say how long a refresh token lasts in its answer (secondary sources: about
# three months); used only to show the admin when a reconnect will be needed.
REFRESH_TOKEN_DAYS = 90


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge): 43-128 unreserved characters, base64url without padding."""
    verifier = secrets.token_urlsafe(48)[:64]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def connect_url(*, state: str, redirect_uri: str) -> tuple[str, dict]:
    verifier, challenge = pkce_pair()
    query = urlencode({"app_id": settings.ZALO_APP_ID, "redirect_uri": redirect_uri,
                       "code_challenge": challenge, "state": state})  # fmt: skip
    return f"{client.permission_url()}?{query}", {"code_verifier": verifier}


def credentials_from(answer: Mapping, *, now: datetime | None = None) -> dict:
    """A token answer -> the credentials we store (both tokens, when the access expires)."""
    now = now or timezone.now()
    access = clean_text(answer.get("access_token"), limit=4000).strip()
    refresh = clean_text(answer.get("refresh_token"), limit=4000).strip()
    try:
        expires_in = int(str(answer.get("expires_in")))
    except (TypeError, ValueError):
        expires_in = 0
    if not access or not refresh or expires_in <= 0:
        raise ProviderError(_("Zalo answered without usable tokens."), code="invalid",
                            provider_message=str(sorted(answer))[:300])  # fmt: skip
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_at": (now + timedelta(seconds=expires_in)).isoformat(),
        "refresh_expires_at": (now + timedelta(days=REFRESH_TOKEN_DAYS)).isoformat(),
    }


def expires_at(credentials: Mapping) -> datetime | None:
    value = credentials.get("expires_at")
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def connect_finish(*, params: Mapping[str, str], kept: dict) -> ConnectedAccount:
    code = str(params.get("code") or "").strip()
    verifier = str(kept.get("code_verifier") or "")
    if not code:
        raise ProviderError(_("Zalo did not grant access to the OA."), code="denied",
                            provider_message=str(params.get("error") or "")[:300])  # fmt: skip
    if not verifier:
        raise ProviderError(_("The connection expired: start it again."), code="expired")
    credentials = credentials_from(client.token_exchange(code=code, code_verifier=verifier))
    info = client.ZaloClient(access_token=credentials["access_token"]).oa_info()
    oa_id = clean_text(info.get("oa_id"), limit=128).strip()
    given = str(params.get("oa_id") or "").strip()
    if not oa_id or (given and given != oa_id):
        raise ProviderError(_("Zalo did not say which OA was connected."), code="invalid",
                            provider_message=f"oa_id {given!r} / {oa_id!r}")  # fmt: skip
    return ConnectedAccount(
        external_id=oa_id, name=clean_text(info.get("name"), limit=200).strip() or oa_id,
        credentials=credentials, expires_at=expires_at(credentials),
    )  # fmt: skip


def refresh(credentials: Mapping, *, now: datetime | None = None) -> dict | None:
    """New credentials when the access expires within the margin, else None (another worker
    renewed them while this one waited for the row lock). Raises ProviderError."""
    now = now or timezone.now()
    margin = timedelta(seconds=settings.CREDENTIAL_REFRESH_MARGIN_SECONDS)
    current = expires_at(credentials)
    if current is not None and current - now > margin:
        return None
    token = str(credentials.get("refresh_token") or "")
    if not token:
        raise ProviderError(_("This OA has no renewal token: an admin must reconnect it."),
                            reconnect=True, code="refresh_used")  # fmt: skip
    answer = client.token_refresh(refresh_token=token)
    return {**credentials, **credentials_from(answer, now=now)}
