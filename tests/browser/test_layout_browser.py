"""The conversation pane on laptop screens: with the claim card, three labels and a policy gate
present, the timeline keeps most of the height at 1280x720 and 1440x900. The claim card is a
one-line summary that opens by mouse or keyboard, remembers the choice in this browser and keeps
it when htmx or a live push re-renders the panel; every action stays one press away."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation, ConversationLabel, Label, Message
from conversations.services.labels import conversation_label_add
from routing.models import RoutingSettings
from tests.browser.conftest import off_loop
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000  # ms: a round trip plus a live push, on a loaded machine
SIZES = ((1280, 720), (1440, 900))
SHARE = 0.55  # of the viewport's height, at least, for the timeline


@pytest.fixture
def busy_conversation():
    """Bob holds a customer under the anti-steal clock, three labels on, 30 hours since the
    customer's last message (the HUMAN_AGENT gate), a colleague to transfer to, a long history."""
    workspace = make_workspace("Shop A", "shop-a")
    RoutingSettings.objects.create(
        workspace=workspace, anti_steal_enabled=True, anti_steal_minutes=15
    )
    bob = make_user("bob@a.test", "Bob Nguyễn", workspace, "agent")
    make_user("lan@a.test", "Lan Trần", workspace, "agent")
    page = make_channel_account(workspace, "facebook", "1001", "Shop Thời Trang Hà Nội")
    now = timezone.now()
    conversation = make_conversation(
        page,
        "psid-1",
        "Nguyễn Thị Minh Khai",
        text="Còn size M không ạ?",
        at=now - timedelta(hours=40),
    )
    for index in range(14):
        Message.objects.create(
            workspace=workspace,
            conversation=conversation,
            channel_account=page,
            direction="out" if index % 2 else "in",
            text=f"Tin nhắn số {index + 1}: áo thun cotton màu be, size M, giao về Cầu Giấy",
            external_id=f"m_hist_{index}",
            sent_at=now - timedelta(hours=39) + timedelta(minutes=index * 20),
        )
    for name, color in (
        ("Khách VIP", "#dc2626"),
        ("Chờ chuyển khoản", "#d97706"),
        ("Đã chốt đơn", "#16a34a"),
    ):
        label = Label.objects.create(workspace=workspace, name=name, color=color)
        ConversationLabel.objects.create(
            workspace=workspace, conversation=conversation, label=label
        )
    Label.objects.create(workspace=workspace, name="Hỏi size", color="#2563eb")
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=bob,
        claimed_at=now - timedelta(minutes=5),
        release_deadline=now + timedelta(minutes=10),
        last_inbound_at=now - timedelta(hours=30),
    )
    return {"workspace": workspace, "bob": bob, "conversation": conversation}


