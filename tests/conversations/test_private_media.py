"""Stored files are private to their workspace: /media/ is the only way to them, it checks
membership, and in production it hands the sending to nginx's internal location
(X-Accel-Redirect) with the same safety headers as when it streams the file itself."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import get_resolver

from conversations.views.media import accel_redirect_target, media_file

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PAGE = b"<!DOCTYPE html><html><body><script>fetch('/w/shop-a/')</script></body></html>"
NGINX_CONF = Path(django_settings.BASE_DIR) / "deploy" / "nginx.conf"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def stored(media_root, workspace_a):
    def put(name: str, content: bytes) -> str:
        path = f"attachments/{workspace_a.pk}/2026/12/{name}"
        (media_root / path).parent.mkdir(parents=True, exist_ok=True)
        (media_root / path).write_bytes(content)
        return path

    return put


def test_a_member_gets_the_file_streamed_by_the_app(client_for, bob, stored):
    path = stored("k3Jx.png", PNG)
    served = client_for(bob).get("/media/" + path)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"] == "inline"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in served


def test_in_production_nginx_sends_the_file_after_the_check(client_for, bob, stored, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_protected_media/"
    picture = client_for(bob).get("/media/" + stored("k3Jx.png", PNG))
    assert picture.status_code == 200
    assert (
        picture["X-Accel-Redirect"]
        == f"/_protected_media/attachments/{bob.memberships.get().workspace_id}/2026/12/k3Jx.png"
    )
    assert picture.content == b""
    assert picture["Content-Type"] == "image/png"
    assert picture["Content-Disposition"] == "inline"
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert picture["Cache-Control"] == "private, max-age=86400"
    # a page that slipped in under an old name is still a sandboxed download
    page = client_for(bob).get("/media/" + stored("old.html", PAGE))
    assert page["Content-Type"] == "application/octet-stream"
    assert page["Content-Disposition"].startswith("attachment;")
    assert page["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert page.content == b""


@pytest.mark.parametrize("accel", ["", "/_protected_media/"])
def test_strangers_and_other_workspaces_get_nothing(stored, charlie, settings, accel):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = accel
    path = "/media/" + stored("k3Jx.png", PNG)
    anonymous = Client().get(path)
    assert anonymous.status_code == 404 and "X-Accel-Redirect" not in anonymous
    other = Client()
    other.force_login(charlie)
    answer = other.get(path)
    assert answer.status_code == 404 and "X-Accel-Redirect" not in answer
    assert Client().get(path + "?s=forged").status_code == 404


def test_a_member_who_left_loses_access(client_for, bob, stored):
    path = "/media/" + stored("k3Jx.png", PNG)
    bob.memberships.update(is_active=False)
    assert client_for(bob).get(path).status_code in (302, 404)


def test_the_accel_target_is_percent_encoded():
    assert accel_redirect_target("/_p/", "a/1/x y#.png") == "/_p/a/1/x%20y%23.png"


def test_no_public_url_leads_to_stored_files(stored, media_root):
    """No static serving of MEDIA_ROOT in any URLconf, no whitenoise root over it: every path
    under MEDIA_URL resolves to the checking view."""
    path = stored("k3Jx.png", PNG)

    def walk(patterns):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                yield from walk(entry.url_patterns)
            else:
                yield entry.callback

    callbacks = {f"{c.__module__}.{c.__name__}" for c in walk(get_resolver().url_patterns)}
    assert "django.views.static.serve" not in callbacks
    assert get_resolver().resolve("/media/" + path).func is media_file
    assert getattr(django_settings, "WHITENOISE_ROOT", None) != django_settings.MEDIA_ROOT
    for public in ("/static/" + path, "/" + path, "/_protected_media/" + path):
        assert Client().get(public).status_code == 404


def location_blocks(conf: str) -> list[tuple[str, str]]:
    """(where, body) of every `location` of an nginx file, nested braces included."""
    found = []
    for match in re.finditer(r"location\s+(?:=\s*)?([^\s{]+)\s*\{", conf):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(conf[end], 0)
            end += 1
        found.append((match.group(1), conf[match.end() : end - 1]))
    return found


def test_nginx_reaches_the_media_folder_only_through_an_internal_location():
    blocks = location_blocks(NGINX_CONF.read_text())
    with_media = [(where, body) for where, body in blocks if "/srv/media" in body]
    assert [where for where, _ in with_media] == ["/_protected_media/"]
    body = with_media[0][1]
    assert re.search(r"^\s*internal;", body, re.MULTILINE)
    assert 'X-Content-Type-Options "nosniff" always' in body
    assert "sandbox; default-src 'none'" in body
