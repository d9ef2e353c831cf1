"""The database itself refuses duplicates of provider ids and broken states."""

import pytest
from django.db import IntegrityError, transaction

from channels_app.models import WebhookEvent
from conversations.models import Contact, Conversation, Customer, Label, Message
from tests.factories import make_channel_account


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_duplicate_provider_message_id_is_refused(conversation_a, page_a):
    existing = conversation_a.messages.get()
    refused(
        lambda: Message.objects.create(
            workspace=page_a.workspace,
            conversation=conversation_a,
            channel_account=page_a,
            direction="in",
            text="again",
            external_id=existing.external_id,
        )
    )


def test_same_provider_id_on_another_account_is_fine(conversation_a, conversation_b, page_b):
    existing = conversation_a.messages.get()
    Message.objects.create(
        workspace=page_b.workspace,
        conversation=conversation_b,
        channel_account=page_b,
        direction="in",
        text="same mid, other page",
        external_id=existing.external_id,
    )


def test_notes_may_share_a_null_external_id(conversation_a, page_a):
    for text in ("note 1", "note 2"):
        Message.objects.create(
            workspace=page_a.workspace,
            conversation=conversation_a,
            channel_account=page_a,
            direction="out",
            kind="note",
            text=text,
        )
    assert conversation_a.messages.filter(kind="note").count() == 2


def test_duplicate_contact_per_account_is_refused(conversation_a, page_a):
    customer = Customer.objects.create(workspace=page_a.workspace, name="Other")
    refused(
        lambda: Contact.objects.create(
            workspace=page_a.workspace,
            customer=customer,
            channel_account=page_a,
            external_id=conversation_a.contact.external_id,
        )
    )


def test_duplicate_webhook_delivery_is_refused(page_a):
    WebhookEvent.objects.create(
        workspace=page_a.workspace, channel_account=page_a, dedupe_key="mid.1", body="{}"
    )
    refused(
        lambda: WebhookEvent.objects.create(
            workspace=page_a.workspace, channel_account=page_a, dedupe_key="mid.1", body="{}"
        )
    )


def test_a_page_belongs_to_one_workspace(page_a, workspace_b):
    refused(
        lambda: make_channel_account(workspace_b, "facebook", page_a.external_id, "stolen page")
    )


def test_one_live_conversation_per_contact(conversation_a):
    def second():
        Conversation.objects.create(
            workspace=conversation_a.workspace,
            channel_account=conversation_a.channel_account,
            contact=conversation_a.contact,
            customer=conversation_a.customer,
        )

    refused(second)
    Conversation.objects.filter(pk=conversation_a.pk).update(status="archived")
    second()  # archiving frees the contact for a new conversation


def test_rating_is_one_to_five(conversation_a):
    refused(lambda: Conversation.objects.filter(pk=conversation_a.pk).update(rating=6))
    Conversation.objects.filter(pk=conversation_a.pk).update(rating=5)


def test_release_deadline_needs_an_assignee(conversation_a):
    from django.utils import timezone

    refused(
        lambda: Conversation.objects.filter(pk=conversation_a.pk).update(
            release_deadline=timezone.now()
        )
    )


def test_label_names_are_unique_per_set_ignoring_case(page_a):
    ws = page_a.workspace
    Label.objects.create(workspace=ws, channel_account=page_a, name="Đã chốt")
    refused(lambda: Label.objects.create(workspace=ws, channel_account=page_a, name="đã chốt"))
    Label.objects.create(workspace=ws, channel_account=None, name="Đã chốt")
    refused(lambda: Label.objects.create(workspace=ws, channel_account=None, name="ĐÃ CHỐT"))


def test_deleted_label_name_can_be_reused(page_a):
    from django.utils import timezone

    ws = page_a.workspace
    old = Label.objects.create(workspace=ws, channel_account=page_a, name="Hỏi giá")
    old.deleted_at = timezone.now()
    old.save()
    Label.objects.create(workspace=ws, channel_account=page_a, name="Hỏi giá")
