"""`manage.py simulate` plays Shopee buyers too: correctly signed pushes to the deployment's
push address of a live server, each message registered with the stand-in first, so the
worker's read-back finds it."""

import pytest
from django.core.management import call_command

from channels_app.models import WebhookEvent
from conversations.models import Message
from tests.channels_app.meta import process_pending
from tests.channels_app.shopee import make_shop

pytestmark = pytest.mark.django_db(transaction=True)


def test_simulated_buyers_reach_the_shop_and_are_read_back(live_server, workspace_a, shopee_api):
    shop = make_shop(workspace_a)
    call_command("simulate", workspace=workspace_a.slug, page=[shop.external_id], count=5,
                 rate=50, seed=11, base_url=live_server.url, verbosity=0)  # fmt: skip
    assert WebhookEvent.objects.filter(channel_account=shop).count() == 5
    assert set(process_pending()) == {"processed"}
    messages = Message.objects.filter(channel_account=shop, direction="in")
    assert messages.count() == 5
    assert all(m.meta["fetched"] for m in messages)  # the stand-in knew every one
