"""Routing in a real browser: two agents in two browser contexts. One claims, the other sees the
conversation turn read-only live; the anti-steal timer releases it and both see it return to the
pool, again without reloading."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation, Message, MessageKind
from routing.models import AssignmentReason, RoutingMode, RoutingSettings
from routing.services import release_due_sweep
from tests.browser.conftest import off_loop
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000  # ms: a round trip plus a live push, on a loaded machine (CI runs alongside)


@pytest.fixture
def first_click_shop():
    workspace = make_workspace("Shop A", "shop-a")
    RoutingSettings.objects.create(
        workspace=workspace,
        mode=RoutingMode.FIRST_CLICK,
        anti_steal_enabled=True,
        anti_steal_minutes=1,  # the smallest the settings allow
    )
    lan = make_user("lan@a.test", "Lan Agent", workspace, "agent")
    minh = make_user("minh@a.test", "Minh Agent", workspace, "agent")
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    # open, unclaimed, the customer's message waiting for a reply
    waiting = make_conversation(page, "psid-1", "Nguyễn Văn A", text="Còn size M không?")
    return {"workspace": workspace, "lan": lan, "minh": minh, "conversation": waiting}


def test_claim_shows_read_only_live_and_the_timer_returns_it_to_both(open_inbox, first_click_shop):
    conversation = first_click_shop["conversation"]
    lan, minh = first_click_shop["lan"], first_click_shop["minh"]
    path = f"/w/shop-a/c/{conversation.pk}/"
    page_a = open_inbox(lan, path)
    page_b = open_inbox(minh, path)
    for page in (page_a, page_b):
        page.evaluate("window.__marker = 'same page'")
        expect(page.get_by_test_id("claim-button")).to_be_visible(timeout=STEP)
        expect(page.get_by_test_id("claim-banner")).to_have_count(0)

    # A claims: A holds it, with the anti-steal clock shown.
    page_a.get_by_test_id("claim-button").click()
    panel_a = page_a.get_by_test_id("claim-panel")
    expect(panel_a).to_have_attribute("data-assignee", str(lan.pk), timeout=STEP)
    expect(page_a.get_by_test_id("release-deadline")).to_be_visible(timeout=STEP)
    expect(page_a.get_by_test_id("claim-button")).to_have_count(0)
    held = Conversation.objects.get(pk=conversation.pk)
    assert held.assignee_id == lan.pk and held.release_deadline is not None

    # B sees it turn read-only without reloading: A's name, no claim button, no actions.
    panel_b = page_b.get_by_test_id("claim-panel")
    banner_b = page_b.get_by_test_id("claim-banner")
    expect(banner_b).to_be_visible(timeout=STEP)
    expect(banner_b).to_contain_text("Lan Agent")
    expect(panel_b).to_have_attribute("data-assignee", str(lan.pk))
    expect(panel_b).to_have_attribute("data-can-act", "0")
    expect(page_b.get_by_test_id("claim-button")).to_have_count(0)
    expect(page_b.get_by_test_id("close-button")).to_have_count(0)
    expect(page_b.get_by_test_id("conv-header")).to_have_attribute("data-assignee", str(lan.pk))
    # B is offered internal notes only: no reply tab; what B writes stays a note, nothing is sent.
    expect(page_b.get_by_test_id("read-only-note")).to_be_visible()
    expect(page_b.locator('#composer input[name="mode"][value="reply"]')).to_have_count(0)
    box_b = page_b.get_by_test_id("composer-input")
    box_b.click()
    box_b.type("Dạ em tư vấn chị nhé")
    box_b.press("Enter")
    expect(page_b.locator("#timeline")).to_contain_text("Dạ em tư vấn chị nhé", timeout=STEP)
    assert Message.objects.filter(conversation=conversation, kind=MessageKind.NOTE).count() == 1
    assert not Message.objects.filter(
        conversation=conversation, direction="out", kind=MessageKind.INBOX
    ).exists()

    # The anti-steal clock runs out: move the deadline into the past and run beat's sweep.
    Conversation.objects.filter(pk=conversation.pk).update(
        release_deadline=timezone.now() - timedelta(seconds=1)
    )
    assert off_loop(release_due_sweep, now=timezone.now()) == 1
    released = Conversation.objects.get(pk=conversation.pk)
    assert released.assignee_id is None and released.release_deadline is None
    event = Message.objects.get(
        conversation=conversation, kind=MessageKind.SYSTEM,
        meta__reason=AssignmentReason.RELEASED_BY_TIMER,
    )  # fmt: skip

    # Both see it back in the pool, live: claim button again, no holder, the timeline event.
    release_text = re.compile(r"Lan Agent.*(1 phút|1 minute)")
    for page in (page_a, page_b):
        expect(page.get_by_test_id("claim-button")).to_be_visible(timeout=STEP)
        expect(page.get_by_test_id("claim-banner")).to_have_count(0)
        expect(page.get_by_test_id("release-deadline")).to_have_count(0)
        expect(page.get_by_test_id("claim-panel")).to_have_attribute("data-assignee", "")
        expect(page.locator(f"#msg-{event.pk}")).to_contain_text(release_text, timeout=STEP)
        assert page.evaluate("window.__marker") == "same page"  # never reloaded
        assert not page.errors
