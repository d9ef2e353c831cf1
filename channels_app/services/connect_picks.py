"""Connecting several accounts from one consent (Meta's Facebook Login covers every Page the
person manages, and the Instagram accounts linked to them): the callback keeps what the
consent gave, encrypted in the cache for a while; the admin searches and pages through it
and picks; the picked accounts are activated at the provider (subscribed) and stored.

    pick_id = channel_picks_receive(pending=…, kind=…, params=…, redirect_uri=…, workspace=…)
    page = channel_picks_page(workspace=…, pick_id=…, query="…", page=2)
    results = channel_picks_connect(workspace=…, pick_id=…, keys=["facebook:123", …])

Nothing of the consent is written to the database before an admin picks: a Page that is
not picked is never stored, and the tokens of the ones picked are stored encrypted.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from channels_app import crypto
from channels_app.models import ChannelAccount
from channels_app.providers.base import ConnectCandidate, ConnectGrant
from channels_app.services import notices
from channels_app.services.connect import _adapter, pending_check
from channels_app.services.ingest import channel_accounts_forget
from inbox_project.errors import ApplicationError

PICK_SECONDS = 30 * 60  # how long the admin has to pick after the consent
PER_PAGE = 50


def _key(workspace_id: int, pick_id: str) -> str:
    return f"channel-picks:{workspace_id}:{pick_id}"


def _fold(text: str) -> str:
    """Lower case without accents, so "thoi trang" finds "Thời trang"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _taken() -> str:
    return _("Already connected to another workspace: its admins must disconnect it first.")


def channel_picks_receive(*, pending: Mapping | None, kind: str, params: Mapping[str, str],
                          redirect_uri: str, workspace) -> str:  # fmt: skip
    """Check the callback, let the adapter list what the consent covers (ProviderError
    propagates) and keep it, encrypted, for PICK_SECONDS: the id of that list."""
    pending_check(pending=pending, kind=kind, params=params, workspace=workspace)
    adapter = _adapter(kind)
    grant = adapter.connect_grant(params=params, redirect_uri=redirect_uri,
                                  kept=dict((pending or {}).get("kept") or {}))  # fmt: skip
    pick_id = secrets.token_urlsafe(16)
    stored = {
        "kind": kind,
        "kept": grant.kept,
        "expires_at": grant.expires_at.isoformat() if grant.expires_at else "",
        "candidates": [asdict(c) for c in grant.candidates],
    }
    cache.set(_key(workspace.pk, pick_id), crypto.encrypt_json(stored), PICK_SECONDS)
    return pick_id


def _grant(workspace_id: int, pick_id: str) -> tuple[str, ConnectGrant]:
    raw = cache.get(_key(workspace_id, pick_id)) if pick_id else None
    if not raw:
        raise ApplicationError(_("This list of accounts has expired: connect again to see it."),
                               code="expired")  # fmt: skip
    stored = crypto.decrypt_json(raw)
    expires = stored.get("expires_at")
    return stored["kind"], ConnectGrant(
        candidates=tuple(ConnectCandidate(**c) for c in stored.get("candidates") or ()),
        kept=stored.get("kept") or {},
        expires_at=datetime.fromisoformat(expires) if expires else None,
    )


@dataclass(frozen=True)
class Choice:
    """One account on the pick page and what connecting it would do: `state` is "new",
    "here" (already a channel of this workspace: connecting it again reconnects it),
    "off" (this workspace's, disconnected) or "taken" (another workspace's: refused)."""

    candidate: ConnectCandidate
    state: str

    @property
    def pickable(self) -> bool:
        return self.state != "taken"


@dataclass(frozen=True)
class PickRow:
    """A Page and the Instagram account linked to it (None when it has none)."""

    page: Choice
    instagram: Choice | None


@dataclass(frozen=True)
class PickPage:
    rows: tuple[PickRow, ...]
    total: int  # rows matching the query
    listed: int  # every Page of the consent
    page: int
    pages: int
    query: str
    kind: str

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def _rows(candidates: Iterable[ConnectCandidate]):
    linked: dict[str, ConnectCandidate] = {}
    pages: list[ConnectCandidate] = []
    for candidate in candidates:
        if candidate.parent_id:
            linked.setdefault(candidate.parent_id, candidate)
        else:
            pages.append(candidate)
    return [(page, linked.get(page.external_id)) for page in pages]


def _states(workspace_id: int, candidates: Iterable[ConnectCandidate]) -> dict[str, str]:
    """One query: what each candidate is among the channel accounts already stored."""
    wanted = {(c.kind, c.external_id) for c in candidates}
    if not wanted:
        return {}
    found = ChannelAccount.objects.filter(
        kind__in={k for k, _i in wanted}, external_id__in={i for _k, i in wanted}
    ).values_list("kind", "external_id", "workspace_id", "is_active")
    states = {}
    for kind, external_id, owner, active in found:
        if (kind, external_id) in wanted:
            states[f"{kind}:{external_id}"] = (
                "taken" if owner != workspace_id else "here" if active else "off"
            )
    return states


