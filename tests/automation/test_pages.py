"""The automation pages: admins only; the list, the editor, the "thử" box (sends nothing)
and the log."""

import pytest
from django.urls import reverse

from automation.models import Rule, RuleRun
from conversations.models import Message

pytestmark = pytest.mark.django_db


def url(name, **kw):
    return reverse(name, kwargs={"ws": "shop-a", **kw})


def test_agents_are_refused(client_for, bob):
    client = client_for(bob)
    assert client.get(url("automation_rules")).status_code == 403
    assert client.post(url("automation_try"), {"text": "giá"}).status_code == 403


def test_an_admin_creates_a_rule_and_sees_it_listed(client_for, adam, page_a):
    client = client_for(adam)
    response = client.post(url("automation_rule_new"), {
        "name": "Phí ship", "enabled": "on", "trigger": "message", "channel_account": page_a.pk,
        "keywords": "phí ship, ship\nvận chuyển", "needs_phone": "unknown", "hours": "any",
        "customer": "any", "reply_text": "Ship 30k ạ", "priority": 0,
        "agent_guard": "before_claim", "cooldown_minutes": 10, "hourly_cap": 60,
    })  # fmt: skip
    assert response.status_code == 302
    rule = Rule.objects.get(workspace=page_a.workspace)
    assert rule.keywords == ["phí ship", "ship", "vận chuyển"] and rule.needs_phone is None
    page = client.get(url("automation_rules")).content.decode()
    assert "Phí ship" in page and 'data-testid="try-box"' in page


def test_a_rule_that_does_nothing_is_refused(client_for, adam, workspace_a):
    response = client_for(adam).post(url("automation_rule_new"), {
        "name": "x", "trigger": "message", "needs_phone": "unknown", "hours": "any",
        "customer": "any", "priority": 0, "agent_guard": "before_claim", "cooldown_minutes": 1,
        "hourly_cap": 1,
    })  # fmt: skip
    assert response.status_code == 200 and not Rule.objects.exists()


def test_toggle_and_move(client_for, adam, workspace_a):
    first = Rule.objects.create(workspace=workspace_a, name="a", reply_text="a", position=0)
    second = Rule.objects.create(workspace=workspace_a, name="b", reply_text="b", position=1)
    client = client_for(adam)
    client.post(url("automation_rule_toggle", pk=first.pk))
    first.refresh_from_db()
    assert not first.enabled
    client.post(url("automation_rule_move", pk=second.pk), {"direction": "up"})
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["b", "a"]


def test_the_try_box_shows_the_answer_escaped_and_sends_nothing(client_for, adam, workspace_a,
                                                                 page_a):  # fmt: skip
    Rule.objects.create(workspace=workspace_a, name="<b>Ship</b>", keywords=["ship"],
                        reply_text="Ship 30k <script>x</script>")  # fmt: skip
    response = client_for(adam).post(url("automation_try"), {"text": "SHÍP bao nhiêu"})
    body = response.content.decode()
    assert "&lt;b&gt;Ship&lt;/b&gt;" in body and "&lt;script&gt;" in body and "<script>" not in body
    assert not Message.objects.filter(is_automated=True).exists() and not RuleRun.objects.exists()
    none = client_for(adam).post(url("automation_try"), {"text": "xin chào"}).content.decode()
    assert 'data-testid="try-none"' in none


def test_the_log_lists_runs_of_the_workspace(client_for, adam, workspace_a, conversation_a):
    rule = Rule.objects.create(workspace=workspace_a, name="Giá", reply_text="x")
    RuleRun.objects.create(workspace=workspace_a, rule=rule, rule_name="Giá",
                           conversation=conversation_a, trigger="message", action="reply",
                           result="refused", reason="cooldown")  # fmt: skip
    body = client_for(adam).get(url("automation_log")).content.decode()
    assert "cooldown" in body and "Nguyễn Văn A" in body
    filtered = client_for(adam).get(url("automation_log") + f"?c={conversation_a.pk + 1}")
    assert "cooldown" not in filtered.content.decode()


def test_auto_label_rules_are_installed_once_and_label_messages(client_for, adam, workspace_a):
    from automation.label_sets import LABEL_SETS
    from conversations.models import Label

    client = client_for(adam)
    client.post(url("automation_auto_labels"))
    client.post(url("automation_auto_labels"))
    assert Rule.objects.filter(workspace=workspace_a).count() == len(LABEL_SETS)
    assert set(Label.objects.filter(workspace=workspace_a).values_list("name", flat=True)) == {
        name for name, _w in LABEL_SETS.values()}  # fmt: skip


def test_an_automated_message_links_to_its_log_entry(client_for, adam, bob, page_a,
                                                     capture_events):  # fmt: skip
    from tests.automation.test_rules import ALWAYS, receive

    for field, value in ALWAYS.items():
        setattr(page_a.workspace, field, value)
    page_a.workspace.save()
    Rule.objects.create(workspace=page_a.workspace, name="Phí ship", keywords=["ship"],
                        reply_text="Ship 30k ạ")  # fmt: skip
    Rule.objects.create(workspace=page_a.workspace, name="Khác", keywords=["giá"],
                        reply_text="Giá 199k")  # fmt: skip
    first = receive(page_a, "ship bao nhiêu", psid="lnk", events=capture_events)
    [sent] = Message.objects.filter(conversation_id=first.conversation_id, is_automated=True)
    thread = (
        client_for(adam)
        .get(reverse("conversation", kwargs={"ws": "shop-a", "pk": first.conversation_id}))
        .content.decode()
    )
    link = f"{url('automation_log')}?m={sent.pk}"
    assert link in thread and 'data-testid="automated-log-link"' in thread
    assert "Tự động" in thread or "Automation" in thread  # marked in the reader's language
    agent_view = (
        client_for(bob)
        .get(reverse("conversation", kwargs={"ws": "shop-a", "pk": first.conversation_id}))
        .content.decode()
    )
    assert link not in agent_view  # the log is for admins: no link an agent would be refused
    log = client_for(adam).get(link).content.decode()
    assert log.count('data-testid="run-row"') == 1 and "Phí ship" in log


def test_the_editor_saves_a_timed_rule_with_its_members_to_notify(client_for, adam, bob,
                                                                  workspace_a):  # fmt: skip
    base = {"name": "Chờ lâu", "enabled": "on", "trigger": "no_agent_reply",
            "needs_phone": "unknown", "hours": "any", "customer": "any", "priority": 0,
            "agent_guard": "before_claim", "cooldown_minutes": 10, "hourly_cap": 60,
            "notify": "members", "notify_text": "{name} chờ lâu"}  # fmt: skip
    client = client_for(adam)
    refused = client.post(url("automation_rule_new"), base)
    assert refused.status_code == 200 and not Rule.objects.exists()  # no wait, nobody chosen
    page = refused.content.decode()
    assert 'name="wait_minutes"' in page and 'name="notify_users"' in page
    response = client.post(url("automation_rule_new"),
                           {**base, "wait_minutes": 15, "notify_users": [bob.pk]})  # fmt: skip
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (rule.trigger, rule.wait_minutes) == ("no_agent_reply", 15)
    assert list(rule.notify_users.values_list("pk", flat=True)) == [bob.pk]


def test_the_editor_offers_only_active_members(client_for, adam, bob, workspace_a):
    from accounts.models import Membership

    Membership.objects.filter(user=bob, workspace=workspace_a).update(is_active=False)
    page = client_for(adam).get(url("automation_rule_new")).content.decode()
    assert "Bob" not in page and "Adam" in page
