"""The inbox socket compares the whole origin (scheme, host, port) with the site's."""

import pytest
from django.test import override_settings

from inbox_project.ws_origin import origin_allowed
from tests.conversations.test_inbox_socket import connect, private_channel_layer, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
SITE = {"SITE_ORIGINS": ["https://localhost"], "WS_ALLOW_LOOPBACK_ORIGINS": False}


@override_settings(**SITE)
@pytest.mark.parametrize(
    "origin,allowed",
    [
        ("https://localhost", True),
        ("https://localhost:443", True),
        ("https://LOCALHOST", True),
        ("http://localhost", False),
        ("http://localhost:9999", False),
        ("https://localhost:8443", False),
        ("https://evil.test", False),
        ("", False),
        ("null", False),
    ],
)
def test_origin_rule(origin, allowed):
    assert origin_allowed(origin) is allowed


@override_settings(**SITE)
async def test_socket_from_another_port_is_refused():
    w = await world()
    _c, connected = await connect("shop-a", w["bob"], origin=(b"origin", b"http://localhost:9999"))
    assert not connected
    ok, connected = await connect("shop-a", w["bob"], origin=(b"origin", b"https://localhost"))
    assert connected
    await ok.disconnect()
