"""Inbound media copied from the stand-in's CDN over real HTTP into default storage: stored
copy recorded on the attachment (original kept), failures recorded and never fatal, retries,
size and content-type limits, the timeline showing our copy."""

import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from channels_app import tasks
from channels_app.services import media
from channels_app.templatetags.channel_media import attachment_src
from conversations.models import Message
from tests.channels_app.meta import deliver, fixture
from tests.channels_app.standin_http import media_url, purge_default_queue, queued

pytestmark = pytest.mark.django_db
TASK = "channels_app.tasks.message_media_download_task"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    purge_default_queue()
    yield tmp_path
    purge_default_queue()


@pytest.fixture
def download(django_capture_on_commit_callbacks):
    def run(message) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            return media.message_media_download(
                workspace_id=message.workspace_id, message_id=message.pk
            )

    return run


@pytest.fixture
def inbound(client, page_a):
    """An inbound Messenger message whose attachments point at the stand-in's CDN."""

    def make(*attachments: tuple[str, str], text: str = "") -> Message:
        data = fixture("facebook", "message_image")
        message = data["entry"][0]["messaging"][0]["message"]
        message["mid"] = f"m_media_{Message.objects.count() + 1}"
        if text:
            message["text"] = text
        message["attachments"] = [
            {"type": kind, "payload": {"url": url}} for kind, url in attachments
        ]
        deliver(client, page_a, data)
        return Message.objects.get(external_id=message["mid"])

    return make


def test_an_image_is_stored_and_recorded_on_the_attachment(graph, inbound, download, pushes):
    url = media_url(graph, "image", "ao-thun.png?oh=abc")
    message = inbound(("image", url), text="Mẫu này còn không shop?")
    assert download(message) == "stored"
    message.refresh_from_db()
    [attachment] = message.attachments
    assert attachment["url"] == url  # the original is kept
    assert attachment["stored_content_type"] == "image/png"
    path = attachment["stored_path"]
    assert path.startswith(f"attachments/{message.workspace_id}/{timezone.now():%Y/%m}/")
    assert path.endswith(".png")
    with default_storage.open(path) as stored:
        data = stored.read()
    assert data.startswith(b"\x89PNG") and len(data) == attachment["stored_size"]
    assert message.text == "Mẫu này còn không shop?"
    [push] = pushes.events("message.updated")
    assert push["message_id"] == message.pk and default_storage.url(path) in push["html"]
    assert download(message) == "skipped"  # done: a duplicate task does nothing


def test_the_timeline_prefers_our_copy(graph, inbound, download, client_for, alice):
    url = media_url(graph, "image", "a.png")
    message = inbound(("image", url))
    page = client_for(alice).get(f"/w/shop-a/c/{message.conversation_id}/")
    assert url in page.content.decode()
    download(message)
    message.refresh_from_db()
    ours = default_storage.url(message.attachments[0]["stored_path"])
    html = client_for(alice).get(f"/w/shop-a/c/{message.conversation_id}/").content.decode()
    assert f'src="{ours}"' in html and url not in html


def test_every_media_kind_is_stored(graph, inbound, download):
    message = inbound(
        ("video", media_url(graph, "video", "v.mp4")),
        ("audio", media_url(graph, "audio", "a.mp3")),
        ("file", media_url(graph, "file", "bao-gia.pdf")),
    )
    assert download(message) == "stored"
    message.refresh_from_db()
    extensions = [a["stored_path"].rsplit(".", 1)[1] for a in message.attachments]
    assert extensions == ["mp4", "mp3", "pdf"]


def test_an_expired_link_is_recorded_and_not_retried(graph, inbound, download):
    message = inbound(("image", media_url(graph, "expired", "x.jpg")), text="Ảnh nè")
    assert download(message) == "failed"
    message.refresh_from_db()
    [attachment] = message.attachments
    assert attachment["download_failed"] is True and "403" in attachment["download_error"]
    assert "stored_path" not in attachment and message.text == "Ảnh nè"
    assert queued(TASK) == []
    assert download(message) == "skipped"


def test_a_web_page_is_refused(graph, inbound, download):
    message = inbound(("image", media_url(graph, "html", "x.jpg")))
    assert download(message) == "failed"
    message.refresh_from_db()
    assert message.attachments[0]["download_error"].startswith("content_type: text/html")


