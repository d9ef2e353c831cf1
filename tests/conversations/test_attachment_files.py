"""Composer attachments and /media/: checked by their bytes, stored under generated names only
when the send is accepted, and served so that nothing a customer or an agent uploads can run
as a page of our origin."""

import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conversations import files as rules
from conversations.models import Conversation, Customer, Message
from conversations.templatetags.inbox import safe_url

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
HTML = b"<!DOCTYPE html><html><body><script>fetch('/w/shop-a/')</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))  # fmt: skip


def send_url(conversation):
    return reverse("conversation_send", kwargs={"ws": "shop-a", "pk": conversation.pk})


def stored_files(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def claimed(conversation_a, bob):
    Conversation.objects.filter(pk=conversation_a.pk).update(
        assignee=bob, claimed_at=timezone.now()
    )
    conversation_a.refresh_from_db()
    return conversation_a


@pytest.fixture
def send(client_for, bob, claimed):
    client = client_for(bob)

    def post(name, content, content_type="image/png", text=""):
        upload = SimpleUploadedFile(name, content, content_type=content_type)
        return client.post(send_url(claimed), {"text": text, "files": [upload]}, **HX)

    return post


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("trang.html", HTML, "text/html"),
        ("logo.svg", SVG, "image/svg+xml"),
        ("anh-that.png", HTML, "image/png"),  # a page renamed, with the browser saying PNG
        ("bang-gia.txt", b"hello <script>alert(1)</script>", "text/plain"),
        ("app.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream"),
    ],
)
def test_files_that_are_not_an_accepted_type_are_refused_and_nothing_is_kept(
    send, claimed, media_root, name, content, content_type
):
    response = send(name, content, content_type, text="Gửi kèm tệp")
    assert response.status_code == 422
    body = response.content.decode()
    assert f"“{name}” cannot be sent" in body or f"“{name}” không gửi được" in body
    assert stored_files(media_root) == []
    assert not Message.objects.filter(conversation=claimed, direction="out").exists()


def test_a_real_png_is_stored_under_a_generated_name_and_served_inline(
    send, claimed, media_root, client_for, bob, settings
):
    response = send("<b>ảnh</b>/../../áo.png", png_bytes(), "application/octet-stream")
    assert response.status_code == 200
    [attachment] = Message.objects.get(conversation=claimed, direction="out").attachments
    assert attachment["type"] == "image" and attachment["stored_content_type"] == "image/png"
    assert attachment["name"] == "áo.png"  # shown as text only, never a path
    path = attachment["stored_path"]
    assert path.startswith(f"outbound/{claimed.workspace_id}/") and path.endswith(".png")
    assert "áo" not in path and len(Path(path).stem) >= 24
    [on_disk] = stored_files(media_root)
    assert on_disk.relative_to(media_root).as_posix() == path
    # the provider gets an absolute signed link; the page shows a relative one
    assert attachment["url"].startswith(f"{settings.SITE_URL}/media/{path}?s=")
    page = (
        client_for(bob)
        .get(reverse("conversation", kwargs={"ws": "shop-a", "pk": claimed.pk}))
        .content.decode()
    )
    assert f'src="/media/{path}"' in page
    served = client_for(bob).get(f"/media/{path}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == "inline"
    assert b"".join(served.streaming_content) == png_bytes()


def test_a_pdf_is_served_as_a_sandboxed_download(send, claimed, client_for, bob):
    assert send("báo giá.pdf", PDF, "text/html").status_code == 200
    [attachment] = Message.objects.get(conversation=claimed, direction="out").attachments
    assert attachment["type"] == "file" and attachment["stored_path"].endswith(".pdf")
    served = client_for(bob).get("/media/" + attachment["stored_path"])
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_refused_send_keeps_no_file(client_for, bob, claimed, adam, media_root):
    """A valid picture, but the conversation is someone else's: refused before any write."""
    Conversation.objects.filter(pk=claimed.pk).update(assignee=adam)
    upload = SimpleUploadedFile("anh.png", png_bytes(), content_type="image/png")
    response = client_for(bob).post(send_url(claimed), {"files": [upload]}, **HX)
    assert response.status_code == 422
    assert stored_files(media_root) == []
    assert not Message.objects.filter(conversation=claimed, direction="out").exists()


def test_a_failed_write_rolls_the_message_back(client_for, bob, claimed, media_root, monkeypatch):
    """The second file cannot be written (disk full): the first is removed and no message
    remains, so nothing is delivered without its file."""
    from django.core.files.storage import default_storage

    real_save, calls = default_storage.save, []

    def save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", save)
    uploads = [SimpleUploadedFile(n, png_bytes(), content_type="image/png") for n in "ab"]
    with pytest.raises(OSError):
        client_for(bob).post(send_url(claimed), {"files": uploads}, **HX)
    assert len(calls) == 2
    assert stored_files(media_root) == []
    assert not Message.objects.filter(conversation=claimed, direction="out").exists()


def test_only_members_of_the_workspace_may_fetch(send, claimed, client_for, charlie, settings):
    from django.test import Client

    send("a.png", png_bytes())
    [attachment] = Message.objects.get(conversation=claimed, direction="out").attachments
    path = "/media/" + attachment["stored_path"]
    client = Client()
    assert client.get(path).status_code == 404  # anonymous
    charlies = Client()
    charlies.force_login(charlie)
    assert charlies.get(path).status_code == 404  # another workspace's owner
    # the provider, without a session, with the link we sent it
    signed = attachment["url"].removeprefix(settings.SITE_URL)
    assert client.get(signed).status_code == 200
    assert client.get(path + "?s=forged").status_code == 404
    assert client.get("/media/../settings.py").status_code == 404


def test_an_old_file_stored_under_its_uploaders_name_is_never_rendered(
    client_for, bob, media_root, workspace_a
):
    """Files written before names were generated kept their extension: served by content."""
    old = media_root / "outbound" / str(workspace_a.pk) / "0123abcd" / "trang.html"
    old.parent.mkdir(parents=True)
    old.write_bytes(HTML)
    served = client_for(bob).get(f"/media/outbound/{workspace_a.pk}/0123abcd/trang.html")
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "head, declared, expected",
    [
        (png_bytes(), "", "image/png"),
        (PDF, "image/png", "application/pdf"),
        (HTML, "text/plain", ""),
        (SVG, "image/svg+xml", ""),
        (b"  \n<html>", "application/octet-stream", ""),
        (b"ma,ten\n1,Ao thun\n", "text/csv", "text/csv"),
        ("Xin chào".encode(), "application/octet-stream", "text/plain"),
        (b"\x01\x02\x00\xff\xfe", "application/octet-stream", "application/octet-stream"),
        (b"\x01\x02\x00\xff\xfe", "image/png", ""),
        (b"", "image/png", ""),
    ],
)
def test_sniff(head, declared, expected):
    assert rules.sniff(head, declared=declared) == expected


