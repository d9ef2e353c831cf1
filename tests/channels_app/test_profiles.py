"""Customer profiles from the Graph API stand-in over real HTTP: names and pictures filled only
where empty, errors (give up / retry / reconnect), the backfill, the live push."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from channels_app import tasks
from channels_app.models import ChannelAccount, ContactProfileFetch
from channels_app.providers import get_adapter
from channels_app.services import profiles
from conversations.models import Contact, Customer
from devtools import simulator
from tests.channels_app.meta import deliver, fixture
from tests.channels_app.standin_http import (
    fail_next,
    purge_default_queue,
    queued,
    reads,
)
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db
TASK = "channels_app.tasks.contact_profile_fetch_task"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://inbox.example.vn"
    purge_default_queue()
    yield tmp_path
    purge_default_queue()


def nameless_contact(client, account, kind="facebook", name="message_text") -> Contact:
    deliver(client, account, fixture(kind, name))
    contact = Contact.objects.get(channel_account=account)
    assert contact.display_name == "" and contact.customer.name == ""
    return contact


@pytest.fixture
def fetch(django_capture_on_commit_callbacks):
    """Look a contact up as the task does: what it leaves on commit (pushes, retries) runs."""

    def run(contact) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            return profiles.contact_profile_fetch(
                workspace_id=contact.workspace_id, contact_id=contact.pk
            )

    return run


@pytest.fixture
def backfill(django_capture_on_commit_callbacks):
    def run(**kwargs) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return profiles.contact_profiles_backfill(**kwargs)

    return run


def test_a_new_messenger_contact_gets_its_name_and_picture(graph, client, page_a, pushes, fetch):
    contact = nameless_contact(client, page_a)
    assert fetch(contact) == "filled"
    contact.refresh_from_db()
    expected = simulator.customer_name("7001001")
    assert contact.display_name == expected
    customer = Customer.objects.get(pk=contact.customer_id)
    assert customer.name == expected
    # the picture is our copy (Meta's link expires), under the workspace's folder, linked
    # relative to the page so it loads whatever host and port serve the app
    prefix = f"/media/avatars/{page_a.workspace_id}/"
    assert contact.avatar_url.startswith(prefix) and customer.avatar_url == contact.avatar_url
    stored = contact.avatar_url.removeprefix("/media/")
    with default_storage.open(stored) as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n"
    [call] = reads(graph)
    assert (call["kind"], call["target"]) == ("profile", "7001001")
    assert call["query"]["fields"] == "name,first_name,last_name,profile_pic"
    assert ContactProfileFetch.objects.get(contact=contact).status == "done"
    [push] = pushes.events("conversation.changed")
    assert push["reason"] == "profile" and push["conversation_id"] == contact.conversations.get().pk
    assert expected in push["row"]


def test_a_name_an_agent_typed_is_never_overwritten(graph, client, page_a, fetch):
    contact = nameless_contact(client, page_a)
    Customer.objects.filter(pk=contact.customer_id).update(name="Chị Hoa (khách sỉ)")
    assert fetch(contact) == "filled"
    contact.refresh_from_db()
    assert contact.display_name == simulator.customer_name("7001001")
    assert Customer.objects.get(pk=contact.customer_id).name == "Chị Hoa (khách sỉ)"


def test_a_contact_with_name_and_picture_is_not_looked_up(graph, page_a, fetch):
    conversation = make_conversation(page_a, "psid-known", "Trần Thị B")
    Contact.objects.filter(pk=conversation.contact_id).update(avatar_url="https://x.test/a.png")
    assert fetch(conversation.contact) == "skipped"
    assert reads(graph) == []


def test_instagram_profile_uses_name_or_username(graph, client, ig_a, fetch):
    contact = nameless_contact(client, ig_a, "instagram")
    assert fetch(contact) == "filled"
    contact.refresh_from_db()
    assert contact.display_name == simulator.customer_name("6001001")
    [call] = reads(graph)
    assert call["query"]["fields"] == "name,username,profile_pic"
    adapter = get_adapter("instagram")
    assert adapter.profile_from({"name": None, "username": "hoa.nguyen"}).name == "@hoa.nguyen"
    assert adapter.profile_from({"profile_pic": "javascript:alert(1)"}).avatar_url == ""


def test_messenger_name_falls_back_to_first_and_last():
    adapter = get_adapter("facebook")
    assert adapter.profile_from({"first_name": "Hoa", "last_name": "Nguyễn"}).name == "Hoa Nguyễn"
    assert adapter.profile_from({"name": " Nguyễn Thị Hoa "}).name == "Nguyễn Thị Hoa"


@pytest.mark.parametrize(
    "mode,words",
    [
        ("no_profile", "No profile available"),  # 100 / 2018218
        ("permission", "Permissions error"),  # 200
        ("user_unavailable", "isn't available"),  # 551: blocked the page
    ],
)
def test_unknown_user_gives_up_quietly_once(graph, client, page_a, fetch, mode, words):
    contact = nameless_contact(client, page_a)
    fail_next(graph, mode)
    assert fetch(contact) == "gave_up"
    record = ContactProfileFetch.objects.get(contact=contact)
    assert (record.status, record.attempts) == ("gave_up", 1)
    assert words in record.error
    assert queued(TASK) == []  # no retry
    assert fetch(contact) == "skipped"
    assert profiles.contact_profiles_due() == []  # nor by the backfill
    assert len(reads(graph)) == 0  # the failed call is not a read; nothing else was asked


def test_an_empty_profile_is_given_up(graph, client, page_a, monkeypatch, fetch):
    contact = nameless_contact(client, page_a)
    client_class = type(get_adapter("facebook").client(page_a))
    monkeypatch.setattr(client_class, "user_profile", lambda self, psid: {"id": psid})
    assert fetch(contact) == "gave_up"
    assert ContactProfileFetch.objects.get(contact=contact).status == "gave_up"


def test_transient_errors_retry_with_backoff_then_succeed(graph, client, page_a, fetch):
    contact = nameless_contact(client, page_a)
    fail_next(graph, "server_error")
    assert fetch(contact) == "retry"
    record = ContactProfileFetch.objects.get(contact=contact)
    assert (record.status, record.attempts) == ("pending", 1)
    [(args, headers)] = queued(TASK)
    assert args == [contact.workspace_id, contact.pk] and headers["eta"]
    assert fetch(contact) == "filled"
    record.refresh_from_db()
    assert (record.status, record.attempts, record.error) == ("done", 2, "")


def test_transient_errors_stop_at_the_last_attempt(graph, client, page_a, settings, fetch):
    settings.PROFILE_FETCH_MAX_ATTEMPTS = 2
    contact = nameless_contact(client, page_a)
    fail_next(graph, "rate_limit", times=5)
    assert fetch(contact) == "retry"
    assert fetch(contact) == "failed"
    assert ContactProfileFetch.objects.get(contact=contact).status == "failed"
    assert len(queued(TASK)) == 1
    # the backfill tries a failed lookup again a day later
    assert profiles.contact_profiles_due() == []
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert profiles.contact_profiles_due(now=later) == [(contact.pk, contact.workspace_id)]


def test_an_expired_token_flags_the_page_for_reconnecting(graph, client, page_a, fetch):
    contact = nameless_contact(client, page_a)
    fail_next(graph, "bad_token")
    assert fetch(contact) == "reconnect"
    page_a.refresh_from_db()
    assert page_a.needs_reconnect and page_a.reconnect_reason
    assert ContactProfileFetch.objects.get(contact=contact).status == "pending"
    assert queued(TASK) == []
    assert fetch(contact) == "skipped"  # nothing is asked of a page that must be reconnected
    assert profiles.contact_profiles_due() == []


def test_a_running_lookup_is_not_done_twice(graph, client, page_a, fetch):
    contact = nameless_contact(client, page_a)
    ContactProfileFetch.objects.create(
        contact=contact, workspace_id=contact.workspace_id, status="running", attempts=1
    )
    assert fetch(contact) == "skipped"
    assert reads(graph) == []


def test_enqueue_publishes_after_the_commit(page_a, django_capture_on_commit_callbacks):
    conversation = make_conversation(page_a, "psid-new", "")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        profiles.contact_profile_fetch_enqueue(
            workspace_id=page_a.workspace_id, contact_id=conversation.contact_id
        )
    assert queued(TASK) == []
    for callback in callbacks:
        callback()
    [(args, _)] = queued(TASK)
    assert args == [page_a.workspace_id, conversation.contact_id]


def test_the_task_runs_the_lookup(graph, client, page_a):
    contact = nameless_contact(client, page_a)
    result = tasks.contact_profile_fetch_task.apply(args=[contact.workspace_id, contact.pk])
    assert result.get() == "filled"


def test_backfill_queues_nameless_contacts_in_small_batches(graph, client, page_a, ig_a, backfill):
    first = nameless_contact(client, page_a)
    second = nameless_contact(client, ig_a, "instagram")
    named = make_conversation(page_a, "psid-named", "Lê Thị Thu").contact
    given_up = make_conversation(page_a, "psid-gone", "").contact
    ContactProfileFetch.objects.create(
        contact=given_up, workspace_id=given_up.workspace_id, status="gave_up"
    )
    disabled = ChannelAccount.objects.create(
        workspace=page_a.workspace, kind="facebook", external_id="1999", display_name="Old",
        is_active=False,
    )  # fmt: skip
    make_conversation(disabled, "psid-disabled", "")
    assert backfill(batch=1) == 1
    assert backfill(batch=10) == 1
    assert backfill(batch=10) == 0  # both are pending now
    ids = sorted(args[1] for args, _ in queued(TASK))
    assert ids == sorted([first.pk, second.pk])
    assert not ContactProfileFetch.objects.filter(contact=named).exists()
    # a lookup left pending (the task was lost) is queued again after an hour
    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert len(profiles.contact_profiles_due(now=later)) == 2


def test_the_management_command_looks_up_inline(graph, client, page_a):
    from django.core.management import call_command

    contact = nameless_contact(client, page_a)
    call_command("profiles_backfill", "--inline")
    contact.refresh_from_db()
    assert contact.display_name == simulator.customer_name("7001001")