@pytest.mark.parametrize(
    "attachment_type, kind", [("image", "disguised"), ("file", "opaque"), ("image", "opaque")]
)
def test_a_page_under_another_label_is_refused_by_its_bytes(
    graph, inbound, download, media_root, attachment_type, kind
):
    """The CDN says image/png or application/octet-stream, the bytes are HTML / SVG: refused
    for good and nothing is written."""
    message = inbound((attachment_type, media_url(graph, kind, "x.png")))
    assert download(message) == "failed"
    message.refresh_from_db()
    [attachment] = message.attachments
    assert attachment["download_error"].startswith("content") and attachment["download_failed"]
    assert "stored_path" not in attachment
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_stored_copy_is_served_to_members_only_with_safe_headers(
    graph, inbound, download, client_for, alice, charlie
):
    message = inbound(("file", media_url(graph, "file", "bao-gia.pdf")),
                      ("image", media_url(graph, "image", "a.png")))  # fmt: skip
    assert download(message) == "stored"
    message.refresh_from_db()
    pdf, png = message.attachments
    assert pdf["stored_path"].endswith(".pdf") and png["stored_path"].endswith(".png")
    served = client_for(alice).get("/media/" + pdf["stored_path"])
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert served["X-Content-Type-Options"] == "nosniff"
    picture = client_for(alice).get("/media/" + png["stored_path"])
    assert (picture["Content-Type"], picture["Content-Disposition"]) == ("image/png", "inline")
    assert client_for(charlie).get("/media/" + png["stored_path"]).status_code == 404


@pytest.mark.parametrize("kind", ["image", "stream"])
def test_files_over_the_cap_are_refused(graph, inbound, download, settings, kind):
    """Refused on the declared length, and while streaming when there is none."""
    settings.MEDIA_DOWNLOAD_MAX_BYTES = 50  # the PNG is ~90 bytes, the stream 5000
    message = inbound(("image", media_url(graph, kind, "5000.png")))
    assert download(message) == "failed"
    message.refresh_from_db()
    assert message.attachments[0]["download_error"].startswith("too_large")
    assert list(default_storage.listdir("")[0]) == []  # nothing partial was kept


def test_transient_failures_retry_with_backoff_then_give_up(graph, inbound, download, settings):
    settings.MEDIA_DOWNLOAD_MAX_ATTEMPTS = 2
    message = inbound(("image", media_url(graph, "flaky", "x.png")))
    assert download(message) == "retry"
    message.refresh_from_db()
    attachment = message.attachments[0]
    assert attachment["download_attempts"] == 1 and "download_failed" not in attachment
    [(args, headers)] = queued(TASK)
    assert args == [message.workspace_id, message.pk] and headers["eta"]
    assert download(message) == "failed"
    message.refresh_from_db()
    assert message.attachments[0]["download_failed"] is True
    assert len(queued(TASK)) == 1


def test_one_failure_does_not_stop_the_others(graph, inbound, download):
    message = inbound(
        ("image", media_url(graph, "expired", "x.png")),
        ("image", media_url(graph, "image", "y.png")),
    )
    assert download(message) == "partial"
    message.refresh_from_db()
    assert message.attachments[0]["download_failed"] and message.attachments[1]["stored_path"]


def test_links_and_locations_are_left_alone(graph, client, page_a, download):
    for name in ("message_fallback", "message_location"):
        deliver(client, page_a, fixture("facebook", name))
    for message in Message.objects.all():
        assert not media.attachments_downloadable(message.attachments)
        assert download(message) == "skipped"


def test_enqueue_skips_messages_without_media_and_publishes_on_commit(
    page_a, conversation_a, django_capture_on_commit_callbacks
):
    message = conversation_a.messages.get()
    assert not media.message_media_download_enqueue(
        workspace_id=message.workspace_id, message_id=message.pk, attachments=[]
    )
    wanted = [{"type": "image", "url": "https://scontent.xx.fbcdn.net/a.jpg"}]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert media.message_media_download_enqueue(
            workspace_id=message.workspace_id, message_id=message.pk, attachments=wanted
        )
    assert queued(TASK) == []
    for callback in callbacks:
        callback()
    [(args, _)] = queued(TASK)
    assert args == [message.workspace_id, message.pk]


def test_the_task_runs_the_download(graph, inbound, django_capture_on_commit_callbacks):
    message = inbound(("image", media_url(graph, "image", "t.png")))
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.message_media_download_task.apply(args=[message.workspace_id, message.pk])
    assert result.get() == "stored"


