"""The deployment files say what the code needs."""

import re
from pathlib import Path

import yaml

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
    assert response.json() == {"database": "ok", "redis": "ok"}
