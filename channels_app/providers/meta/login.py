"""Connecting Facebook Pages and their Instagram accounts with Facebook Login: the consent
dialog, the code -> short-lived -> long-lived user token exchanges, every Page the person
manages (each with its own Page token, which does not expire when it comes from a
long-lived user token) and the webhook subscription of the picked Pages, in batches of 50.
Facts and certainty: docs/providers.md ("Connecting Facebook Pages")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app import provider_apps
from channels_app.models import ChannelAccount, ChannelKind
from channels_app.providers.base import (
    ConnectCandidate,
    ConnectGrant,
    ProviderError,
    clean_text,
)
from channels_app.providers.meta import login_client
from channels_app.providers.meta.errors import classify
from channels_app.providers.meta.subscriptions import wanted_fields

# The Page must let the person manage messages (MESSAGING) for us to answer on it.
NEEDED_TASK = "MESSAGING"


def _app():
    apps = provider_apps.meta_apps()
    if not apps:
        raise ProviderError(_("No Meta app is configured for this deployment."), code="no_app")
    return apps[0]


def connect_url(*, state: str, redirect_uri: str) -> tuple[str, dict]:
    query = urlencode({"client_id": _app().id, "redirect_uri": redirect_uri, "state": state,
                       "response_type": "code",
                       "scope": ",".join(settings.META_LOGIN_SCOPES)})  # fmt: skip
    return f"{settings.META_LOGIN_URL}?{query}", {}


def _token_from(answer: Mapping) -> tuple[str, int]:
    token = clean_text(answer.get("access_token"), limit=4000).strip()
    try:
        expires_in = int(str(answer.get("expires_in") or 0))
    except ValueError:
        expires_in = 0
    if not token:
        raise ProviderError(_("Facebook answered without a usable token."), code="invalid",
                            provider_message=str(sorted(answer))[:300])  # fmt: skip
    return token, expires_in


def candidates_from(entries) -> tuple[ConnectCandidate, ...]:
    """/me/accounts entries -> a Facebook candidate per Page and an Instagram one per linked
    professional account (it shares the Page's token)."""
    found: list[ConnectCandidate] = []
    seen: set[str] = set()
    for entry in entries:
        page_id = clean_text(entry.get("id"), limit=128).strip()
        token = clean_text(entry.get("access_token"), limit=4000).strip()
        if not page_id or not token or page_id in seen:
            continue
        seen.add(page_id)
        tasks = entry.get("tasks")
        if isinstance(tasks, list) and NEEDED_TASK not in tasks:
            continue  # the person may not manage this Page's messages
        name = clean_text(entry.get("name"), limit=200).strip() or page_id
        credentials = {"page_access_token": token}
        found.append(ConnectCandidate(kind=ChannelKind.FACEBOOK, external_id=page_id,
                                      name=name, credentials=credentials))  # fmt: skip
        linked = entry.get("instagram_business_account")
        if isinstance(linked, dict) and linked.get("id"):
            username = clean_text(linked.get("username"), limit=100).strip()
            found.append(ConnectCandidate(
                kind=ChannelKind.INSTAGRAM, external_id=clean_text(linked["id"], limit=128),
                name=clean_text(linked.get("name"), limit=200).strip()
                or (f"@{username}" if username else name),
                credentials=dict(credentials), settings={"page_id": page_id},
                parent_id=page_id, detail=f"@{username}" if username else "",
            ))  # fmt: skip
    return tuple(found)


def connect_grant(*, params: Mapping[str, str], redirect_uri: str) -> ConnectGrant:
    code = str(params.get("code") or "").strip()
    if not code:
        raise ProviderError(_("Facebook did not grant access to your Pages."), code="denied",
                            provider_message=str(params.get("error_description")
                                                 or params.get("error") or "")[:300])  # fmt: skip
    app = _app()
    client = login_client.for_login()
    short, _seconds = _token_from(client.code_exchange(code=code, redirect_uri=redirect_uri,
                                                       app_id=app.id, secret=app.secret))  # fmt: skip
    user_token, expires_in = _token_from(client.long_lived(token=short, app_id=app.id,
                                                           secret=app.secret))  # fmt: skip
    expires = timezone.now() + timedelta(seconds=expires_in) if expires_in else None
    candidates = candidates_from(login_client.for_login(user_token).pages())
    return ConnectGrant(candidates=candidates, kept={"user_token": user_token}, expires_at=expires)


def _page_fields(picked: tuple[ConnectCandidate, ...]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """page id -> (its token, the fields to subscribe it to): a picked Page gets the
    Messenger fields; the Page of a picked Instagram account the Instagram ones, plus the
    Messenger ones when that Page is (or is about to be) one of our Facebook channels, so a
    subscription never drops another channel's fields."""
    fb = {c.external_id for c in picked if c.kind == ChannelKind.FACEBOOK}
    parents = {c.parent_id for c in picked if c.kind == ChannelKind.INSTAGRAM} - fb
    channels = set(
        ChannelAccount.objects.filter(
            Q(kind=ChannelKind.FACEBOOK, external_id__in=parents, is_active=True)
        ).values_list("external_id", flat=True)
    ) if parents else set()  # fmt: skip
    pages: dict[str, tuple[str, tuple[str, ...]]] = {}
    for candidate in picked:
        page = (
            candidate.external_id if candidate.kind == ChannelKind.FACEBOOK else candidate.parent_id
        )
        token = candidate.credentials.get("page_access_token", "")
        fields, _all = wanted_fields(kind=candidate.kind,
                                     linked_page_is_channel=page in fb or page in channels)  # fmt: skip
        before = pages.get(page, (token, ()))[1]
        pages[page] = (token, tuple(dict.fromkeys(before + fields)))
    return pages


def connect_activate(
    *, grant: ConnectGrant, picked: tuple[ConnectCandidate, ...]
) -> dict[str, ProviderError | None]:
    """Subscribe each picked Page once (POST /{page}/subscribed_apps with its own token), 50
    to a batch call. A batch that fails as a whole fails all its Pages."""
    pages = _page_fields(picked)
    outcome: dict[str, ProviderError | None] = {}
    order = list(pages)
    client = login_client.for_login(str(grant.kept.get("user_token") or ""))
    for start in range(0, len(order), login_client.BATCH_SIZE):
        chunk = order[start : start + login_client.BATCH_SIZE]
        operations = [{
            "method": "POST", "relative_url": f"{quote(page, safe='')}/subscribed_apps",
            "body": urlencode({"subscribed_fields": ",".join(pages[page][1]),
                               "access_token": pages[page][0]}),
        } for page in chunk]  # fmt: skip
        try:
            answers = client.batch(operations)
        except ProviderError as error:
            outcome.update(dict.fromkeys(chunk, error))
            continue
        for index, page in enumerate(chunk):
            answer = answers[index] if index < len(answers) else None
            outcome[page] = _operation_error(answer)
    return {c.key: outcome.get(c.external_id if c.kind == ChannelKind.FACEBOOK else c.parent_id)
            for c in picked}  # fmt: skip


def _operation_error(answer) -> ProviderError | None:
    """One batch answer {code, body}: None when Graph confirmed the subscription."""
    if not isinstance(answer, dict):
        return classify(status=500, error={"message": "no answer in the batch"})
    try:
        body = json.loads(answer.get("body") or "{}")
    except (TypeError, ValueError):
        body = {}
    status = int(answer.get("code") or 500)
    if status < 400 and isinstance(body, dict) and body.get("success") in (True, "true"):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return classify(status=max(status, 400), error=error if isinstance(error, dict) else None)
