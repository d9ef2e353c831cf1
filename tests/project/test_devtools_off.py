"""Production neither installs nor routes the development tooling: with DJANGO_DEBUG=0 and no
DJANGO_DEVTOOLS, nothing of `devtools` is an app, a URL, a management command or even an
imported module once Django is set up and every URL is resolved. DJANGO_DEVTOOLS=1 turns it
on whatever DEBUG says (bench/ingest.py runs DEBUG off with the bench endpoint), and
development (DEBUG on) has it by default. Each configuration loads in a process of its own,
the way manage.py and uvicorn load the settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "inbox_project.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-" + "q" * 30,
    "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "inbox.example.vn",
}

# Sets Django up, imports the URLconf and every view it routes, lists the management commands,
# and reports what of it all belongs to devtools.
# The checkout's .env is not read: the image has none (.dockerignore), and a development one
# would fill in DJANGO_DEVTOOLS=1.
REPORT = """
import json, sys
import dotenv
dotenv.load_dotenv = lambda *args, **kwargs: False
import django
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, Resolver404

django.setup()


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield "urlconf", str(getattr(pattern.urlconf_module, "__name__", pattern.urlconf_name))
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield "view", pattern.lookup_str
            yield "route", prefix + str(pattern.pattern)


from django.core.management import get_commands
from django.apps import apps

resolver = get_resolver()
found = list(walk(resolver.url_patterns))
try:
    bench = resolve("/_bench/insert/").func.__module__
except Resolver404:
    bench = None
print(json.dumps({
    "root_urlconf": settings.ROOT_URLCONF,
    "installed_apps": list(settings.INSTALLED_APPS),
    "app_modules": [config.name for config in apps.get_app_configs()],
    "urlconfs": [name for kind, name in found if kind == "urlconf"] + [resolver.urlconf_name],
    "views": [name for kind, name in found if kind == "view"],
    "routes": [name for kind, name in found if kind == "route"],
    "commands": {name: app for name, app in get_commands().items()},
    "bench_view": bench,
    "modules": sorted(name for name in sys.modules if name.split(".")[0] == "devtools"),
}))
"""


def settings_report(**variables: str) -> dict:
    """What Django loads under exactly these variables (nothing inherited from the suite or
    read from a .env)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **variables}
    result = subprocess.run(
        [sys.executable, "-c", REPORT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def devtools_parts(report: dict) -> dict:
    def of_devtools(name: str) -> bool:
        return name == "devtools" or name.startswith("devtools.")

    return {
        "installed_apps": [a for a in report["installed_apps"] if of_devtools(a)],
        "app_modules": [a for a in report["app_modules"] if of_devtools(a)],
        "urlconfs": [u for u in report["urlconfs"] if of_devtools(u)],
        "views": [v for v in report["views"] if of_devtools(v)],
        "commands": sorted(c for c, app in report["commands"].items() if of_devtools(app)),
        "modules": report["modules"],
    }


def test_production_installs_and_routes_nothing_of_devtools():
    report = settings_report(**PRODUCTION)
    assert report["root_urlconf"] == "web.urls"
    assert devtools_parts(report) == {
        "installed_apps": [], "app_modules": [], "urlconfs": [], "views": [], "commands": [],
        "modules": [],
    }  # fmt: skip
    assert report["bench_view"] is None
    assert not any("_bench" in route for route in report["routes"])
    for command in ("seed_demo", "simulate", "provider_standin"):
        assert command not in report["commands"], command
    # The product itself is all there.
    assert {"accounts", "channels_app", "conversations", "routing"} <= set(report["app_modules"])
    assert "channels_app.views.webhook" in report["views"]


def test_devtools_on_in_production_mode_when_asked_for():
    """What bench/ingest.py runs: DEBUG off, the bench endpoint routed."""
    report = settings_report(**PRODUCTION, DJANGO_DEVTOOLS="1")
    assert report["root_urlconf"] == "devtools.urls"
    parts = devtools_parts(report)
    assert parts["installed_apps"] == ["devtools"]
    assert parts["commands"] == ["provider_standin", "seed_demo", "simulate"]
    assert report["bench_view"] == "devtools.views"
    assert "channels_app.views.webhook" in report["views"]  # the product's routes stay


def test_development_has_devtools_by_default_and_can_turn_it_off():
    development = {"DJANGO_SETTINGS_MODULE": "inbox_project.settings", "DJANGO_DEBUG": "1"}
    on = settings_report(**development)
    assert on["root_urlconf"] == "devtools.urls"
    assert "devtools" in on["installed_apps"] and on["bench_view"] == "devtools.views"

    off = settings_report(**development, DJANGO_DEVTOOLS="0")
    assert off["root_urlconf"] == "web.urls"
    assert devtools_parts(off)["installed_apps"] == [] and off["bench_view"] is None
