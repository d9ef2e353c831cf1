"""`make run`'s supervisor, both ways the README offers it: with a private PostgreSQL and Redis
under the data folder, and on the DATABASE_URL / REDIS_URL given. Each serves the login page,
lets the demo owner log in, shows webhook addresses on the URL it printed, keeps serving for
a minute, and after Ctrl-C leaves nothing it started alive. The two run side by side so the
minute is paid once."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import psycopg2
import pytest
import requests
from dj_database_url import parse

from devtools.demo.people import DEMO_PASSWORD, DEMO_USERS, DEMO_WORKSPACE_SLUG
from devtools.devstack import Child

ROOT = Path(__file__).resolve().parents[2]
KEEP_SERVING_SECONDS = 60
OWNER = next(email for email, role, _ in DEMO_USERS if role == "owner")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants_and_services(data_dir: Path, root_pid: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(proc)
    try:
        found += psutil.Process(root_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        pass
    return [p for p in found if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


class Run:
    """One `python -m devtools.devstack run` (what `make run` starts after installing)."""

    def __init__(self, tmp_path: Path, name: str, **env_overrides: str):
        self.data_dir = tmp_path / name / "data"  # not created: the supervisor must do it
        self.port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "SITE_URL"}
        }
        env.update(
            INBOX_DATA_DIR=str(self.data_dir), PORT=str(self.port), PYTHONUNBUFFERED="1",
            STANDIN_PORT="", **env_overrides,
        )  # fmt: skip
        self.log_path = tmp_path / f"{name}.log"
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devtools.devstack", "run"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.url = None
        self.started: list[psutil.Process] = []

    def output(self) -> str:
        return self.log_path.read_text()[-4000:]

    def wait_for_banner(self, deadline: float) -> str:
        while time.monotonic() < deadline and self.url is None:
            assert self.process.poll() is None, self.output()
            match = re.search(r"Inbox is running at (\S+)", self.log_path.read_text())
            self.url = match and match.group(1)
            time.sleep(0.5)
        assert self.url == f"http://127.0.0.1:{self.port}/", self.output()
        return self.url

    def log_in(self) -> requests.Session:
        session = requests.Session()
        login = session.get(self.url + "login/", timeout=10)
        assert login.status_code == 200 and "csrfmiddlewaretoken" in login.text
        response = session.post(
            self.url + "login/",
            data={"username": OWNER, "password": DEMO_PASSWORD,
                  "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": self.url + "login/"},
            timeout=10,
        )  # fmt: skip
        assert response.status_code == 200 and f"/w/{DEMO_WORKSPACE_SLUG}/" in response.url
        return session

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        self.process.wait(90)


@pytest.fixture
def external_database():
    """A fresh database on the test server, as a person with their own PostgreSQL gives it."""
    admin = parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    name = f"devstack_run_{uuid.uuid4().hex[:8]}"
    connect = dict(
        host=admin["HOST"] or "127.0.0.1", port=admin["PORT"] or 5432,
        user=admin["USER"] or "postgres", password=admin["PASSWORD"] or None, dbname="postgres",
    )  # fmt: skip
    conn = psycopg2.connect(**connect)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    auth = connect["user"] + (f":{connect['password']}" if connect["password"] else "")
    yield f"postgres://{auth}@{connect['host']}:{connect['port']}/{name}"
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.mark.slow
def test_run_serves_both_ways_for_a_minute_and_ctrl_c_stops_everything(tmp_path, external_database):
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    runs = {
        "embedded": Run(tmp_path, "embedded"),
        "external": Run(
            tmp_path, "external", DATABASE_URL=external_database, REDIS_URL=redis_url,
            CHANNEL_PREFIX=f"devstack-{uuid.uuid4().hex[:8]}",
            CACHE_PREFIX=f"devstack-{uuid.uuid4().hex[:8]}",
        ),
    }  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        sessions = {}
        for name, run in runs.items():
            url = run.wait_for_banner(deadline)
            banner = run.log_path.read_text()
            assert OWNER in banner and DEMO_PASSWORD in banner
            sessions[name] = run.log_in()
            health = sessions[name].get(url + "healthz", timeout=10)
            assert health.json() == {"database": "ok", "redis": "ok", "pages": "ok"}, name
            # SITE_URL is the address printed: webhook addresses name this server.
            channels = sessions[name].get(f"{url}w/{DEMO_WORKSPACE_SLUG}/channels/", timeout=10)
            assert channels.status_code == 200
            assert f"{url}webhooks/facebook/" in channels.text, name
            assert "127.0.0.1:8000" not in channels.text or run.port == 8000
        # Another shell reaches the running stack (its private PostgreSQL has a port of its
        # own): simulated customers post signed webhooks to the SITE_URL it printed.
        embedded = runs["embedded"]
        simulate = subprocess.run(
            [sys.executable, "-m", "devtools.devstack", "manage", "simulate",
             "--workspace", DEMO_WORKSPACE_SLUG, "--count", "3", "--rate", "10", "--seed", "7"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
                 "INBOX_DATA_DIR": str(embedded.data_dir)},
        )  # fmt: skip
        assert simulate.returncode == 0, simulate.stdout + simulate.stderr
        external_log = runs["external"].log_path.read_text()
        assert "embedded" not in external_log, external_log[-3000:]

        for name, run in runs.items():
            run.started = descendants_and_services(run.data_dir, run.process.pid)
            commands = " ".join(" ".join(p.cmdline()) for p in run.started)
            roles = ["uvicorn", "worker", "beat"]
            roles += ["postgres", "redis-server"] if name == "embedded" else []
            for role in roles:
                assert role in commands, (name, role)

        keep_until = time.monotonic() + KEEP_SERVING_SECONDS
        while time.monotonic() < keep_until:
            for name, run in runs.items():
                assert run.process.poll() is None, (name, run.output())
                inbox = sessions[name].get(f"{run.url}w/{DEMO_WORKSPACE_SLUG}/", timeout=15)
                assert inbox.status_code == 200, (name, inbox.status_code)
            time.sleep(5)
        for name, run in runs.items():
            assert "stopping everything" not in run.log_path.read_text(), (name, run.output())
    finally:
        for run in runs.values():
            if run.process.poll() is None:
                run.process.send_signal(signal.SIGINT)
        for run in runs.values():
            run.stop()
    time.sleep(1)
    for name, run in runs.items():
        leftovers = [
            p
            for p in run.started + descendants_and_services(run.data_dir, run.process.pid)
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        ]
        assert leftovers == [], (name, [p.cmdline() for p in leftovers])
        assert run.process.returncode == 0, (name, run.output())


def test_a_dead_child_is_named_with_how_it_died_and_its_last_words():
    script = "import sys\nfor i in range(30): print('line', i)\nprint('boom', file=sys.stderr)\nsys.exit(3)"
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    child = Child("beat", process)
    process.wait(10)
    notice = child.death_notice()
    assert notice.startswith("beat exited with code 3; its last output:")
    assert "boom" in notice and "line 29" in notice and "line 5\n" not in notice

    process = subprocess.Popen(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    child = Child("web", process)
    time.sleep(0.5)
    process.kill()
    process.wait(10)
    notice = child.death_notice()
    assert notice.startswith("web was killed by SIGKILL") and "up" in notice


def test_development_env_is_written_once_and_never_overwritten(tmp_path):
    from devtools.devstack import write_development_env

    path = tmp_path / ".env"
    assert write_development_env(path) is True
    assert "DJANGO_DEBUG=1" in path.read_text().splitlines()
    path.write_text("DJANGO_DEBUG=0\nDJANGO_SECRET_KEY=mine\n")
    assert write_development_env(path) is False
    assert path.read_text() == "DJANGO_DEBUG=0\nDJANGO_SECRET_KEY=mine\n"


def test_readme_manage_command_works_in_a_new_shell():
    """`python manage.py simulate --help` with nothing exported: the development .env that
    `make install` / `make run` write makes manage.py start (DEBUG on, development keys)."""
    from devtools.devstack import write_development_env

    write_development_env()  # what `make install` did; an existing .env is left alone
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "simulate", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "--workspace" in result.stdout and "--base-url" in result.stdout
