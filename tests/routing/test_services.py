"""Claim, release, transfer, admin assign / unassign, close / reopen: rules and history."""

import datetime

import pytest
from django.utils import timezone

from conversations.domain_events import OwnerChanged
from conversations.models import Conversation, Message
from conversations.services import acting
from conversations.services import status as conversation_status
from inbox_project.errors import ApplicationError
from routing import services
from routing.models import AssignmentChange
from tests.routing.conftest import assign_waiting_queued, configure

pytestmark = pytest.mark.django_db


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(workspace_id=conversation.workspace_id, pk=conversation.pk)


def changes(conversation) -> list[tuple]:
    return list(
        AssignmentChange.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("reason", "from_user__email", "to_user__email", "actor__email")
    )


def system_events(conversation) -> list[dict]:
    return [
        m.meta
        for m in Message.objects.filter(conversation=conversation, kind="system").order_by("id")
    ]


def claim(conversation, user):
    return services.conversation_claim(
        conversation_id=conversation.pk, user=user, workspace=conversation.workspace
    )


# --- claim ---------------------------------------------------------------------------------


def test_claim_sets_owner_records_history_and_pushes(conversation_a, bob, capture_events):
    result = claim(conversation_a, bob)
    assert result.assignee == bob and result.claimed_at is not None
    assert fresh(conversation_a).assignee_id == bob.pk
    assert changes(conversation_a) == [("claimed", None, "bob@a.test", "bob@a.test")]
    [event] = system_events(conversation_a)
    assert event["reason"] == "claimed" and event["to_user_id"] == bob.pk
    system = Message.objects.get(conversation=conversation_a, kind="system")
    assert system.external_id is None and "Bob" in system.text
    assert "claimed" in capture_events.reasons()
    assert capture_events.events("message.created")[0]["message_id"] == system.pk
    [owner_changed] = capture_events.domain_events(OwnerChanged)
    assert owner_changed == OwnerChanged(
        workspace_id=conversation_a.workspace_id, conversation_id=conversation_a.pk,
        from_user_id=None, to_user_id=bob.pk, actor_id=bob.pk, reason="claimed",
        changed_at=result.claimed_at,
    )  # fmt: skip


def test_second_claim_is_refused_with_who_holds_it(conversation_a, bob, dan):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError) as refused:
        claim(conversation_a, dan)
    assert refused.value.code == "already_taken"
    assert "Bob" in refused.value.message
    assert refused.value.extra["assignee_id"] == bob.pk
    assert fresh(conversation_a).assignee_id == bob.pk
    assert len(changes(conversation_a)) == 1


def test_claiming_what_you_hold_is_a_no_op(conversation_a, bob):
    claim(conversation_a, bob)
    claim(conversation_a, bob)
    assert len(changes(conversation_a)) == 1


def test_claim_of_a_foreign_conversation_is_not_found(conversation_b, bob, workspace_a):
    with pytest.raises(ApplicationError) as refused:
        services.conversation_claim(
            conversation_id=conversation_b.pk, user=bob, workspace=workspace_a
        )
    assert refused.value.code == "not_found"
    assert fresh(conversation_b).assignee_id is None


def test_claim_by_a_non_member_is_refused(conversation_a, charlie):
    with pytest.raises(ApplicationError) as refused:
        claim(conversation_a, charlie)
    assert refused.value.code == "not_member"


def test_manual_mode_only_admins_claim(conversation_a, workspace_a, bob, adam):
    configure(workspace_a, mode="manual")
    with pytest.raises(ApplicationError) as refused:
        claim(conversation_a, bob)
    assert refused.value.code == "manual_mode"
    assert claim(conversation_a, adam).assignee_id == adam.pk


def test_claim_arms_anti_steal_when_the_customer_waits(conversation_a, workspace_a, bob):
    configure(workspace_a, anti_steal_enabled=True, anti_steal_minutes=7)
    now = timezone.now()
    result = services.conversation_claim(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a, now=now
    )
    assert result.release_deadline == now + datetime.timedelta(minutes=7)


def test_claim_query_count_is_pinned(conversation_a, bob, dan, django_assert_num_queries):
    # member + mode, UPDATE, SELECT (+ settings), history INSERT, event INSERT (+ savepoints)
    with django_assert_num_queries(7):
        claim(conversation_a, bob)
    # a loser: member + mode, UPDATE (0 rows), SELECT (+ savepoint pair)
    with django_assert_num_queries(5), pytest.raises(ApplicationError):
        claim(conversation_a, dan)


# --- who may act ---------------------------------------------------------------------------


