"""The production configuration serves real pages: static files collected with DEBUG off (as
the Dockerfile does), uvicorn in a process of its own with production settings and secrets,
and a person who logs in through the real login form and opens the inbox and a conversation.
The closest this machine gets to `docker compose up` (it cannot build images)."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from django.conf import settings

from tests.factories import (
    PASSWORD,
    make_channel_account,
    make_conversation,
    make_user,
    make_workspace,
)

ROOT = Path(__file__).resolve().parents[2]
# What the TLS-terminating proxy in front of `web` adds to every request.
PROXY = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(db: dict) -> str:
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def production_env(tmp_path: Path) -> dict:
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in {"TEST_DATABASE_NAME", "SITE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="inbox_project.settings",  # the product's, not the suite's
        DJANGO_DEVTOOLS="0",  # as .env.example says; a development .env may say 1
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        CREDENTIAL_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS="",
        SITE_URL="https://inbox.example.vn",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=settings.REDIS_URL,
        CHANNEL_PREFIX=f"inbox-prod-boot-{uuid.uuid4().hex[:8]}",
        LOG_LEVEL="WARNING",
    )
    return env


def dockerfile_collectstatic() -> str:
    """The shell command of the Dockerfile's RUN step that collects the static files."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    steps = [line[4:] for line in text.splitlines() if line.startswith("RUN ")]
    return next(step for step in steps if "collectstatic" in step)


def cookie_header(*responses) -> dict:
    """The session and CSRF cookies are Secure under DEBUG=0; the proxy speaks HTTPS to the
    browser and plain HTTP to us, so the test sends them as the browser would."""
    jar = {}
    for response in responses:
        jar.update({c.name: c.value for c in response.cookies})
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_production_settings_serve_login_inbox_and_conversation(tmp_path):
    workspace = make_workspace("Shop Prod", "shop-prod")
    owner = make_user("owner@prod.test", "Chủ shop", workspace, "owner")
    page = make_channel_account(workspace, "facebook", "9001", "Fanpage Prod")
    conversation = make_conversation(page, "psid-1", "Nguyễn Thị Hoa", text="Áo này còn size M?")
    env = production_env(tmp_path)

    # The Dockerfile's own collectstatic step, as the image build runs it.
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"  # its `python`
    collect = subprocess.run(
        ["sh", "-c", dockerfile_collectstatic()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stdout + collect.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    port = free_port()
    log_path = tmp_path / "uvicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "web.asgi:application", "--host",
             "127.0.0.1", "--port", str(port), "--proxy-headers", "--no-access-log"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                health = requests.get(base + "/healthz", headers=PROXY, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        assert health.status_code == 200, health.text
        assert health.json() == {"database": "ok", "redis": "ok", "pages": "ok"}

        login = requests.get(base + "/login/", headers=PROXY, timeout=10)
        assert login.status_code == 200, login.text[:2000]
        assert "csrfmiddlewaretoken" in login.text
        # Hashed names from the manifest, and the files behind them are served.
        assets = re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.[a-z0-9]+)"', login.text)
        assert assets, login.text[:2000]
        for asset in assets:
            assert requests.get(base + asset, headers=PROXY, timeout=10).status_code == 200, asset
        assert all(c.secure for c in login.cookies if c.name == "csrftoken")

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        signed_in = requests.post(
            base + "/login/",
            data={"username": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={
                **PROXY,
                **cookie_header(login),
                "Referer": f"https://127.0.0.1:{port}/login/",
            },
            allow_redirects=False,
            timeout=10,
        )
        assert signed_in.status_code == 302, signed_in.text[:2000]
        session = [c for c in signed_in.cookies if c.name == settings.SESSION_COOKIE_NAME]
        assert session and session[0].secure and session[0].has_nonstandard_attr("HttpOnly")
        browser = {**PROXY, **cookie_header(login, signed_in)}

        inbox = requests.get(f"{base}/w/{workspace.slug}/", headers=browser, timeout=10)
        assert inbox.status_code == 200, inbox.text[:2000]
        assert "Nguyễn Thị Hoa" in inbox.text

        opened = requests.get(
            f"{base}/w/{workspace.slug}/c/{conversation.pk}/", headers=browser, timeout=10
        )
        assert opened.status_code == 200, opened.text[:2000]
        assert "Áo này còn size M?" in opened.text
        assert "Server Error" not in log_path.read_text()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
