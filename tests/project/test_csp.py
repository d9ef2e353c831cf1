"""The Content-Security-Policy: on every HTML page, never replacing the sandbox of /media/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from conversations.files import SANDBOX_CSP
from inbox_project.csp import content_security_policy, provider_media_sources

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = values
    return parsed


def test_the_middleware_is_installed_outermost_after_security():
    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "inbox_project.csp.ContentSecurityPolicyMiddleware",
    ]


def test_the_policy_allows_only_our_files_and_the_sites_socket():
    policy = directives(
        content_security_policy(host="inbox.example.vn", secure=True, media_hosts=["fbcdn.net"])
    )
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "https://fbcdn.net", "https://*.fbcdn.net"]
    assert policy["media-src"] == policy["img-src"]
    assert policy["connect-src"] == ["'self'", "wss://inbox.example.vn"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    joined = " ".join(v for values in policy.values() for v in values)
    assert "unsafe" not in joined and "*" not in joined.replace("https://*.", "")


def test_plain_http_gets_a_ws_origin_and_the_loopback_stand_in_any_port():
    policy = directives(content_security_policy(host="127.0.0.1:8000", secure=False,
                                                media_hosts=["127.0.0.1", "localhost"]))  # fmt: skip
    assert policy["connect-src"] == ["'self'", "ws://127.0.0.1:8000"]
    assert provider_media_sources([" Example.COM. ", ""]) == [
        "https://example.com", "https://*.example.com",
    ]  # fmt: skip
    assert policy["img-src"][2:] == ["http://127.0.0.1:*", "http://localhost:*"]


def test_a_page_carries_the_policy_for_the_host_it_was_served_on(client, alice):
    client.force_login(alice)
    response = client.get(reverse("inbox", kwargs={"ws": "shop-a"}), HTTP_HOST="localhost")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["connect-src"] == ["'self'", "ws://localhost"]
    assert policy["script-src"] == ["'self'"]
    for host in settings.MEDIA_DOWNLOAD_HOSTS:
        assert any(host in source for source in policy["img-src"])


def test_the_login_page_and_an_error_page_carry_it_too(client):
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "frame-ancestors 'none'" in missing["Content-Security-Policy"]


def test_a_webhook_answer_is_not_html_and_gets_no_page_policy(client):
    response = client.post("/webhooks/facebook/00000000-0000-0000-0000-000000000000/", b"{}",
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 404
    assert "Content-Security-Policy" not in response


def test_media_keeps_its_sandbox_policy_even_for_a_planted_page(client, alice, workspace_a,
                                                                 settings, tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save(
        f"uploads/{workspace_a.pk}/2026/01/planted.html",
        ContentFile(b"<!doctype html><script>alert(1)</script>"),
    )
    client.force_login(alice)
    served = client.get(f"/media/{name}")
    assert served.status_code == 200
    assert served["Content-Security-Policy"] == SANDBOX_CSP


def test_no_template_has_inline_script_handlers_or_style_attributes():
    pattern = re.compile(
        r"\son[a-z]+\s*=|hx-on|javascript:|<script(?![^>]*\ssrc=)(?![^>]*application/json)"
        r"|\sstyle\s*=|<style",
        re.I,
    )
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)!r}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in pattern.finditer(path.read_text())
        if "emails" not in path.parts and path.name != "password_reset_email.html"
    ]
    assert not offenders, offenders


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code():
    base = (ROOT / "templates" / "base.html").read_text()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', base)
    assert config, "htmx-config meta missing"
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    assert base.index('name="htmx-config"') < base.index("htmx.min.js")
    assert ".htmx-indicator" in (ROOT / "static" / "css" / "app.css").read_text()