def test_assert_can_act(conversation_a, bob, dan, alice, adam):
    with pytest.raises(ApplicationError) as refused:
        acting.conversation_assert_can_act(conversation=conversation_a, user=bob)
    assert refused.value.code == "claim_required"  # nobody's yet: claim first
    acting.conversation_assert_can_act(conversation=conversation_a, user=adam)  # admin

    claim(conversation_a, bob)
    acting.conversation_assert_can_act(conversation=conversation_a, user=bob)
    with pytest.raises(ApplicationError) as refused:
        acting.conversation_assert_can_act(conversation=conversation_a, user=dan)
    assert refused.value.code == "already_taken" and "Bob" in refused.value.message
    acting.conversation_assert_can_act(conversation=conversation_a, user=alice)  # owner


def test_assert_can_act_reads_the_current_owner_not_a_stale_instance(conversation_a, bob, dan):
    stale = fresh(conversation_a)
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError):
        acting.conversation_assert_can_act(conversation=stale, user=dan)
    assert stale.assignee_id == bob.pk


def test_a_foreign_user_may_not_act(conversation_a, charlie, bob):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError) as refused:
        acting.conversation_assert_can_act(conversation=conversation_a, user=charlie)
    assert refused.value.code == "not_member"


# --- transfer --------------------------------------------------------------------------------


def test_transfer_with_a_hand_off_note(conversation_a, workspace_a, bob, dan, capture_events):
    claim(conversation_a, bob)
    services.conversation_transfer(
        conversation_id=conversation_a.pk,
        user=bob,
        workspace=workspace_a,
        to_user=dan,
        note="Khách hỏi size M, đã báo giá",
    )
    assert fresh(conversation_a).assignee_id == dan.pk
    assert changes(conversation_a)[-1] == ("transferred", "bob@a.test", "dan@a.test", "bob@a.test")
    assert AssignmentChange.objects.get(reason="transferred").note == "Khách hỏi size M, đã báo giá"
    note = Message.objects.get(conversation=conversation_a, kind="note")
    assert note.author == bob and note.external_id is None and note.meta["to_user_id"] == dan.pk
    transferred = capture_events.domain_events(OwnerChanged)[-1]
    assert (transferred.conversation_id, transferred.reason) == (conversation_a.pk, "transferred")
    assert (transferred.from_user_id, transferred.to_user_id, transferred.actor_id) == (
        bob.pk, dan.pk, bob.pk,
    )  # fmt: skip
    nudges = capture_events.events("user.nudge")
    assert any(
        n["reason"] == "assigned" and n["conversation_id"] == conversation_a.pk for n in nudges
    )


def test_non_claimant_transfer_is_refused_and_admin_transfer_accepted(
    conversation_a, workspace_a, bob, dan, adam
):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError) as refused:
        services.conversation_transfer(
            conversation_id=conversation_a.pk, user=dan, workspace=workspace_a, to_user=dan
        )
    assert refused.value.code == "already_taken"
    services.conversation_transfer(
        conversation_id=conversation_a.pk, user=adam, workspace=workspace_a, to_user=dan
    )
    assert fresh(conversation_a).assignee_id == dan.pk


def test_transfer_to_someone_outside_the_workspace_is_refused(
    conversation_a, workspace_a, bob, charlie
):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError) as refused:
        services.conversation_transfer(
            conversation_id=conversation_a.pk, user=bob, workspace=workspace_a, to_user=charlie
        )
    assert refused.value.code == "not_member"
    assert fresh(conversation_a).assignee_id == bob.pk


def test_transfer_to_the_holder_is_refused(conversation_a, workspace_a, bob):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError) as refused:
        services.conversation_transfer(
            conversation_id=conversation_a.pk, user=bob, workspace=workspace_a, to_user=bob
        )
    assert refused.value.code == "same_assignee"


def test_transfer_rearms_the_clock_for_the_new_owner(conversation_a, workspace_a, bob, dan):
    configure(workspace_a, anti_steal_enabled=True, anti_steal_minutes=5)
    claim(conversation_a, bob)
    now = timezone.now() + datetime.timedelta(minutes=3)
    result = services.conversation_transfer(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a, to_user=dan, now=now
    )
    assert result.release_deadline == now + datetime.timedelta(minutes=5)


# --- release, assign, unassign ------------------------------------------------------------------


