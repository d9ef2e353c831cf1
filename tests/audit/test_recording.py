"""Each kind the audit log records, written through the real services, and the table's
append-only guarantee in PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Invitation, Membership
from audit.models import AuditEntry
from automation.forms import CommentGuardForm
from automation.models import CommentGuard, Rule, Trigger
from automation.services import admin as automation_admin
from channels_app.services import connect
from conversations.models import Customer
from conversations.services import blocking, labels, outbound
from routing.services.admin_settings import (
    agent_capacity_set,
    channel_agents_set,
    routing_settings_update,
)
from tests.automation.test_actions import comment
from tests.automation.test_rules import ALWAYS
from tests.channels_app.test_delivery import customer_wrote
from tests.factories import make_channel_account, make_user

pytestmark = pytest.mark.django_db


def only(kind):
    [entry] = AuditEntry.objects.filter(kind=kind)
    return entry


def test_a_role_change_records_who_whom_and_the_roles(workspace_a, alice, bob):
    owner = Membership.objects.get(user=alice)
    target = Membership.objects.get(user=bob)
    account_services.membership_set_role(actor=owner, membership=target, role="admin")
    entry = only("member.role_changed")
    assert (entry.workspace_id, entry.actor_id, entry.actor_name) == (workspace_a.pk, alice.pk,
                                                                       "Alice")  # fmt: skip
    assert (entry.target_type, entry.target_id, entry.target_label) == ("member", target.pk,
                                                                         "bob@a.test")  # fmt: skip
    assert entry.details == {"from": "agent", "to": "admin"}
    # setting the same role again changes nothing and records nothing
    account_services.membership_set_role(actor=owner, membership=target, role="admin")
    assert AuditEntry.objects.filter(kind="member.role_changed").count() == 1


def test_invitations_sent_revoked_and_accepted(workspace_a, alice, mailoutbox):
    sent = account_services.invitation_create(workspace=workspace_a, email="Lan@x.test",
                                              role="agent", invited_by=alice)  # fmt: skip
    entry = only("invitation.sent")
    assert (entry.actor_id, entry.target_id, entry.target_label, entry.details) == (
        alice.pk, sent.pk, "lan@x.test", {"role": "agent"})  # fmt: skip
    account_services.invitation_revoke(invitation=sent, actor=alice)
    assert only("invitation.revoked").target_id == sent.pk
    again = account_services.invitation_create(workspace=workspace_a, email="lan@x.test",
                                               role="admin", invited_by=alice)  # fmt: skip
    lan = make_user("lan@x.test", "Lan")
    account_services.invitation_accept(token=again.token, user=lan)
    accepted = only("invitation.accepted")
    assert (accepted.actor_id, accepted.actor_name, accepted.target_id) == (lan.pk, "Lan",
                                                                            again.pk)  # fmt: skip
    assert accepted.details == {"role": "admin"}
    assert Invitation.objects.get(pk=again.pk).accepted_by == lan


def test_removing_and_reinstating_a_member(workspace_a, alice, bob):
    owner, target = Membership.objects.get(user=alice), Membership.objects.get(user=bob)
    account_services.membership_deactivate(actor=owner, membership=target)
    account_services.membership_reinstate(actor=owner, membership=target)
    assert only("member.removed").target_label == "bob@a.test"
    assert only("member.reinstated").details == {"role": "agent"}


def test_a_channel_disconnected(page_a, alice):
    connect.channel_disconnect(account=page_a, actor=alice)
    entry = only("channel.disconnected")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.target_label) == (
        alice.pk, "channel", page_a.pk, "Shop A fanpage")  # fmt: skip
    assert entry.details == {"kind": "facebook"}


def test_routing_settings_record_only_what_changed(workspace_a, alice, bob, page_a):
    routing_settings_update(workspace=workspace_a, actor=alice, mode="round_robin",
                            anti_steal_minutes=15)  # fmt: skip
    entry = only("routing.settings_changed")
    assert entry.details["mode"]["to"] == "round_robin"
    assert set(entry.details) <= {"mode", "anti_steal_minutes"}
    bob_membership = Membership.objects.get(user=bob)
    channel_agents_set(workspace=workspace_a, actor=alice, channel_account_id=page_a.pk,
                       membership_ids=[bob_membership.pk])  # fmt: skip
    agents = only("routing.agents_changed")
    assert (agents.target_label, agents.details) == ("Shop A fanpage",
                                                     {"added": ["bob@a.test"], "removed": []})  # fmt: skip
    agent_capacity_set(workspace=workspace_a, actor=alice, capacities={bob_membership.pk: 5})
    assert only("routing.capacity_changed").details == {"bob@a.test": {"from": None, "to": 5}}


def test_automation_settings_changes(workspace_a, alice, page_a):
    rule = Rule(workspace=workspace_a, name="Giá", keywords=["giá"], reply_text="Dạ")
    automation_admin.rule_save(workspace=workspace_a, rule=rule, actor=alice)
    automation_admin.rule_save(workspace=workspace_a, rule=rule, actor=alice)
    automation_admin.rule_toggle(rule=rule, actor=alice)
    assert only("automation.rule_created").target_label == "Giá"
    assert only("automation.rule_changed").target_id == rule.pk
    assert only("automation.rule_switched").details == {"enabled": False}

    guard = CommentGuard(channel_account=page_a, workspace=workspace_a)
    form = CommentGuardForm({"p-hide_phones": "on", "p-unhide_after_hours": "0"},
                            instance=guard, prefix="p")  # fmt: skip
    assert form.is_valid(), form.errors
    automation_admin.comment_guard_save(form=form, page=page_a, actor=alice)
    assert only("automation.comment_guard_changed").details["hide_phones"] is True


def test_a_label_set_copy(workspace_a, alice, page_a):
    make_channel_account(workspace_a, "facebook", "1002", "Second page")
    labels.label_create(workspace=workspace_a, name="VIP", channel_account=page_a)
    created = labels.label_set_copy(workspace=workspace_a, source_channel_account=page_a,
                                    actor=alice)  # fmt: skip
    entry = only("labels.set_copied")
    assert (entry.actor_id, entry.target_label) == (alice.pk, "Shop A fanpage")
    assert entry.details == {"labels": 1, "created": created, "pages": 1}


def test_a_customer_unblocked(conversation_a, alice):
    blocking.customer_block(conversation=conversation_a, user=alice)
    customer = Customer.objects.get(pk=conversation_a.customer_id)
    blocking.customer_unblock(customer=customer, user=alice, reason="Khách xin lỗi")
    entry = only("customer.unblocked")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.target_label) == (
        alice.pk, "customer", customer.pk, "Nguyễn Văn A")  # fmt: skip
    assert entry.details == {"reason": "Khách xin lỗi"}


def test_a_policy_tagged_send_is_recorded_and_a_standard_one_is_not(conversation_a,
                                                                    alice):  # fmt: skip
    outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    assert not AuditEntry.objects.exists()
    conversation = customer_wrote(conversation_a, timedelta(days=2))
    message = outbound.message_send(conversation=conversation, author=alice, text="Chị ơi",
                                    confirmation=True)  # fmt: skip
    entry = only("message.policy_send")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.target_label) == (
        alice.pk, "conversation", conversation.pk, "Nguyễn Văn A")  # fmt: skip
    assert entry.details["tag"] == "human_agent" and entry.details["message_id"] == message.pk
    assert entry.details["automated"] is False


def test_an_automated_action_is_recorded_as_automation(workspace_a, page_a, capture_events):
    for field, value in ALWAYS.items():
        setattr(workspace_a, field, value)
    workspace_a.save()
    Rule.objects.create(workspace=workspace_a, name="Ẩn", trigger=Trigger.COMMENT,
                        keywords=["lừa đảo"], hide_comment=True)  # fmt: skip
    c = comment(page_a, "shop lua dao")
    capture_events.commit()
    entry = only("automation.action")
    assert (entry.actor_id, entry.actor_name, entry.target_id) == (None, "", c.conversation_id)
    assert entry.details["rule"] == "Ẩn" and entry.details["action"] == "hide_comment"
    assert entry.details["result"] == "done"


def test_the_table_refuses_update_and_delete(workspace_a, alice):
    entry = AuditEntry.objects.create(workspace=workspace_a, actor=alice, actor_name="Alice",
                                      kind="member.role_changed", created_at=timezone.now())  # fmt: skip
    for statement in (
        AuditEntry.objects.filter(pk=entry.pk).update,
        AuditEntry.objects.filter(pk=entry.pk).delete,
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            if statement.__name__ == "update":
                statement(actor_name="Mallory")
            else:
                statement()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).actor_name == "Alice"


def test_the_admin_site_is_read_only(workspace_a, alice):
    entry = AuditEntry.objects.create(workspace=workspace_a, actor=alice, actor_name="Alice",
                                      kind="member.role_changed")  # fmt: skip
    model_admin = site._registry[AuditEntry]
    request = type("R", (), {"user": alice})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_a_workspace_of_its_own(workspace_b, charlie, alice, bob, workspace_a):
    owner = Membership.objects.get(user=alice)
    account_services.membership_set_role(actor=owner, membership=Membership.objects.get(user=bob),
                                         role="admin")  # fmt: skip
    assert not AuditEntry.objects.filter(workspace=workspace_b).exists()
