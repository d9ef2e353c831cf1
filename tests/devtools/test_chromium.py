"""`make test` finds Chromium, installs one, or says in one line what to install."""

import os
import subprocess
import sys
from pathlib import Path

from devtools.chromium import HOW_TO_INSTALL, ensure_chromium, find_chromium

ROOT = Path(__file__).resolve().parents[2]


def fake_executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def no_playwright():
    return None


def test_found_on_path_when_debian_path_is_missing(tmp_path):
    fake = fake_executable(tmp_path / "bin", "chromium")
    env = {"PATH": f"{tmp_path / 'empty'}:{tmp_path / 'bin'}"}
    found = find_chromium(env=env, candidates=(str(tmp_path / "nope"),), playwright=no_playwright)
    assert found == str(fake)


def test_debian_path_comes_first_then_playwright_last(tmp_path):
    debian = fake_executable(tmp_path / "usr", "chromium")
    on_path = fake_executable(tmp_path / "bin", "chromium-browser")
    env = {"PATH": str(tmp_path / "bin")}
    assert find_chromium(env=env, candidates=(str(debian),), playwright=no_playwright) == str(
        debian
    )
    assert find_chromium(env=env, candidates=(), playwright=no_playwright) == str(on_path)
    own = str(fake_executable(tmp_path / "ms-playwright", "chrome"))
    assert find_chromium(env={"PATH": ""}, candidates=(), playwright=lambda: own) == own


def test_not_found_without_chromium_anywhere(tmp_path):
    (tmp_path / "bin").mkdir()
    fake_executable(tmp_path / "bin", "chromium.txt")
    not_executable = tmp_path / "bin" / "chromium"
    not_executable.write_text("")  # present but not executable
    env = {"PATH": str(tmp_path / "bin")}
    assert find_chromium(env=env, candidates=(), playwright=no_playwright) is None


def test_explicit_chromium_variable_wins_and_must_exist(tmp_path):
    fake = fake_executable(tmp_path, "my-chrome")
    assert find_chromium(env={"CHROMIUM": str(fake)}) == str(fake)
    assert find_chromium(env={"CHROMIUM": str(tmp_path / "missing")}) is None


def test_installs_with_apt_as_root_else_with_playwright():
    state = {"installed": False, "calls": []}

    def find():
        return "/opt/chromium" if state["installed"] else None

    def installer(name, works):
        def install():
            state["calls"].append(name)
            state["installed"] = works
            return works

        return install

    said = []
    path = ensure_chromium(
        find=find, apt_possible=lambda: True, install_with_apt=installer("apt", True),
        install_with_playwright=installer("playwright", True), say=said.append,
    )  # fmt: skip
    assert path == "/opt/chromium" and state["calls"] == ["apt"]

    state.update(installed=False, calls=[])
    path = ensure_chromium(
        find=find, apt_possible=lambda: False, install_with_apt=installer("apt", True),
        install_with_playwright=installer("playwright", True), say=said.append,
    )  # fmt: skip
    assert path == "/opt/chromium" and state["calls"] == ["playwright"]

    state.update(installed=False, calls=[])
    path = ensure_chromium(
        find=find, apt_possible=lambda: True, install_with_apt=installer("apt", False),
        install_with_playwright=installer("playwright", False), say=said.append,
    )  # fmt: skip
    assert path is None and state["calls"] == ["apt", "playwright"]


def test_cli_fails_with_one_line_when_nothing_can_be_installed(tmp_path):
    """A user without root and a Playwright that cannot download: one line, exit 1."""
    script = (
        "import sys, devtools.chromium as c\n"
        "c.find_chromium = lambda: None\n"
        "c.can_use_apt = lambda: False\n"
        "c.playwright_install = lambda: False\n"
        "sys.exit(c.main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {HOW_TO_INSTALL}"]


def test_cli_names_the_chromium_it_found():
    result = subprocess.run(
        [sys.executable, "-m", "devtools.chromium"], cwd=ROOT, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("[chromium] browser tests use /")
