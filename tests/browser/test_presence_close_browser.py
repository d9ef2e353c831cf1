"""Presence in the header and closing, in a real browser: an agent switches herself online
from the top bar with the keyboard and round robin hands her the waiting customer; closing
keeps her as the handler and the customer pane shows the new status without a reload."""

import os

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation
from routing.models import AgentPresence, ChannelAgent, PresenceStatus, RoutingMode, RoutingSettings
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000


@pytest.fixture(scope="module", autouse=True)
def tasks_in_the_server():
    """No worker runs next to the test server: its Celery tasks run in-process on commit."""
    previous = os.environ.get("CELERY_TASK_ALWAYS_EAGER")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    yield
    if previous is None:
        os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    else:
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = previous


@pytest.fixture
def round_robin_shop():
    workspace = make_workspace("Shop A", "shop-a")
    RoutingSettings.objects.create(workspace=workspace, mode=RoutingMode.ROUND_ROBIN)
    lan = make_user("lan@a.test", "Lan Agent", workspace, "agent")
    membership = lan.memberships.get(workspace=workspace)
    ChannelAgent.objects.create(workspace=workspace, membership=membership)
    # She chose "away" last time: logging in does not override that choice.
    AgentPresence.objects.create(
        workspace=workspace, membership=membership, status=PresenceStatus.AWAY
    )
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    waiting = make_conversation(page, "psid-1", "Nguyễn Văn A", text="Còn size M không?")
    return {"lan": lan, "conversation": waiting}


def test_header_switch_toggles_and_round_robin_then_assigns(open_inbox, round_robin_shop):
    lan, conversation = round_robin_shop["lan"], round_robin_shop["conversation"]
    page = open_inbox(lan, "/w/shop-a/")
    switch = page.get_by_test_id("presence-switch")
    expect(switch).to_have_attribute("data-state", "away", timeout=STEP)
    assert Conversation.objects.get(pk=conversation.pk).assignee_id is None

    # keyboard only: focus the toggle and press Enter
    page.get_by_test_id("presence-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("presence-switch")).to_have_attribute(
        "data-state", "online", timeout=STEP
    )
    expect(page.get_by_test_id("presence-toggle")).to_have_attribute("value", "away")
    # Going online hands out the waiting customer; the list shows it live.
    expect(page.locator(f"#conv-{conversation.pk}")).to_have_attribute(
        "data-assignee", str(lan.pk), timeout=STEP
    )
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == lan.pk

    page.get_by_test_id("presence-toggle").press("Enter")
    expect(page.get_by_test_id("presence-switch")).to_have_attribute(
        "data-state", "away", timeout=STEP
    )
    presence = AgentPresence.objects.get(membership__user=lan)
    assert presence.status == PresenceStatus.AWAY
    assert page.errors == []


def test_closing_keeps_the_handler_and_the_customer_pane_says_closed(open_inbox, round_robin_shop):
    lan, conversation = round_robin_shop["lan"], round_robin_shop["conversation"]
    page = open_inbox(lan, f"/w/shop-a/c/{conversation.pk}/")
    page.get_by_test_id("claim-button").click()
    panel = page.get_by_test_id("claim-panel")
    expect(panel).to_have_attribute("data-assignee", str(lan.pk), timeout=STEP)
    pane = page.get_by_test_id("customer-pane")
    expect(pane.locator(".past .is-current .pill")).to_have_text("Đang mở", timeout=STEP)

    page.get_by_test_id("claim-toggle").click()  # the claim card's actions are folded
    page.get_by_test_id("close-button").click()
    expect(page.get_by_test_id("last-handler")).to_contain_text("Lan Agent", timeout=STEP)
    # the customer pane follows without a reload
    expect(pane.locator(".past .is-current .pill")).to_have_text("Đã đóng", timeout=STEP)
    expect(page.get_by_test_id("conv-status")).to_have_text("Đã đóng", timeout=STEP)
    closed = Conversation.objects.get(pk=conversation.pk)
    assert closed.status == "closed" and closed.assignee_id == lan.pk
    assert page.errors == []