def channel_picks_page(*, workspace, pick_id: str, query: str = "", page: int = 1,
                       per_page: int = PER_PAGE) -> PickPage:  # fmt: skip
    """One page of the consent's accounts matching `query` (name, id or @username, without
    accents), each with its state. Reads the cache once and the database once."""
    kind, grant = _grant(workspace.pk, pick_id)
    rows = _rows(grant.candidates)
    listed = len(rows)
    needle = _fold(query.strip())
    if needle:
        rows = [
            (p, ig) for p, ig in rows
            if needle in _fold(" ".join([p.name, p.external_id]
                                        + ([ig.name, ig.detail, ig.external_id] if ig else [])))
        ]  # fmt: skip
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * per_page : page * per_page]
    states = _states(workspace.pk, [c for row in shown for c in row if c is not None])

    def choice(candidate):
        return Choice(candidate=candidate, state=states.get(candidate.key, "new"))

    return PickPage(
        rows=tuple(PickRow(page=choice(p), instagram=choice(ig) if ig else None) for p, ig in shown),
        total=len(rows), listed=listed, page=page, pages=pages, query=query.strip(), kind=kind,
    )  # fmt: skip


@dataclass(frozen=True)
class PickResult:
    candidate: ConnectCandidate
    connected: bool
    reason: str = ""  # why it was refused, in plain words


def channel_picks_connect(*, workspace, pick_id: str, keys: Iterable[str]) -> dict[str, PickResult]:
    """Connect the picked accounts: refuse the ones another workspace has, activate the rest
    at the provider (one batch per 50 Pages), then store each activated one with its
    credentials encrypted (a reconnect updates the row and clears its flag). A key that is
    not in the consent refuses the whole request before anything is done."""
    kind, grant = _grant(workspace.pk, pick_id)
    by_key = {c.key: c for c in grant.candidates}
    asked = list(dict.fromkeys(k for k in keys if k))
    if any(key not in by_key for key in asked):
        raise ApplicationError(_("An account you picked is not in this list: connect again."),
                               code="unknown_pick")  # fmt: skip
    if not asked:
        raise ApplicationError(_("Pick at least one account to connect."), code="empty")
    picked = [by_key[k] for k in asked]
    states = _states(workspace.pk, picked)
    results: dict[str, PickResult] = {}
    for candidate in picked:
        if states.get(candidate.key) == "taken":
            results[candidate.key] = PickResult(candidate, False, _taken())
    todo = tuple(c for c in picked if c.key not in results)
    outcome = _adapter(kind).connect_activate(grant=grant, picked=todo) if todo else {}
    activated = []
    for candidate in todo:
        error = outcome.get(candidate.key)
        if error is None and candidate.key in outcome:
            activated.append(candidate)
            continue
        detail = f" ({error.provider_message})" if error and error.provider_message else ""
        message = str(error.message) if error else _("Meta did not confirm the request.")
        results[candidate.key] = PickResult(candidate, False, f"{message}{detail}")
    results.update(_store(workspace, activated))
    if activated:
        channel_accounts_forget()
        notices.reconnect_forget(workspace.pk)
    return {k: results[k] for k in asked}


def _store(workspace, candidates: list[ConnectCandidate]) -> dict[str, PickResult]:
    """Create or update the activated accounts under their row locks, in one transaction; a
    row another workspace took meanwhile is refused."""
    results: dict[str, PickResult] = {}
    if not candidates:
        return results
    with transaction.atomic():
        existing = {
            (a.kind, a.external_id): a
            for a in ChannelAccount.objects.select_for_update().filter(
                kind__in={c.kind for c in candidates},
                external_id__in={c.external_id for c in candidates},
            )
        }
        for candidate in candidates:
            account = existing.get((candidate.kind, candidate.external_id))
            if account is not None and account.workspace_id != workspace.pk:
                results[candidate.key] = PickResult(candidate, False, _taken())
                continue
            if account is None:
                account = ChannelAccount(workspace=workspace, kind=candidate.kind,
                                         external_id=candidate.external_id)  # fmt: skip
            account.display_name = candidate.name[:200]
            account.credentials = candidate.credentials
            account.credentials_expires_at = None  # Page tokens do not expire on a timer
            account.settings = {**(account.settings or {}), **candidate.settings}
            account.is_active = True
            account.needs_reconnect = False
            account.reconnect_reason = ""
            try:
                with transaction.atomic():
                    account.save()
            except IntegrityError:  # connected at the same moment elsewhere
                results[candidate.key] = PickResult(candidate, False, _taken())
                continue
            results[candidate.key] = PickResult(candidate, True)
    return results
