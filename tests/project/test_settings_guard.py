"""Settings refuse to run production with development secrets, and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-" + "q" * 30,
    "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "inbox.example.vn",
    "CSRF_TRUSTED_ORIGINS": "https://inbox.example.vn",
}


def run_manage(*args, **env):
    # The product's settings (manage.py's default), not the suite's with devtools forced on.
    suite_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_DEVTOOLS"}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in suite_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_debug_off_with_the_development_key():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_refuses_debug_off_without_credential_keys():
    env = {**PRODUCTION}
    del env["CREDENTIAL_KEYS"]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "CREDENTIAL_KEYS" in result.stderr


def test_production_settings_pass_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
