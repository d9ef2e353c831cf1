"""Zalo's sends carry no mark of ours, and every send of a reply (its text, each file) comes
back as an `oa_send_*` echo. Each must be recognised as the reply we sent: never recorded a
second time as if typed in Zalo OA Manager, also when the echo arrives while the worker that
sent the reply has not committed the id yet."""

import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client

from channels_app.providers.zalo import client as zalo_client
from channels_app.services import delivery
from conversations.models import DeliveryStatus, Direction, Message
from conversations.services import outbound
from tests.channels_app.zalo import deliver, fresh, sent


def _reply_parts(server) -> list[str]:
    return [e["result_id"] for e in sent(server) if e["kind"] == "zalo_message"]


@pytest.mark.django_db
def test_the_echo_of_each_part_of_a_reply_is_ours(client, oa_a, alice, zalo_api):
    deliver(client, fresh("user_send_text", seconds_ago=30, msg_id="first-message"))
    conversation = Message.objects.get(external_id="first-message").conversation
    name = default_storage.save("outbound/test/bang-size.png", ContentFile(b"\x89PNG fake"))
    attachment = {"type": "image", "url": "/media/" + name, "stored_path": name,
                  "stored_content_type": "image/png", "name": "bang-size.png"}  # fmt: skip
    reply = outbound.message_send(conversation=conversation, author=alice, text="Bảng size ạ",
                                  attachments=[attachment])  # fmt: skip
    assert delivery.message_deliver(workspace_id=reply.workspace_id, message_id=reply.pk) == "sent"
    text_part, image_part = _reply_parts(zalo_api)
    reply.refresh_from_db()
    assert reply.meta["part_ids"] == [text_part, image_part]
    assert deliver(client, fresh("oa_send_text", msg_id=text_part, text="Bảng size ạ")) == [
        "processed"
    ]
    assert deliver(client, fresh("oa_send_text", msg_id=image_part, text="")) == ["processed"]
    assert list(Message.objects.filter(direction=Direction.OUT)) == [reply]
    # A reply typed in Zalo OA Manager is still recorded, by "Page inbox".
    deliver(client, fresh("oa_send_text", msg_id="typed-in-oa-manager", text="Chào chị"))
    assert Message.objects.filter(direction=Direction.OUT).count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_echo_that_arrives_before_the_send_is_committed_waits_for_it(
    oa_a, alice, zalo_api, monkeypatch
):
    """The worker sending the reply holds its row inside the send's transaction; Zalo's echo
    is processed by another worker meanwhile. It must wait for that commit and then see the
    id, instead of recording the echo and making the delivery's own id a duplicate."""
    deliver(Client(), fresh("user_send_text", seconds_ago=30, msg_id="first-message"))
    conversation = Message.objects.get(external_id="first-message").conversation
    reply = outbound.message_send(conversation=conversation, author=alice, text="Dạ còn ạ")
    real_send, echoes = zalo_client.ZaloClient.send_cs, []

    def echo_then_return(self, body):
        answer = real_send(self, body)

        def other_worker():
            try:
                echoes.extend(deliver(Client(), fresh("oa_send_text",
                                                      msg_id=answer["message_id"],
                                                      text="Dạ còn ạ")))  # fmt: skip
            finally:
                connection.close()

        worker = threading.Thread(target=other_worker)
        worker.start()
        echo_then_return.worker = worker
        time.sleep(0.5)  # the echo is stored and being processed, before our commit
        assert echoes == [], "the echo did not wait for the sending worker's commit"
        return answer

    monkeypatch.setattr(zalo_client.ZaloClient, "send_cs", echo_then_return)
    assert delivery.message_deliver(workspace_id=reply.workspace_id, message_id=reply.pk) == "sent"
    echo_then_return.worker.join(timeout=30)
    assert echoes == ["processed"]
    [only] = Message.objects.filter(direction=Direction.OUT)
    assert only.pk == reply.pk and only.delivery_status == DeliveryStatus.SENT
    assert only.external_id == _reply_parts(zalo_api)[0]
