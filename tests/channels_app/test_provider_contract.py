"""The provider contract: generic code asks the adapter, and never imports a provider."""

import ast
import pathlib

import pytest

from channels_app.providers import get_adapter, supported_kinds
from channels_app.providers.base import OutboundMessage, PayloadError, ProviderAdapter
from channels_app.providers.meta.adapter import message_bodies
from conversations import policies, reply_limits
from tests.channels_app.meta import encode, fixture, post

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERIC = [
    *sorted((ROOT / "channels_app" / "services").rglob("*.py")),
    ROOT / "channels_app" / "views.py",
    ROOT / "channels_app" / "tasks.py",
]
PROVIDER_PACKAGES = ("channels_app.providers.meta", "channels_app.providers.facebook",
                     "channels_app.providers.instagram", "channels_app.providers.shopee")  # fmt: skip


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: str(p.relative_to(ROOT)))
def test_generic_code_imports_no_provider_package(path):
    tree = ast.parse(path.read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and m.startswith(PROVIDER_PACKAGES)]


def test_meta_send_api_words_live_only_under_the_meta_provider():
    words = ('"RESPONSE"', '"MESSAGE_TAG"', '"HUMAN_AGENT"', '"UTILITY"')
    places = [*GENERIC, ROOT / "conversations" / "policies.py",
              *sorted((ROOT / "conversations" / "services").rglob("*.py"))]  # fmt: skip
    for path in places:
        text = path.read_text()
        assert not [w for w in words if w in text], path


# Each provider's signature header (kept so a replay can verify again) and acknowledgement.
EDGES = {
    "facebook": ("X-Hub-Signature-256", 200, "EVENT_RECEIVED"),
    "instagram": ("X-Hub-Signature-256", 200, "EVENT_RECEIVED"),
    "zalo": ("X-ZEvent-Signature", 200, ""),
    "shopee": ("Authorization", 200, ""),
}


@pytest.mark.parametrize("kind", sorted(supported_kinds()))
def test_every_adapter_declares_the_edge(kind):
    adapter = get_adapter(kind)
    assert isinstance(adapter, ProviderAdapter)
    header, status, body = EDGES[kind]
    assert header in adapter.kept_headers  # a replay can verify again
    assert (adapter.ack_status, adapter.ack_body) == (status, body)
    assert adapter.media_hosts and adapter.max_attachment_bytes
    assert adapter.explain_error("token_expired")
    assert reply_limits.max_text(kind) == adapter.max_text_length  # registered at start-up


def test_the_text_limits_are_the_adapters(conversation_a):
    assert (reply_limits.max_text("facebook"), reply_limits.max_text("instagram")) == (2000, 1000)
    assert reply_limits.max_text("zalo") == 2000  # the Zalo adapter's
    assert reply_limits.max_text("email") is None  # no adapter declared one


def test_the_acknowledgement_and_kept_headers_come_from_the_adapter(client, page_a, monkeypatch):
    adapter = get_adapter("facebook")
    monkeypatch.setattr(type(adapter), "ack_body", "OK-from-adapter")
    monkeypatch.setattr(type(adapter), "kept_headers", ("Content-Type",))
    response = post(client, page_a, encode(fixture("facebook", "message_text")))
    assert (response.status_code, response.content) == (200, b"OK-from-adapter")
    from channels_app.models import WebhookEvent

    assert list(WebhookEvent.objects.get().headers) == ["Content-Type"]


@pytest.mark.parametrize(
    "purpose,notification,wire",
    [
        (policies.Purpose.STANDARD, "", ("RESPONSE", None)),
        (policies.Purpose.HUMAN_AGENT, "", ("MESSAGE_TAG", "HUMAN_AGENT")),
        (policies.Purpose.NOTIFICATION, "order_update", ("UTILITY", None)),
    ],
)
def test_the_meta_adapter_maps_the_neutral_purpose(page_a, purpose, notification, wire):
    outbound = OutboundMessage(message_id=7, recipient_id="psid", text="Chào chị",
                               purpose=str(purpose), notification=notification)  # fmt: skip
    [body] = message_bodies(account=page_a, outbound=outbound)
    assert (body["messaging_type"], body.get("tag")) == wire


def test_an_unknown_purpose_is_never_sent_as_something_else(page_a):
    outbound = OutboundMessage(message_id=7, recipient_id="psid", text="x", purpose="promo")
    with pytest.raises(PayloadError):
        message_bodies(account=page_a, outbound=outbound)


def test_a_new_kind_declares_its_window_and_limit_in_its_own_adapter(monkeypatch):
    """A provider added with only its folder and a registry line gets its reply window and
    text limit into conversations."""
    import sys
    import types
    from datetime import timedelta

    from channels_app import providers

    class NewKindAdapter(ProviderAdapter):
        kind = "newkind"
        max_text_length = 640
        reply_window_rule = policies.ChannelWindow(standard=timedelta(hours=72))

    module = types.ModuleType("tests_newkind_adapter")
    module.adapter = NewKindAdapter()
    monkeypatch.setitem(sys.modules, "tests_newkind_adapter", module)
    monkeypatch.setitem(providers.ADAPTERS, "newkind", "tests_newkind_adapter")
    monkeypatch.setattr(policies, "CHANNEL_WINDOWS", dict(policies.CHANNEL_WINDOWS))
    monkeypatch.setattr(reply_limits, "_MAX_TEXT", dict(reply_limits._MAX_TEXT))
    providers.get_adapter.cache_clear()
    try:
        providers.declare_to_conversations()
        assert reply_limits.max_text("newkind") == 640
        assert policies.channel_window("newkind").standard == timedelta(hours=72)
    finally:
        providers.get_adapter.cache_clear()
