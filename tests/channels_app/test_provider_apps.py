"""The trust boundary between provider apps: a webhook body is believed only for the channel
accounts of the app whose secret signed it. The per-account URL key authenticates nothing."""

import importlib
import json
import logging

import pytest
from django.apps import apps as django_apps
from django.conf import settings

from channels_app import provider_apps
from channels_app.models import ChannelAccount, WebhookEvent
from conversations.models import Conversation, Message
from tests.channels_app.meta import APP_ID, SECRET, encode, fixture, post, process_pending
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db

APP_B = "200000000000002"
SECRET_B = "secret-of-app-b"


@pytest.fixture(autouse=True)
def two_apps(settings):
    settings.META_APPS = [f"{APP_B}:{SECRET_B}", "no-secret:", ":no-id"]
    return settings


@pytest.fixture
def page_of_app_b(workspace_b):
    return make_channel_account(
        workspace_b, "facebook", "2001", "Shop B fanpage", page_access_token="token-b"
    )


@pytest.fixture
def under_app_b(page_of_app_b):
    ChannelAccount.objects.filter(pk=page_of_app_b.pk).update(provider_app_id=APP_B)
    page_of_app_b.refresh_from_db()
    return page_of_app_b


def message_for(page_id: str, mid: str) -> bytes:
    data = fixture("facebook", "message_text")
    entry = data["entry"][0]
    entry["id"] = entry["messaging"][0]["recipient"]["id"] = page_id
    entry["messaging"][0]["message"]["mid"] = mid
    return encode(data)


def test_settings_list_every_app_single_app_first_and_never_print_a_secret():
    apps = provider_apps.meta_apps()
    assert [app.id for app in apps] == [APP_ID, APP_B]
    assert [app.secret for app in apps] == [SECRET, SECRET_B]
    assert SECRET_B not in repr(apps)
    assert provider_apps.default_app_id("facebook") == APP_ID
    assert provider_apps.default_app_id("email") == ""  # a kind without provider apps
    assert provider_apps.default_app_id("zalo") == settings.ZALO_APP_ID  # the one Zalo app


def test_a_new_channel_is_connected_under_the_configured_app(page_a):
    assert page_a.provider_app_id == APP_ID
    assert ChannelAccount.objects.get(pk=page_a.pk).provider_app_id == APP_ID


def test_signed_by_the_pages_own_app_is_accepted_and_routed(client, under_app_b):
    response = post(client, under_app_b, message_for("2001", "m_b_1"), secret=SECRET_B)
    assert response.status_code == 200
    assert process_pending() == ["processed"]
    message = Message.objects.get(external_id="m_b_1")
    assert message.conversation.channel_account == under_app_b


def test_signed_by_another_configured_app_is_refused_and_nothing_stored(
    client, under_app_b, caplog
):
    caplog.set_level(logging.WARNING, logger="channels_app.services.ingest")
    response = post(client, under_app_b, message_for("2001", "m_b_2"), secret=SECRET)
    # answered like an address that does not exist: the sender learns nothing about the page
    assert response.status_code == 404
    assert response.content == b""
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists() and not Conversation.objects.exists()
    assert f"signed by facebook app {APP_ID}" in caplog.text
    assert f"channel account {under_app_b.pk} belongs to app '{APP_B}'" in caplog.text


def test_an_entry_for_another_apps_page_inside_a_signed_body_is_not_routed(
    client, page_a, under_app_b, caplog
):
    """App A's secret, app A's own address, but the body names a page of app B as well."""
    caplog.set_level(logging.WARNING, logger="channels_app.services.ingest")
    data = fixture("facebook", "message_text")
    foreign = encode(data).decode().replace('"1001"', '"2001"').replace("m_text_1", "m_foreign")
    data["entry"].append(json.loads(foreign)["entry"][0])
    assert post(client, page_a, encode(data)).status_code == 200
    assert process_pending() == ["processed"]
    assert list(Message.objects.values_list("external_id", flat=True)) == ["m_text_1"]
    assert not Conversation.objects.filter(channel_account=under_app_b).exists()
    assert "webhook entry skipped: facebook page 2001 belongs to app" in caplog.text


def test_the_url_key_alone_is_refused(client, under_app_b):
    body = message_for("2001", "m_b_3")
    assert post(client, under_app_b, body, signature=None).status_code == 403
    assert post(client, under_app_b, body, secret="a secret nobody configured").status_code == 403
    assert not WebhookEvent.objects.exists()


def test_only_one_app_configured_keeps_working(client, settings, page_a):
    settings.META_APPS = []
    assert [app.id for app in provider_apps.meta_apps()] == [APP_ID]
    assert post(client, page_a, message_for("1001", "m_one")).status_code == 200
    assert process_pending() == ["processed"]
    assert Message.objects.filter(external_id="m_one").exists()


def test_the_migration_puts_existing_meta_channels_under_the_configured_app(
    page_a, ig_a, workspace_a
):
    zalo = make_channel_account(workspace_a, "zalo", "oa-1", "Zalo OA")
    ChannelAccount.objects.update(provider_app_id="")
    migration = importlib.import_module("channels_app.migrations.0005_channel_account_provider_app")
    migration.existing_meta_channels_belong_to_the_configured_app(django_apps, None)
    app_ids = dict(ChannelAccount.objects.values_list("external_id", "provider_app_id"))
    assert app_ids == {page_a.external_id: APP_ID, ig_a.external_id: APP_ID, zalo.external_id: ""}