def _shots_dir(tmp_path) -> Path:
    """Where the screenshots go: LAYOUT_SCREENSHOTS when set (to look at them), else tmp."""
    folder = Path(os.environ.get("LAYOUT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _mark_panel(page) -> None:
    page.evaluate("document.querySelector('[data-testid=claim-panel]').__old = true")


def _wait_for_new_panel(page) -> None:
    """Until the claim panel on screen is another element than the one marked: re-rendered."""
    page.wait_for_function(
        "() => { const p = document.querySelector('[data-testid=claim-panel]');"
        " return p && !p.__old; }",
        timeout=STEP,
    )


def test_the_timeline_keeps_most_of_the_pane(open_inbox, busy_conversation, tmp_path):
    conversation = busy_conversation["conversation"]
    page = open_inbox(
        busy_conversation["bob"], f"/w/shop-a/c/{conversation.pk}/", viewport=SIZES[0]
    )
    expect(page.get_by_test_id("claim-panel")).to_be_visible()
    expect(page.get_by_test_id("release-deadline")).to_be_visible()  # the anti-steal time
    expect(page.get_by_test_id("gate")).to_be_visible()
    expect(page.locator("#conv-header .label-chip")).to_have_count(3)
    shots = _shots_dir(tmp_path)
    measured = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        page.screenshot(path=shots / f"layout-{width}.png")
        measured[(width, height)] = {
            "timeline": page.get_by_test_id("timeline").bounding_box()["height"],
            "summary": page.get_by_test_id("claim-summary").bounding_box()["height"],
            "labels": page.get_by_test_id("conv-labels").bounding_box()["height"],
        }
    for (width, height), sizes in measured.items():
        assert sizes["timeline"] >= SHARE * height, (width, height, sizes["timeline"])
        assert sizes["summary"] <= 32, (width, sizes["summary"])  # one line
        assert sizes["labels"] <= 24, (width, sizes["labels"])  # one line

    # Past the gate the composer shows one row, and grows only with what is typed.
    page.get_by_test_id("gate-open").click()
    box = page.get_by_test_id("composer-input")
    expect(box).to_be_focused()
    empty = box.bounding_box()["height"]
    assert empty <= 44, empty
    assert page.get_by_test_id("timeline").bounding_box()["height"] >= SHARE * SIZES[1][1]
    box.type("Dạ chị ơi")
    assert abs(box.bounding_box()["height"] - empty) < 1  # one line typed: the same row
    box.press("Shift+Enter")
    box.type("em gửi ảnh size nhé")
    assert box.bounding_box()["height"] > empty
    assert not page.errors


def test_the_claim_card_folds_by_keyboard_and_keeps_the_choice(
    open_inbox, busy_conversation, tmp_path
):
    conversation = busy_conversation["conversation"]
    bob = busy_conversation["bob"]
    page = open_inbox(bob, f"/w/shop-a/c/{conversation.pk}/", viewport=SIZES[0])
    toggle = page.get_by_test_id("claim-toggle")
    actions = page.get_by_test_id("claim-actions")
    # Folded by default: the summary says who holds the customer and until when.
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", f"claim-actions-{conversation.pk}")
    expect(actions).to_be_hidden()
    expect(page.get_by_test_id("claim-summary")).to_contain_text(
        re.compile("You handle|Bạn đang tiếp nhận")
    )

    # Enter opens it; every action is then on screen, one click or keypress away.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(actions).to_be_visible()
    # The timeline got shorter but still shows the newest message in full.
    page.wait_for_function(
        "() => { const box = document.getElementById('timeline').getBoundingClientRect();"
        " const items = document.querySelectorAll('#timeline-items [data-msg]');"
        " const last = items[items.length - 1].getBoundingClientRect();"
        " return last.bottom <= box.bottom + 1; }",
        timeout=STEP,
    )
    viewport = page.viewport_size
    for testid in ("transfer-target", "release-button", "close-button"):
        control = page.get_by_test_id(testid)
        expect(control).to_be_visible()
        expect(control).to_be_enabled()
        box = control.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"], testid
        assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"], testid
    expect(page.get_by_test_id("transfer-form").get_by_role("button")).to_be_visible()
    page.keyboard.press("Tab")  # the first action is the next stop after the toggle
    expect(page.get_by_test_id("transfer-target")).to_be_focused()
    shots = _shots_dir(tmp_path)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        page.screenshot(path=shots / f"layout-{width}-open.png")
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})

    # Space closes it again.
    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(actions).to_be_hidden()

    # An htmx swap of the panel (its own refresh) keeps it folded.
    _mark_panel(page)
    page.evaluate("htmx.trigger(document.body, 'routing-refresh')")
    _wait_for_new_panel(page)
    expect(page.get_by_test_id("claim-toggle")).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_test_id("claim-actions")).to_be_hidden()

    # Open, then a live push re-renders the header (a colleague's tab adds a label): still open.
    page.get_by_test_id("claim-toggle").click()
    expect(page.get_by_test_id("claim-actions")).to_be_visible()
    _mark_panel(page)
    extra = Label.objects.get(workspace=busy_conversation["workspace"], name="Hỏi size")
    off_loop(conversation_label_add, conversation=conversation, user=bob, label_id=extra.pk)
    _wait_for_new_panel(page)
    expect(page.locator("#conv-header .label-chip")).to_have_count(4)
    expect(page.get_by_test_id("claim-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("claim-actions")).to_be_visible()

    # The choice belongs to this browser: a reload keeps it, open and then folded.
    page.reload()
    page.wait_for_selector('#inbox[data-synced="1"]', timeout=STEP)
    expect(page.get_by_test_id("claim-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("claim-actions")).to_be_visible()
    page.get_by_test_id("claim-toggle").click()
    page.reload()
    page.wait_for_selector('#inbox[data-synced="1"]', timeout=STEP)
    expect(page.get_by_test_id("claim-toggle")).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_test_id("claim-actions")).to_be_hidden()

    # Folded, the shortcuts still reach its actions: Alt+X ends the consultation.
    page.locator("#timeline").focus()
    page.keyboard.press("Alt+x")
    expect(page.get_by_test_id("conv-status")).to_have_text(
        re.compile("Closed|Đã đóng"), timeout=STEP
    )
    expect(page.get_by_test_id("reopen-button")).to_be_visible()  # on the summary line
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"
    assert not page.errors
