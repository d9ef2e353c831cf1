"""Browser tests: a real ASGI server (uvicorn, WebSockets included) on the test database and
Chromium (Debian's, or whichever devtools.chromium finds) driven by Playwright. One
server and one browser per test module; a fresh browser context (cookies) per test. Data is committed by the test (transaction=True) so the
server process sees it; the test process's live pushes reach the server through Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from devtools.chromium import HOW_TO_INSTALL, find_chromium

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = find_chromium()  # `make test` installs one first when there is none
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(db: dict) -> str:
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="module")
def channel_prefix():
    """A channel-layer prefix of this module only, shared with the server it starts. Redis
    pub/sub ignores the database number, so without it every test run on the same Redis
    (other engineers', CI jobs) would push its workspace-1 events into our browsers."""
    from django.test import override_settings

    prefix = f"inbox-browser-{uuid.uuid4().hex[:10]}"
    layers = {"default": {**settings.CHANNEL_LAYERS["default"]}}
    layers["default"]["CONFIG"] = {**layers["default"]["CONFIG"], "prefix": prefix}
    with override_settings(CHANNEL_LAYERS=layers):
        yield prefix


@pytest.fixture(scope="module")
def live_server_url(django_db_setup, django_db_blocker, tmp_path_factory, channel_prefix):
    """uvicorn serving web.asgi on the test database, for this module."""
    if CHROMIUM is None:
        pytest.skip(HOW_TO_INSTALL)
    from django.db import connection

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DJANGO_DEBUG": "1",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "LOG_LEVEL": "WARNING",
        "CHANNEL_PREFIX": channel_prefix,
    }
    env.pop("TEST_DATABASE_NAME", None)
    log = open(tmp_path_factory.mktemp("uvicorn") / "server.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "web.asgi:application",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/login/", timeout=1)  # noqa: S310
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail("uvicorn did not start:\n" + log.read())
            time.sleep(0.1)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # meanwhile are ordinary synchronous ones, so Django's async guard is lifted here only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _server_quiet(*, window: float = 0.25, limit: float = 5.0) -> None:
    """Wait until no other session on the test database is busy for `window` seconds. A
    browser closed at the end of a test makes the server finish work of its own (a socket's
    disconnect writes the agent's presence); the flush that ends the test takes every table
    lock in turn and deadlocks against such a transaction if it starts meanwhile."""
    from django.db import connection

    busy_sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'"
    )
    deadline = time.monotonic() + limit
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(busy_sql)
            busy = cursor.fetchone()[0]
        now = time.monotonic()
        if busy:
            quiet_since = now
        elif now - quiet_since >= window:
            return
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def server_quiet_before_flush(request):
    """Runs after the test's own fixtures have closed their browsers, before the database
    is flushed (it is set up after the database, so it is torn down before it)."""
    if "live_server_url" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    _server_quiet()


@pytest.fixture
def open_inbox(browser, live_server_url):
    """`open_inbox(user, path)`: a logged-in page at `path` (the session is made server-side)."""
    contexts = []

    def open_(user, path: str, *, viewport=(1440, 900)):
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, base_url=live_server_url
        )
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
              "url": live_server_url}]
        )  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(path)
        # The socket is open and the first catch-up is done: pushes from now on are seen.
        page.wait_for_selector('#inbox[data-synced="1"]', timeout=10000)
        return page

    yield open_
    for context in contexts:
        context.close()


def off_loop(function, *args, **kwargs):
    """Run `function` on a plain thread: Playwright's event loop lives on the test's thread, and
    live pushes (async_to_sync) refuse to run next to a loop."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)
