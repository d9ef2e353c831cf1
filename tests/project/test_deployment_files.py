"""The deployment files say what the code needs."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def settings_variables() -> set[str]:
    source = (ROOT / "inbox_project" / "settings.py").read_text()
    pattern = (
        r'(?:os\.environ\.get|os\.environ\[|env_bool|env_list|env_int)\(?\s*"([A-Z][A-Z0-9_]+)"'
    )
    return set(re.findall(pattern, source))


def test_every_setting_variable_is_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = settings_variables() - documented
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_compose_runs_every_role_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("postgres", "redis", "web", "beat"):
        assert "healthcheck" in services[name], name
    workers = [s for s in services.values() if "worker" in " ".join(map(str, s.get("command", [])))]
    queues = ",".join(
        s["command"][s["command"].index("-Q") + 1] for s in workers if "-Q" in s["command"]
    )
    from inbox_project.celery import app

    routed = {route["queue"] for route in app.conf.task_routes.values()}
    for queue in routed | {"celery"}:
        assert queue in queues.split(","), f"no worker consumes {queue}"
    assert all("healthcheck" in s for s in workers)


def test_healthz_reports_database_and_redis(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "pages": "ok"}


def test_healthz_is_down_when_pages_cannot_render(client, db, tmp_path):
    """Production serves static files through their manifest: without one, every page is a
    500, and the health check must say so instead of staying green."""
    production_storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=production_storage, STATIC_ROOT=tmp_path, DEBUG=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()
    assert checks["database"] == "ok" and checks["redis"] == "ok"
    assert checks["pages"].startswith("error: ValueError") and "manifest" in checks["pages"]


def test_dockerfile_collects_static_with_production_settings():
    """DEBUG on writes no staticfiles.json, and DEBUG off needs it: collect with DEBUG off."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    collect = next(chunk for chunk in dockerfile.split("\nRUN ") if "collectstatic" in chunk)
    assert "DJANGO_DEBUG=0" in collect and "DJANGO_DEBUG=1" not in dockerfile
    assert "staticfiles.json" in collect  # the build fails without the manifest
    assert ".env" in (ROOT / ".dockerignore").read_text().split()  # no development .env inside


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_config_is_valid():
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 60, "CREDENTIAL_KEYS": "k"}
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
