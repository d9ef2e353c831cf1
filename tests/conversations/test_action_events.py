"""The agent actions announce what changed (labels, orders, merged customers), with the ids,
the actor and the time of the fact, and announce nothing when they are refused or change
nothing."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from conversations import domain_events as de
from conversations.models import Conversation, ConversationLabel, Customer, Label, Order
from conversations.services import customers, labels, orders
from conversations.services.orders import OrderItem
from inbox_project import domain_events
from inbox_project.domain_events import AFTER_COMMIT, capturing
from inbox_project.errors import ApplicationError
from tests.factories import make_conversation, make_user


@pytest.fixture
def claimed(conversation_a, bob):
    Conversation.objects.filter(pk=conversation_a.pk).update(
        assignee=bob, claimed_at=timezone.now()
    )
    conversation_a.refresh_from_db()
    return conversation_a


@pytest.fixture
def dan(workspace_a):
    return make_user("dan@a.test", "Dan", workspace_a, "agent")


@pytest.fixture
def label(workspace_a, page_a):
    return Label.objects.create(workspace=workspace_a, channel_account=page_a, name="VIP")


def _of(records, event_type):
    return [event for event in records if isinstance(event, event_type)]


def test_adding_a_label_announces_it_once(claimed, bob, label):
    now = timezone.now() - timedelta(minutes=3)
    with capturing() as records:
        labels.conversation_label_add(conversation=claimed, user=bob, label_id=label.pk, now=now)
        labels.conversation_label_add(conversation=claimed, user=bob, label_id=label.pk)
    assert _of(records, de.LabelAdded) == [
        de.LabelAdded(
            workspace_id=claimed.workspace_id,
            conversation_id=claimed.pk,
            label_id=label.pk,
            actor_id=bob.pk,
            added_at=now,
        )  # fmt: skip
    ]
    assert ConversationLabel.objects.get(conversation=claimed).added_at == now


def test_removing_a_label_announces_it_only_when_it_was_there(claimed, bob, label):
    labels.conversation_label_add(conversation=claimed, user=bob, label_id=label.pk)
    now = timezone.now() - timedelta(minutes=1)
    with capturing() as records:
        labels.conversation_label_remove(conversation=claimed, user=bob, label_id=label.pk, now=now)
        labels.conversation_label_remove(conversation=claimed, user=bob, label_id=label.pk)
    assert records == [
        de.LabelRemoved(
            workspace_id=claimed.workspace_id,
            conversation_id=claimed.pk,
            label_id=label.pk,
            actor_id=bob.pk,
            removed_at=now,
        )  # fmt: skip
    ]


def test_a_refused_label_change_announces_nothing(claimed, bob, dan, label, workspace_a):
    foreign = Label.objects.create(workspace=workspace_a, channel_account=None, name="Khác")
    Label.objects.filter(pk=foreign.pk).update(deleted_at=timezone.now())
    with capturing() as records:
        with pytest.raises(ApplicationError):
            labels.conversation_label_add(conversation=claimed, user=dan, label_id=label.pk)
        with pytest.raises(ApplicationError):
            labels.conversation_label_add(conversation=claimed, user=bob, label_id=foreign.pk)
        labels.conversation_label_add(conversation=claimed, user=bob, label_id=label.pk)
        with pytest.raises(ApplicationError):
            labels.conversation_label_remove(conversation=claimed, user=dan, label_id=label.pk)
    assert [type(event) for event in records] == [de.LabelAdded]
    assert ConversationLabel.objects.filter(conversation=claimed).count() == 1


def test_recording_an_order_announces_it(claimed, bob):
    now = timezone.now() - timedelta(minutes=2)
    with capturing() as records:
        order = orders.order_create(
            conversation=claimed, user=bob, amount_vnd=350_000,
            items=[OrderItem(name="Áo thun", quantity=2)], status="returned", now=now,
        )  # fmt: skip
    assert records == [
        de.OrderRecorded(
            workspace_id=claimed.workspace_id,
            order_id=order.pk,
            conversation_id=claimed.pk,
            customer_id=claimed.customer_id,
            status="returned",
            amount_vnd=350_000,
            actor_id=bob.pk,
            recorded_at=now,
        )  # fmt: skip
    ]
    assert Order.objects.get().created_at == now


def test_a_refused_order_announces_nothing(claimed, bob, dan):
    with capturing() as records:
        for user, amount, status in [(dan, 1, "closed"), (bob, -1, "closed"), (bob, 1, "lost")]:
            with pytest.raises(ApplicationError):
                orders.order_create(
                    conversation=claimed, user=user, amount_vnd=amount, items=[], status=status
                )
    assert records == []
    assert not Order.objects.exists()


def test_an_order_announces_after_commit_only_if_it_commits(
    claimed, bob, monkeypatch, django_capture_on_commit_callbacks
):
    """The event is published inside the order's transaction: an after-commit subscriber
    hears of the order that committed, never of the one rolled back."""
    heard = []
    monkeypatch.setitem(
        domain_events._subscribers, de.OrderRecorded, [(AFTER_COMMIT, heard.append)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            orders.order_create(conversation=claimed, user=bob, amount_vnd=1, items=[])
            raise RuntimeError("the caller's transaction fails")
    assert heard == [] and not Order.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.order_create(conversation=claimed, user=bob, amount_vnd=2, items=[])
    assert [event.order_id for event in heard] == [order.pk]


def test_merging_customers_announces_which_one_was_kept(page_a, conversation_a):
    other = make_conversation(page_a, "psid-a-2", "Nguyễn Văn A (Messenger)")
    keep, fold = conversation_a.customer, other.customer
    fold_id = fold.pk
    now = timezone.now()
    with capturing() as records, transaction.atomic():
        customers.customer_merge(source=fold, target=keep, now=now)
    assert records == [
        de.CustomersMerged(
            workspace_id=keep.workspace_id, kept_id=keep.pk, merged_id=fold_id, merged_at=now
        )
    ]
    assert not Customer.objects.filter(pk=fold_id).exists()


def test_a_refused_merge_announces_nothing(conversation_a):
    customer = conversation_a.customer
    with capturing() as records:
        with pytest.raises(ValueError):
            customers.customer_merge(source=customer, target=customer)
    assert records == []
