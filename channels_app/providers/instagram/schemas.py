"""Instagram webhook bodies (`object: "instagram"`) to provider-neutral events (docs/providers.md).

DMs, echoes (`is_echo` inside `messages`) and `messaging_seen` receipts share the Messenger
`messaging[]` shape; IG comments (`changes`) are not handled yet and are kept as ignored.
"""

from __future__ import annotations

from channels_app.providers.base import Event, Ignored, clean_text
from channels_app.providers.meta import messaging


def parse(body: bytes) -> list[Event]:
    data = messaging.load_json(body)
    events: list[Event] = []
    for entry in messaging.entries(data, expected_object="instagram"):
        events.extend(messaging.messaging_events(entry))
        for change in entry.get("changes") or []:
            field = change.get("field") if isinstance(change, dict) else None
            events.append(Ignored(
                timestamp=messaging.from_seconds(entry.get("time") or 0)
                if (entry.get("time") or 0) < 10**11 else messaging.from_ms(entry["time"]),
                account_external_id=clean_text(entry["id"], limit=128),
                reason=f"instagram change {field!r} not handled",
            ))  # fmt: skip
    return sorted(events, key=lambda event: event.sort_key)