def test_display_names_lose_folders_and_control_characters():
    assert rules.display_name("..\\..\\x/y/\u202egnp.exe") == "gnp.exe"
    assert rules.display_name("") == "file"


def test_media_links_are_relative_to_the_page():
    assert safe_url("/media/avatars/1/2026/12/a.png") == "/media/avatars/1/2026/12/a.png"
    assert safe_url("//evil.test/media/a.png") == ""
    assert safe_url("/w/shop-a/") == ""
    assert safe_url("javascript:alert(1)") == ""


def test_a_stored_avatar_renders_relative_to_the_page(client_for, bob, claimed):
    Customer.objects.filter(pk=claimed.customer_id).update(
        avatar_url=f"/media/avatars/{claimed.workspace_id}/2026/12/pic.png"
    )
    page = (
        client_for(bob)
        .get(reverse("conversation", kwargs={"ws": "shop-a", "pk": claimed.pk}))
        .content.decode()
    )
    assert f'src="/media/avatars/{claimed.workspace_id}/2026/12/pic.png"' in page
    assert "127.0.0.1:8000/media" not in page


def test_media_is_served_by_the_app_with_debug_off_too(settings):
    """Production serves /media/ through the same view (no proxy rule needed, no bypass)."""
    import importlib

    from django.urls import clear_url_caches, resolve

    import web.urls
    from conversations.views.media import media_file

    debug, settings.DEBUG = settings.DEBUG, False
    try:
        importlib.reload(web.urls)
        clear_url_caches()
        assert resolve("/media/outbound/1/2026/12/a.png").func is media_file
    finally:
        settings.DEBUG = debug
        importlib.reload(web.urls)
        clear_url_caches()


def test_the_file_picker_offers_only_accepted_types(client_for, bob, claimed):
    page = (
        client_for(bob)
        .get(reverse("conversation", kwargs={"ws": "shop-a", "pk": claimed.pk}))
        .content.decode()
    )
    assert 'name="files"' in page and 'accept="image/jpeg,image/png,image/gif,image/webp,' in page
    assert "svg" not in page.split('name="files"', 1)[1].split(">", 1)[0]


@pytest.fixture
def shopee_claimed(workspace_a, bob):
    from tests.factories import make_channel_account, make_conversation

    shop = make_channel_account(workspace_a, "shopee", "880001", "Shop A on Shopee")
    conversation = make_conversation(shop, "buyer-1", "Lê Thị C")
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=bob, claimed_at=timezone.now(), last_inbound_at=timezone.now()
    )
    return conversation


def test_a_channel_that_sends_only_pictures_offers_and_takes_only_pictures(
    client_for, bob, shopee_claimed, claimed, media_root
):
    """Shopee's seller chat sends images only: the picker offers pictures, a PDF is refused
    by name before anything is written, and a Facebook conversation still offers every type."""
    client = client_for(bob)
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": shopee_claimed.pk})
    page = client.get(url).content.decode()
    assert 'accept="image/jpeg,image/png,image/gif,image/webp"' in page
    upload = SimpleUploadedFile("báo giá.pdf", PDF, content_type="application/pdf")
    response = client.post(send_url(shopee_claimed), {"files": [upload]}, **HX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "“báo giá.pdf”" in body and ("pictures (JPEG" in body or "ảnh (JPEG" in body)
    assert stored_files(media_root) == []
    assert not Message.objects.filter(conversation=shopee_claimed, direction="out").exists()
    facebook = client.get(reverse("conversation", kwargs={"ws": "shop-a", "pk": claimed.pk}))
    assert ".pdf,.doc" in facebook.content.decode()


def test_a_file_over_the_channels_own_limit_is_refused_with_that_limit(
    client_for, bob, workspace_a, media_root
):
    """Zalo takes attachments up to 5 MB (the adapter's declaration), below the composer's 25."""
    from tests.factories import make_channel_account, make_conversation

    oa = make_channel_account(workspace_a, "zalo", "4001", "Shop A Zalo OA")
    conversation = make_conversation(oa, "zalo-user-1", "Phạm D")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=bob, claimed_at=timezone.now())
    big = SimpleUploadedFile("anh.png", png_bytes() + b"\x00" * (5 * 1024 * 1024), "image/png")
    response = client_for(bob).post(send_url(conversation), {"files": [big]}, **HX)
    assert response.status_code == 422
    assert "5 MB" in response.content.decode()
    assert stored_files(media_root) == []