def test_a_changed_attachment_list_is_not_overwritten(
    graph, inbound, django_capture_on_commit_callbacks
):
    """The row may change while we download: results are matched by position and URL, and a
    copy nobody points at is deleted."""
    from django.core.files.base import ContentFile

    url = media_url(graph, "image", "z.png")
    message = inbound(("image", url))
    orphan = default_storage.save("attachments/1/orphan.png", ContentFile(b"x"))
    other = [{"type": "image", "url": "https://elsewhere.test/other.png"}]
    Message.objects.filter(pk=message.pk).update(attachments=other)
    with django_capture_on_commit_callbacks(execute=True):
        media._record(workspace_id=message.workspace_id, message_id=message.pk,
                      changes={0: (url, {"stored_path": orphan})})  # fmt: skip
    message.refresh_from_db()
    assert message.attachments == other
    assert not default_storage.exists(orphan)


# --- pure rules -----------------------------------------------------------------------------


ALLOWED = ("image/", "video/", "application/pdf", "application/octet-stream")


@pytest.mark.parametrize(
    "kind,content_type,ok",
    [
        ("image", "image/jpeg", True),
        ("image", "image/png; charset=binary", True),
        ("image", "image/svg+xml", False),  # can carry script
        ("image", "video/mp4", False),  # an image must be an image
        ("image", "application/octet-stream", False),
        ("file", "application/octet-stream", True),
        ("file", "application/pdf", True),
        ("file", "text/html", False),
        ("video", "video/mp4", True),
        ("audio", "audio/mpeg", False),  # not in this allow-list
        ("file", "", False),
    ],
)
def test_content_type_rules(kind, content_type, ok):
    assert media.content_type_allowed(attachment_type=kind, content_type=content_type,
                                      allowed=ALLOWED) is ok  # fmt: skip


def test_storage_names_are_per_workspace_and_never_take_the_customers_extension():
    now = timezone.now()
    name = media.storage_name(workspace_id=7, folder="attachments", content_type="image/jpeg",
                              now=now, token="abc")  # fmt: skip
    assert name == f"attachments/7/{now:%Y/%m}/abc.jpg"
    odd = media.storage_name(workspace_id=7, folder="attachments",
                             content_type="application/x-msdownload", now=now, token="abc")  # fmt: skip
    assert odd.endswith("/abc.bin")


def test_attachment_src_prefers_the_stored_copy():
    assert attachment_src(
        {"url": "https://cdn.test/a.jpg", "stored_path": "attachments/1/a.jpg"}
    ) == (default_storage.url("attachments/1/a.jpg"))
    assert attachment_src({"url": "https://cdn.test/a.jpg"}) == "https://cdn.test/a.jpg"
    assert attachment_src({"url": "javascript:alert(1)"}) == ""
    assert attachment_src("not a dict") == ""


def test_the_bubble_renders_a_stored_file_link(conversation_a, page_a):
    message = conversation_a.messages.get()
    message.attachments = [{"type": "file", "url": "https://cdn.test/f.pdf", "name": "Báo giá",
                            "stored_path": "attachments/1/2026/11/x.pdf"}]  # fmt: skip
    html = render_to_string(
        "conversations/_rows.html#message-bubble", {"m": message, "workspace": page_a.workspace}
    )
    assert 'href="/media/attachments/1/2026/11/x.pdf"' in html and "Báo giá" in html


def test_only_the_allowed_hosts_are_fetched(graph, inbound, download, settings):
    """Webhook bodies name the URLs and the fetch runs inside our network: an address off
    MEDIA_DOWNLOAD_HOSTS is never requested, nor is one reached through a redirect."""
    from urllib.parse import quote

    settings.MEDIA_DOWNLOAD_HOSTS = ["127.0.0.1"]  # the stand-in
    fine = media_url(graph, "redirect", quote(media_url(graph, "image", "a.png"), safe=""))
    message = inbound(("image", fine))
    assert download(message) == "stored"

    metadata = "http://169.254.169.254/latest/meta-data/"
    for url in (metadata, media_url(graph, "redirect", quote(metadata, safe=""))):
        message = inbound(("image", url))
        assert download(message) == "failed"
        message.refresh_from_db()
        [attachment] = message.attachments
        assert attachment["download_error"] == "host: 169.254.169.254"
        assert attachment["download_failed"] is True


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://scontent.xx.fbcdn.net/v/t1.jpg", True),
        ("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1", True),
        ("https://fbcdn.net.evil.example/x.jpg", False),
        ("https://evilfbcdn.net/x.jpg", False),
        ("ftp://scontent.fbcdn.net/x.jpg", False),
        ("https:///nohost", False),
    ],
)
def test_host_rule(url, ok):
    assert media.host_allowed(url, ["fbcdn.net", "fbsbx.com"]) is ok
