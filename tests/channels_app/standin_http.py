"""Talking to the Graph API stand-in and reading the real test broker, for the profile, media
and subscription tests (nothing of our own stack is mocked)."""

from __future__ import annotations

import base64
import json
import urllib.request

from tests.channels_app.test_delivery import fail_next, sent  # noqa: F401  (re-exported)


def origin(graph) -> str:
    host, port = graph.server_address[:2]
    return f"http://{host}:{port}"


def reads(graph) -> list[dict]:
    with urllib.request.urlopen(f"{origin(graph)}/_reads") as response:
        return json.load(response)["data"]


def graph_call(graph, method: str, path: str, *, token: str = "token-1001") -> dict:
    """A Graph call as Meta (or a page admin) would make it, e.g. DELETE subscribed_apps."""
    request = urllib.request.Request(
        f"{origin(graph)}/v23.0/{path.lstrip('/')}", method=method,
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def media_url(graph, kind: str, name: str = "photo.png") -> str:
    return f"{origin(graph)}/_media/{kind}/{name}"


def broker_client():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


ENRICH_QUEUE = "enrich"  # where inbox_project.celery routes profile, media and subscription tasks


def purge_default_queue() -> None:
    broker_client().delete("celery", ENRICH_QUEUE)


def queued(task: str) -> list[tuple[list, dict]]:
    """(args, headers) of the `task` messages waiting in the real Redis `enrich` queue."""
    found = []
    for raw in broker_client().lrange(ENRICH_QUEUE, 0, -1):
        message = json.loads(raw)
        headers = message.get("headers") or {}
        if headers.get("task") != task:
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((args, headers))
    return found
