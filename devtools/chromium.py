"""Find the Chromium the browser tests drive, or install one.

    python -m devtools.chromium      # print the executable; install Chromium if none

Looked for, in order: $CHROMIUM (an explicit path), Debian's /usr/bin/chromium, `chromium` or
`chromium-browser` on PATH, then the Chromium Playwright installed for itself. When none is
there it installs one: Debian's `chromium` package when running as root with apt-get, else
Playwright's own (`python -m playwright install chromium`). When neither works it fails with
one line saying what to install. `make test` runs this before the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping

DEBIAN_CHROMIUM = "/usr/bin/chromium"
NAMES_ON_PATH = ("chromium", "chromium-browser")
HOW_TO_INSTALL = (
    "no Chromium for the browser tests: install Debian's `chromium` (sudo apt-get install "
    "chromium) or run `.venv/bin/python -m playwright install chromium`, or set CHROMIUM to "
    "a Chromium executable"
)


def _executable(path: str | None) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """The Chromium Playwright downloaded for itself, if it did."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # no playwright driver, or it cannot start: nothing found this way
        return None
    return path if _executable(path) else None


def find_chromium(
    *,
    env: Mapping[str, str] | None = None,
    candidates: tuple[str, ...] = (DEBIAN_CHROMIUM,),
    playwright: Callable[[], str | None] = playwright_chromium,
) -> str | None:
    env = os.environ if env is None else env
    explicit = env.get("CHROMIUM")
    if explicit:
        return explicit if _executable(explicit) else None
    for path in candidates:
        if _executable(path):
            return path
    for name in NAMES_ON_PATH:
        found = shutil.which(name, path=env.get("PATH", ""))
        if found:
            return found
    return playwright()


def can_use_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install() -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    return (
        subprocess.call(["apt-get", "update", "-qq"], **quiet) == 0
        and subprocess.call(["apt-get", "install", "-y", "-qq", "chromium"], **quiet) == 0
    )


def playwright_install() -> bool:
    return (
        subprocess.call(
            [sys.executable, "-m", "playwright", "install", "chromium"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        == 0
    )


def ensure_chromium(
    *,
    find: Callable[[], str | None] | None = None,
    apt_possible: Callable[[], bool] | None = None,
    install_with_apt: Callable[[], bool] | None = None,
    install_with_playwright: Callable[[], bool] | None = None,
    say: Callable[[str], None] = lambda line: print(f"[chromium] {line}", flush=True),
) -> str | None:
    """The Chromium executable, installing one if needed; None if that cannot be done."""
    find = find or find_chromium
    apt_possible = apt_possible or can_use_apt
    install_with_apt = install_with_apt or apt_install
    install_with_playwright = install_with_playwright or playwright_install
    path = find()
    if path:
        return path
    if apt_possible():
        say("installing Debian's chromium with apt-get")
        if install_with_apt() and (path := find()):
            return path
    say("installing Playwright's Chromium (python -m playwright install chromium)")
    if install_with_playwright() and (path := find()):
        return path
    return None


def main() -> int:
    path = ensure_chromium()
    if path is None:
        print(f"error: {HOW_TO_INSTALL}", file=sys.stderr, flush=True)
        return 1
    print(f"[chromium] browser tests use {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
