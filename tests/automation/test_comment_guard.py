"""Per page: comments that show a phone number are hidden as automation, a post may be
exempt or forced, each hiding is in the log with why, and "show again after X hours" is a
deadline swept by beat."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.models import CommentGuard, CommentUnhide, RuleRun
from automation.services.comment_guard import (
    GUARD_NAME,
    comment_unhides_due_sweep,
    hide_reason,
)
from conversations.models import Customer
from conversations.services import comments

pytestmark = pytest.mark.django_db

_n = iter(range(1, 10_000))


def comment(page, text, *, post="post-1", events=None):
    c = comments.comment_record(
        channel_account=page, contact_external_id=f"psid-g{next(_n)}",
        external_id=f"c-guard-{next(_n)}", verb="add", sent_at=timezone.now(), text=text,
        post_id=post,
    )  # fmt: skip
    if events is not None:
        events.commit()
    c.refresh_from_db()
    return c


def guard(page, **fields):
    return CommentGuard.objects.create(channel_account=page, workspace=page.workspace, **fields)


def test_the_policy_reads_exempt_forced_and_the_switch():
    on = CommentGuard(hide_phones=True, exempt_posts=["p-free"], forced_posts=["p-strict"])
    off = CommentGuard(hide_phones=False, forced_posts=["p-strict"])
    assert hide_reason(on, post_id="p1") == "phone_on_page"
    assert hide_reason(on, post_id="p-free") == ""
    assert hide_reason(off, post_id="p1") == ""
    assert hide_reason(off, post_id="p-strict") == "forced_post"
    assert hide_reason(None, post_id="p1") == ""


def test_a_comment_with_a_phone_is_hidden_and_logged(page_a, capture_events):
    guard(page_a, hide_phones=True)
    c = comment(page_a, "em lấy 1 cái, sdt 0912 345 678", events=capture_events)
    assert c.meta["pending_action"] == "hide"
    run = RuleRun.objects.get(action="hide_comment")
    assert (run.rule_id, run.rule_name, run.result, run.reason, run.message_id) == (
        None, GUARD_NAME, "done", "phone_on_page", c.pk)  # fmt: skip
    assert Customer.objects.get(pk=c.conversation.customer_id).phones == ["+84912345678"]
    assert [e.args[-1] for e in capture_events.enqueued
            if e.task.endswith("deliver_action_task")] == ["hide"]  # fmt: skip


def test_no_phone_or_no_guard_hides_nothing(page_a, capture_events):
    c = comment(page_a, "sdt 0912 345 678 nè", events=capture_events)  # no guard on the page
    assert "pending_action" not in c.meta or not c.meta["pending_action"]
    guard(page_a, hide_phones=True)
    c = comment(page_a, "giá 250k hả shop", events=capture_events)
    assert not c.meta.get("pending_action")
    assert not RuleRun.objects.exists()


def test_an_exempt_post_keeps_it_and_a_forced_post_hides_with_the_switch_off(page_a,
                                                                           capture_events):  # fmt: skip
    guard(page_a, hide_phones=False, exempt_posts=["p-free"], forced_posts=["p-strict"])
    kept = comment(page_a, "0912345678", post="p-free", events=capture_events)
    hidden = comment(page_a, "0987 654 321", post="p-strict", events=capture_events)
    other = comment(page_a, "0987 654 322", post="p-other", events=capture_events)
    assert not kept.meta.get("pending_action") and not other.meta.get("pending_action")
    assert hidden.meta["pending_action"] == "hide"
    assert list(RuleRun.objects.values_list("reason", flat=True)) == ["forced_post"]


def test_it_is_shown_again_after_the_hours_by_the_sweep(page_a, capture_events):
    guard(page_a, hide_phones=True, unhide_after_hours=6)
    c = comment(page_a, "zalo 0912345678", events=capture_events)
    comments.comment_action_applied(comment=c, action="hide")  # the provider confirmed
    row = CommentUnhide.objects.get(message=c)
    assert comment_unhides_due_sweep(now=row.due_at - datetime.timedelta(minutes=1)) == 0
    # beat was down for a day: the first sweep after shows it once
    assert comment_unhides_due_sweep(now=row.due_at + datetime.timedelta(hours=24)) == 1
    assert comment_unhides_due_sweep(now=row.due_at + datetime.timedelta(hours=24)) == 0
    c.refresh_from_db()
    assert c.meta["pending_action"] == "unhide"
    assert list(RuleRun.objects.order_by("pk").values_list("action", "result")) == [
        ("hide_comment", "done"), ("unhide_comment", "done")]  # fmt: skip


def test_the_page_saves_a_guard_per_page_and_refuses_a_post_in_both(client_for, adam, page_a):
    client = client_for(adam)
    url = reverse("automation_comment_guards", kwargs={"ws": "shop-a"})
    p = f"p{page_a.pk}"
    bad = client.post(url, {"page": page_a.pk, f"{p}-hide_phones": "on",
                            f"{p}-exempt_posts": "123_1", f"{p}-forced_posts": "123_1"})  # fmt: skip
    assert bad.status_code == 200 and "123_1" in bad.content.decode()
    assert not CommentGuard.objects.exists()
    ok = client.post(url, {"page": page_a.pk, f"{p}-hide_phones": "on",
                           f"{p}-exempt_posts": "123_1, 123_2", f"{p}-unhide_after_hours": 12})  # fmt: skip
    assert ok.status_code == 302
    saved = CommentGuard.objects.get(channel_account=page_a)
    assert (saved.hide_phones, saved.exempt_posts, saved.unhide_after_hours) == (
        True, ["123_1", "123_2"], 12)  # fmt: skip
    assert page_a.display_name in client.get(url).content.decode()


def test_agents_cannot_open_it(client_for, bob):
    url = reverse("automation_comment_guards", kwargs={"ws": "shop-a"})
    assert client_for(bob).get(url).status_code == 403
