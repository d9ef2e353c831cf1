"""Deliveries the provider kept because we never acknowledged them (Shopee's lost pushes):
read back on a schedule, stored exactly like a webhook that arrived (a body we already have
is a no-op insert), and confirmed to the provider only once they are committed."""

from __future__ import annotations

import logging

from channels_app.providers import get_adapter, supported_kinds
from channels_app.providers.base import ProviderError
from channels_app.services.ingest.receive import account_named_by_body, webhook_event_accept

log = logging.getLogger(__name__)

MAX_PAGES = 20  # a provider's page is 100 deliveries; the rest waits for the next run


def webhook_lost_events_backfill(*, max_pages: int = MAX_PAGES) -> int:
    """Every kind whose adapter `supports_lost_events`: store what it kept, then confirm.
    Returns how many new events were stored. A provider error stops that kind's run (what was
    stored stays; the unconfirmed rest is handed out again next time)."""
    stored = 0
    for kind in sorted(supported_kinds()):
        adapter = get_adapter(kind)
        if not adapter.supports_lost_events:
            continue
        try:
            stored += _backfill_kind(kind, adapter, max_pages=max_pages)
        except ProviderError as exc:
            log.warning("lost %s deliveries not read back: %s (%s)", kind, exc.code,
                        exc.provider_message)  # fmt: skip
    return stored


def _backfill_kind(kind: str, adapter, *, max_pages: int) -> int:
    stored = 0
    for _page in range(max_pages):
        lost = adapter.lost_events()
        for body in lost.bodies:
            account = account_named_by_body(kind=kind, adapter=adapter, body=body)
            if account is None:
                log.info(
                    "lost %s delivery for no %s of ours skipped", kind, adapter.account_id_name
                )
                continue
            # One INSERT each, committed at once (autocommit): stored before the confirmation.
            stored += webhook_event_accept(account=account, adapter=adapter, body=body,
                                           headers={}) is not None  # fmt: skip
        if lost.cursor:
            adapter.lost_events_confirm(cursor=lost.cursor)
        if not lost.more or not lost.bodies:
            break
    return stored
