"""How long a reply's text may be on each channel kind.

The provider adapters declare it (`ProviderAdapter.max_text_length` in channels_app); the
channels app registers the declared values when Django starts (`ChannelsAppConfig.ready`),
since conversations sits below it and never imports the adapters. A kind nobody declared a
limit for has none.
"""

from __future__ import annotations

_MAX_TEXT: dict[str, int] = {}


def max_text_register(kind: str, limit: int | None) -> None:
    if limit:
        _MAX_TEXT[kind] = int(limit)
    else:
        _MAX_TEXT.pop(kind, None)


def max_text(kind: str) -> int | None:
    return _MAX_TEXT.get(kind)
