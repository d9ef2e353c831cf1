"""The data migration that makes links to our own stored files relative to the page."""

import importlib

import pytest
from django.apps import apps

from conversations.models import Contact, Customer, Message

pytestmark = pytest.mark.django_db
migration = importlib.import_module("conversations.migrations.0007_media_links_relative")


def test_absolute_links_to_our_files_become_relative(conversation_a):
    ws = conversation_a.workspace_id
    ours = f"http://127.0.0.1:8000/media/avatars/{ws}/2026/11/abc.png"
    Customer.objects.filter(pk=conversation_a.customer_id).update(avatar_url=ours)
    Contact.objects.filter(pk=conversation_a.contact_id).update(
        avatar_url="https://scontent.fbcdn.net/v/avatars/1/x.jpg?oh=1"  # Meta's: left alone
    )
    message = conversation_a.messages.get()
    sent = f"http://127.0.0.1:8000/media/outbound/{ws}/0a1b/bang-gia.pdf"
    message.attachments = [{"type": "file", "url": sent, "name": "Bảng giá"},
                           {"type": "image", "url": "https://cdn.test/outbound/1/a.png"}]  # fmt: skip
    message.save(update_fields=["attachments"])

    migration.relative_links(apps, None)

    assert Customer.objects.get(pk=conversation_a.customer_id).avatar_url == (
        f"/media/avatars/{ws}/2026/11/abc.png"
    )
    assert Contact.objects.get(pk=conversation_a.contact_id).avatar_url.startswith("https://")
    first, second = Message.objects.get(pk=message.pk).attachments
    assert first["stored_path"] == f"outbound/{ws}/0a1b/bang-gia.pdf" and first["url"] == sent
    assert "stored_path" not in second