def test_release_by_hand(conversation_a, workspace_a, bob, dan):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError):
        services.conversation_release(
            conversation_id=conversation_a.pk, user=dan, workspace=workspace_a
        )
    services.conversation_release(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    assert fresh(conversation_a).assignee_id is None
    assert changes(conversation_a)[-1] == ("released", "bob@a.test", None, "bob@a.test")


def test_admin_assign_and_unassign(conversation_a, workspace_a, bob, dan, adam, capture_events):
    claim(conversation_a, bob)
    services.conversation_assign(
        conversation_id=conversation_a.pk, actor=adam, workspace=workspace_a, to_user=dan
    )
    assert fresh(conversation_a).assignee_id == dan.pk
    services.conversation_unassign(
        conversation_id=conversation_a.pk, actor=adam, workspace=workspace_a
    )
    assert fresh(conversation_a).assignee_id is None
    assert [c[0] for c in changes(conversation_a)] == [
        "claimed",
        "admin_assigned",
        "admin_unassigned",
    ]
    assert changes(conversation_a)[1] == (
        "admin_assigned",
        "bob@a.test",
        "dan@a.test",
        "adam@a.test",
    )
    # round robin may hand it out again
    assert capture_events.enqueued == [assign_waiting_queued(workspace_a)]


def test_agents_cannot_assign_or_unassign(conversation_a, workspace_a, bob, dan):
    with pytest.raises(ApplicationError) as refused:
        services.conversation_assign(
            conversation_id=conversation_a.pk, actor=bob, workspace=workspace_a, to_user=dan
        )
    assert refused.value.code == "not_admin"
    claim(conversation_a, dan)
    with pytest.raises(ApplicationError):
        services.conversation_unassign(
            conversation_id=conversation_a.pk, actor=bob, workspace=workspace_a
        )
    assert fresh(conversation_a).assignee_id == dan.pk


# --- close / reopen -------------------------------------------------------------------------------


def test_close_ends_the_consultation_and_keeps_the_last_handler(conversation_a, workspace_a, bob):
    configure(workspace_a, anti_steal_enabled=True)
    claim(conversation_a, bob)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    closed = fresh(conversation_a)
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.assignee_id == bob.pk and closed.release_deadline is None
    assert changes(conversation_a)[-1] == ("closed", "bob@a.test", "bob@a.test", "bob@a.test")
    # still in Bob's "my customers", as closed
    assert Conversation.objects.filter(assignee=bob, status="closed", pk=conversation_a.pk).exists()
    # closing again is a no-op
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    assert len(changes(conversation_a)) == 2


def test_non_claimant_close_is_refused_admin_close_accepted(
    conversation_a, workspace_a, bob, dan, adam
):
    claim(conversation_a, bob)
    with pytest.raises(ApplicationError) as refused:
        conversation_status.conversation_close(
            conversation_id=conversation_a.pk, user=dan, workspace=workspace_a
        )
    assert refused.value.code == "already_taken" and "Bob" in refused.value.message
    assert fresh(conversation_a).status == "open"
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=adam, workspace=workspace_a
    )
    assert fresh(conversation_a).status == "closed"


def test_reopen_by_an_agent_takes_the_customer(conversation_a, workspace_a, bob, dan):
    claim(conversation_a, bob)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    with pytest.raises(ApplicationError) as refused:
        acting.conversation_assert_can_act(conversation=conversation_a, user=dan)
    assert refused.value.code == "closed"
    conversation_status.conversation_reopen(
        conversation_id=conversation_a.pk, user=dan, workspace=workspace_a
    )
    reopened = fresh(conversation_a)
    assert reopened.status == "open" and reopened.assignee_id == dan.pk
    assert changes(conversation_a)[-1] == ("reopened", "bob@a.test", "dan@a.test", "dan@a.test")


def test_reopen_in_manual_mode_by_an_agent_leaves_it_for_an_admin(
    conversation_a, workspace_a, adam, bob
):
    configure(workspace_a, mode="manual")
    claim(conversation_a, adam)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=adam, workspace=workspace_a
    )
    conversation_status.conversation_reopen(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    reopened = fresh(conversation_a)
    assert reopened.status == "open" and reopened.assignee_id is None


def test_system_event_text_is_in_the_workspace_language(conversation_a, workspace_a, bob):
    workspace_a.language = "en"
    workspace_a.save()
    conversation_a.workspace.language = "en"
    claim(conversation_a, bob)
    assert Message.objects.get(conversation=conversation_a, kind="system").text == (
        "Bob claimed this customer"
    )


def test_events_leave_on_commit(
    conversation_a, bob, monkeypatch, django_capture_on_commit_callbacks, live_pushes
):
    """With the real events module: nothing is pushed before the transaction commits."""
    from conversations import events

    sent = []
    monkeypatch.setattr(events, "_send_many", lambda messages: sent.extend(p for _g, p in messages))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim(conversation_a, bob)
    assert sent == [] and callbacks
    for callback in callbacks:
        try:
            callback()
        except Exception:  # rendering extras belongs to the inbox; only the push matters here
            pass
    assert any(p.get("reason") == "claimed" for p in sent)
