"""The supervisor restarts a child that died (kill -9 of the worker, a crash of web) after a
growing pause, says so, and stops everything only when the child keeps dying quickly."""

import subprocess
import sys
import time

import pytest

from devtools import devstack
from devtools.devstack import Stack, restart_delay


def test_the_pause_doubles_and_a_child_that_keeps_dying_is_given_up():
    kwargs = dict(base=1, cap=30, max_quick=5, window=60)
    assert restart_delay([100], 100, **kwargs) == 1
    assert restart_delay([100, 101], 101, **kwargs) == 2
    assert restart_delay([100, 101, 103, 107], 107, **kwargs) == 8
    assert restart_delay([100, 101, 103, 107, 115], 115, **kwargs) is None
    # deaths long ago do not count: a child that ran for a while starts over at 1 s
    assert restart_delay([100, 101, 103, 107, 400], 400, **kwargs) == 1
    assert restart_delay(list(range(0, 10)), 9, base=10, cap=30, max_quick=99, window=60) == 30


def supervise_until(stack: Stack, done, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        gave_up = stack.supervise()
        if done(gave_up):
            return gave_up
        time.sleep(0.05)
    raise AssertionError("the supervisor did not get there in time")


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(devstack, "RESTART_BACKOFF_BASE", 0.05)
    monkeypatch.setattr(devstack, "RESTART_MAX_QUICK_DEATHS", 3)
    monkeypatch.setattr(devstack, "RESTART_QUICK_WINDOW", 60.0)


def test_a_child_killed_with_sigkill_is_started_again(tmp_path, quick, capsys):
    marker = tmp_path / "killed-once"
    script = (
        "import os, pathlib, signal, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "print('started', flush=True)\n"
        "if not marker.exists():\n"
        "    marker.write_text('x'); os.kill(os.getpid(), signal.SIGKILL)\n"
        "time.sleep(60)\n"
    )
    stack = Stack()
    try:
        stack.spawn("worker", sys.executable, "-c", script)
        first = stack.children[0].process
        supervise_until(
            stack, lambda _: first.poll() is not None and stack.children[0].process is not first
        )
        child = stack.children[0]
        time.sleep(0.5)
        assert child.poll() is None and stack.supervise() is None  # the second one stays up
        out = capsys.readouterr().out
        assert "worker was killed by SIGKILL" in out
        assert "restarting worker in 0.05 s" in out and "worker restarted (pid" in out
        assert "giving up" not in out
    finally:
        stack.stop()
    assert child.poll() is not None


def test_a_child_that_keeps_dying_stops_the_stack(quick, capsys):
    stack = Stack()
    try:
        stack.spawn("beat", sys.executable, "-c", "print('no schedule'); raise SystemExit(3)")
        gave_up = supervise_until(stack, lambda child: child is not None)
        assert gave_up.name == "beat"
        out = capsys.readouterr().out
        assert out.count("beat exited with code 3") == 3
        assert out.count("beat restarted") == 2
        assert "beat died 3 times within 60 s; giving up" in out
    finally:
        stack.stop()


def test_optional_children_are_left_alone(quick):
    stack = Stack()
    try:
        stack.spawn("customers", sys.executable, "-c", "raise SystemExit(0)")
        first = stack.children[0].process
        first.wait(10)
        for _ in range(5):
            assert stack.supervise() is None
            time.sleep(0.1)
        assert stack.children[0].process is first
    finally:
        stack.stop()


def test_a_dead_child_leaves_no_process_of_its_session_behind(quick):
    """A worker killed with -9 leaves its pool: the restart must not run beside it."""
    script = (
        "import subprocess, sys, time\n"
        "pool = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(pool.pid, flush=True)\n"
        "raise SystemExit(1)\n"
    )
    stack = Stack()
    try:
        stack.spawn("worker", sys.executable, "-c", script)
        child = stack.children[0]
        child.process.wait(10)
        child.reader.join(5)
        pool_pid = int(child.tail[0])
        supervise_until(stack, lambda _: child.restart_at is not None or child.poll() is None)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if subprocess.run(["kill", "-0", str(pool_pid)], capture_output=True).returncode:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the dead worker's pool is still running")
    finally:
        stack.stop()
