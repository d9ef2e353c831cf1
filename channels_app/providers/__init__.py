"""Provider adapters, one package per kind; look them up with `get_adapter(kind)`.

Only channels_app imports from here: everything else sees the neutral shapes of `base.py`.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from channels_app.providers.base import ProviderAdapter

# kind -> module holding `adapter` (a ProviderAdapter instance). Zalo, e-mail: add a line.
ADAPTERS = {
    "facebook": "channels_app.providers.facebook.adapter",
    "instagram": "channels_app.providers.instagram.adapter",
    "shopee": "channels_app.providers.shopee.adapter",
    "zalo": "channels_app.providers.zalo.adapter",
}


class UnknownProvider(LookupError):
    pass


@cache
def get_adapter(kind: str) -> ProviderAdapter:
    try:
        module = ADAPTERS[kind]
    except KeyError:
        raise UnknownProvider(kind) from None
    return import_module(module).adapter


def supported_kinds() -> frozenset[str]:
    return frozenset(ADAPTERS)


def declare_to_conversations() -> None:
    """Tell conversations what each registered adapter declares for it (the reply text limit,
    what a reply may attach, a reply window for a kind its table does not have): conversations sits below
    channels_app and never imports an adapter. Run at start-up (ChannelsAppConfig.ready)."""
    from conversations import policies, reply_limits

    for kind in supported_kinds():
        adapter = get_adapter(kind)
        reply_limits.max_text_register(kind, adapter.max_text_length)
        reply_limits.attachments_register(
            kind, adapter.sendable_attachments, adapter.max_attachment_bytes
        )
        if adapter.reply_window_rule is not None:
            policies.channel_window_register(kind, adapter.reply_window_rule)


def can_send(kind: str) -> bool:
    """Whether replies on this kind can go out: its adapter is registered and implements
    `send`. A kind without one (e-mail today) only receives."""
    try:
        return get_adapter(kind).supports_sending
    except UnknownProvider:
        return False
