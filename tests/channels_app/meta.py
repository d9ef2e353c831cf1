"""Helpers for Meta webhook tests: fixtures, signing, posting, processing."""

from __future__ import annotations

import json
from pathlib import Path

from django.urls import reverse

from channels_app.models import WebhookEvent
from channels_app.providers.meta.signature import sign
from channels_app.services import ingest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SECRET = "test-meta-app-secret"
APP_ID = "100000000000001"


def fixture(kind: str, name: str) -> dict:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text())


def encode(data: dict) -> bytes:
    """Like Meta: unicode escaped (\\u00e4), so the signature covers ASCII bytes."""
    return json.dumps(data).encode()


def webhook_url(account) -> str:
    return reverse("webhook", kwargs={"kind": account.kind, "key": account.webhook_key})


def post(client, account, body: bytes, *, signature: str | None = "valid", secret: str = SECRET):
    headers = {}
    if signature == "valid":
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(secret, body)
    elif signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post(webhook_url(account), data=body, content_type="application/json", **headers)


def process_pending() -> list[str]:
    """Run the processing service for every pending event, oldest first (what the worker does)."""
    results = []
    for pk, workspace_id in (
        WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING)
        .order_by("received_at", "pk")
        .values_list("pk", "workspace_id")
    ):
        results.append(ingest.webhook_event_process(workspace_id=workspace_id, event_id=pk))
    return results


def deliver(client, account, data: dict) -> list[str]:
    response = post(client, account, encode(data))
    assert response.status_code == 200, response.content
    return process_pending()
