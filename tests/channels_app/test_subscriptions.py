"""Webhook subscription health against the stand-in's subscribed_apps over real HTTP: healthy,
unsubscribed by Meta (resubscribed), fields drifted, expired token, Instagram's linked Page,
the beat sweep and the channels page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.models import ChannelAccount
from channels_app.providers.base import Subscription
from channels_app.providers.meta import subscriptions as meta_subscriptions
from channels_app.services import subscriptions
from tests.channels_app.standin_http import (
    fail_next,
    graph_call,
    purge_default_queue,
    queued,
    reads,
    sent,
)
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db
APP = "100000000000001"
FIELDS = "messages,messaging_postbacks,message_echoes,message_reads,message_deliveries,feed"


@pytest.fixture(autouse=True)
def clean_queue():
    purge_default_queue()
    yield
    purge_default_queue()


def check(account) -> str:
    return subscriptions.channel_account_subscription_check(
        workspace_id=account.workspace_id, account_id=account.pk
    )


def test_a_healthy_page_is_recorded_ok(graph, page_a):
    assert check(page_a) == "ok"
    page_a.refresh_from_db()
    assert page_a.subscription_status == "ok" and page_a.subscription_checked_at
    assert [r["target"] for r in reads(graph)] == ["1001"]
    assert sent(graph) == []  # nothing to renew


def test_a_page_meta_unsubscribed_is_subscribed_again(graph, page_a):
    graph_call(graph, "DELETE", "1001/subscribed_apps")  # Meta, after an hour of failures
    assert check(page_a) == "resubscribed"
    [unsubscribe, subscribe] = sent(graph)
    assert (subscribe["method"], subscribe["path"], subscribe["kind"]) == (
        "POST",
        "/1001/subscribed_apps",
        "subscribe",
    )
    assert subscribe["body"] == {"subscribed_fields": FIELDS}
    assert subscribe["token_suffix"] == "1001"
    page_a.refresh_from_db()
    assert page_a.subscription_status == "resubscribed"
    assert page_a.subscription_detail
    assert check(page_a) == "ok"  # and now it is


def test_missing_fields_are_added_again(graph, page_a):
    graph_call(graph, "POST", "1001/subscribed_apps?subscribed_fields=messages")
    page_a.workspace.language = "en"
    page_a.workspace.save()
    assert check(page_a) == "resubscribed"
    page_a.refresh_from_db()
    assert "messaging_postbacks, message_echoes" in page_a.subscription_detail
    assert sent(graph)[-1]["body"] == {"subscribed_fields": FIELDS}


def test_fields_are_configurable(graph, page_a, settings):
    assert check(page_a) == "ok"  # the stand-in's Page has the default fields
    settings.META_PAGE_SUBSCRIBED_FIELDS = ["messages", "feed", "message_reactions"]
    assert check(page_a) == "resubscribed"
    assert sent(graph)[-1]["body"] == {"subscribed_fields": "messages,feed,message_reactions"}


def test_an_expired_token_fails_the_check_and_flags_the_page(graph, page_a):
    fail_next(graph, "bad_token")
    assert check(page_a) == "failed"
    page_a.refresh_from_db()
    assert page_a.subscription_status == "failed" and page_a.needs_reconnect
    assert check(page_a) == "unknown"  # not asked again until reconnected
    assert len(reads(graph)) == 0


def test_a_transient_error_is_recorded_as_failed(graph, page_a):
    fail_next(graph, "server_error")
    assert check(page_a) == "failed"
    page_a.refresh_from_db()
    assert not page_a.needs_reconnect and page_a.subscription_detail


def test_instagram_needs_its_linked_page(graph, ig_a):
    assert check(ig_a) == "unknown"
    ig_a.settings = {"page_id": "3003"}
    ig_a.save()
    assert check(ig_a) == "ok"
    assert reads(graph)[-1]["target"] == "3003"
    graph_call(graph, "DELETE", "3003/subscribed_apps", token="token-17841400000000001")
    assert check(ig_a) == "resubscribed"
    assert sent(graph)[-1]["body"] == {"subscribed_fields": "feed"}  # any Page field will do


def test_instagram_keeps_the_messenger_fields_of_a_page_we_also_serve(graph, page_a, ig_a):
    ig_a.settings = {"page_id": "1001"}
    ig_a.save()
    graph_call(graph, "DELETE", "1001/subscribed_apps")
    assert check(ig_a) == "resubscribed"
    assert sent(graph)[-1]["body"] == {"subscribed_fields": FIELDS}


def test_verdict_rules():
    mine = Subscription(target_id="1", apps={APP: ("messages", "feed"), "999": ("feed",)})
    unlisted = Subscription(target_id="1", apps={APP: None})
    verdict = meta_subscriptions.subscription_verdict
    assert verdict(subscription=mine, app_id=APP, wanted=["messages"], require_all=True) == (
        "ok",
        (),
    )
    assert verdict(subscription=mine, app_id=APP, wanted=["messages", "x"], require_all=True) == (
        "fields",
        ("x",),
    )
    assert verdict(subscription=mine, app_id=APP, wanted=["x"], require_all=False)[0] == "ok"
    assert verdict(subscription=mine, app_id="555", wanted=["a"], require_all=False) == (
        "missing",
        ("a",),
    )
    assert verdict(subscription=unlisted, app_id=APP, wanted=["x"], require_all=True)[0] == "ok"


def test_the_sweep_queues_due_accounts_only(
    graph, page_a, ig_a, workspace_b, django_capture_on_commit_callbacks
):
    recent = make_channel_account(workspace_b, "facebook", "2002", "Checked")
    ChannelAccount.objects.filter(pk=recent.pk).update(subscription_checked_at=timezone.now())
    stale = make_channel_account(workspace_b, "facebook", "2003", "Stale")
    ChannelAccount.objects.filter(pk=stale.pk).update(
        subscription_checked_at=timezone.now() - timedelta(hours=1)
    )
    ChannelAccount.objects.create(
        workspace=workspace_b, kind="zalo", external_id="z1", display_name="Zalo"
    )
    with django_capture_on_commit_callbacks(execute=True):  # beat runs it in autocommit
        assert subscriptions.channel_subscriptions_check_due() == 3
    queued_ids = sorted(
        args[1] for args, _ in queued("channels_app.tasks.channel_subscription_check_task")
    )
    assert queued_ids == sorted([page_a.pk, ig_a.pk, stale.pk])


def test_the_channels_page_shows_the_check_and_admins_can_ask_for_one(
    graph, page_a, client_for, alice, bob, django_capture_on_commit_callbacks
):
    check(page_a)
    page = client_for(alice).get("/w/shop-a/channels/")
    html = page.content.decode()
    assert 'data-testid="subscription"' in html and "pill-ok" in html
    with django_capture_on_commit_callbacks(execute=True):  # queued once the request commits
        response = client_for(alice).post(f"/w/shop-a/channels/{page_a.pk}/subscription/check/")
    assert response.status_code == 302
    [(args, _)] = queued("channels_app.tasks.channel_subscription_check_task")
    assert args == [page_a.workspace_id, page_a.pk]
    assert (
        client_for(bob).post(f"/w/shop-a/channels/{page_a.pk}/subscription/check/").status_code
        == 403
    )


def test_the_command_checks_now(graph, page_a):
    from io import StringIO

    from django.core.management import call_command

    graph_call(graph, "DELETE", "1001/subscribed_apps")
    out = StringIO()
    call_command("subscriptions_check", "--workspace", "shop-a", stdout=out)
    assert "resubscribed" in out.getvalue()
