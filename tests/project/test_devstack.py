"""`make run`'s supervisor on a fresh data folder: it serves the login page, the demo owner
can log in, and after Ctrl-C nothing it started is left alive."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from inbox_project.demo import DEMO_PASSWORD, DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.slow
def test_run_serves_login_and_ctrl_c_stops_everything(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME"}
    }
    env.update(INBOX_DATA_DIR=str(data_dir), PORT=str(port), PYTHONUNBUFFERED="1")
    log_path = tmp_path / "run.log"
    started: list[psutil.Process] = []
    with open(log_path, "w") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "inbox_project.devstack", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and url is None:
            assert supervisor.poll() is None, log_path.read_text()[-3000:]
            match = re.search(r"Inbox is running at (\S+)", log_path.read_text())
            url = match and match.group(1)
            time.sleep(0.5)
        assert url == f"http://127.0.0.1:{port}/", log_path.read_text()[-3000:]
        banner = log_path.read_text()
        owner_email = next(email for email, role, _ in DEMO_USERS if role == "owner")
        assert owner_email in banner and DEMO_PASSWORD in banner

        session = requests.Session()
        login = session.get(url + "login/", timeout=10)
        assert login.status_code == 200 and "csrfmiddlewaretoken" in login.text
        token = session.cookies["csrftoken"]
        response = session.post(
            url + "login/",
            data={"username": owner_email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": url + "login/"},
            timeout=10,
        )
        assert response.status_code == 200 and "/w/shop-demo/" in response.url
        assert session.get(url + "healthz", timeout=10).json() == {"database": "ok", "redis": "ok"}
        started = descendants_and_services(data_dir, supervisor.pid)
        commands = " ".join(" ".join(p.cmdline()) for p in started)
        for role in ("postgres", "redis-server", "uvicorn", "worker", "beat"):
            assert role in commands, role
        assert len(started) >= 5  # postgres, redis, web, worker, beat (+ their children)
    finally:
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(90)
    time.sleep(1)
    leftovers = [
        p
        for p in started + descendants_and_services(data_dir, supervisor.pid)
        if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    ]
    assert leftovers == [], [p.cmdline() for p in leftovers]
    assert supervisor.returncode == 0, log_path.read_text()[-3000:]
