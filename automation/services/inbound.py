"""What automation does with customers' messages once they are committed: phone capture,
then the rules. Each message is handled on its own: one that breaks is logged and costs
the others nothing (the customer's message itself is already stored and pushed)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.core.cache import cache

from automation import models
from automation.models import rules_version_key
from automation.services import capture, followups, rules
from conversations.models import Direction, Message

log = logging.getLogger(__name__)

# Rule evaluation times (seconds) of this process, for bench/ingest.py; kept short.
EVALUATION_SECONDS: list[float] = []
_KEEP = 20000


def messages_process(*, message_ids: Iterable[int]) -> None:
    ids = list(message_ids)
    if not ids:
        return
    messages = list(
        Message.objects.filter(pk__in=ids, direction=Direction.IN, is_automated=False)
        .select_related("conversation__customer", "conversation__channel_account",
                        "conversation__workspace")
        .order_by("pk")
    )  # fmt: skip
    if not messages:
        return
    workspace_id = messages[0].workspace_id
    # One cache round trip: the rules' version and whether follow-ups were ever started.
    rules_key, followups_key = rules_version_key(workspace_id), models.followups_key(workspace_id)
    flags = cache.get_many([rules_key, followups_key])
    if followups_key in flags:
        # The customer wrote: their follow-ups stop (before a rule may start one again).
        followups.followups_cancel(conversation_ids={m.conversation_id for m in messages},
                                   reason="customer_wrote", now=messages[-1].sent_at)  # fmt: skip
    for message in messages:
        if any(ch.isdigit() for ch in message.text):
            try:
                capture.capture_message(message)
            except Exception:
                log.exception("phone capture failed on message %s", message.pk)
    specs = rules.active_specs(workspace_id=workspace_id, triggers=rules.MESSAGE_TRIGGERS,
                               version=flags.get(rules_key))  # fmt: skip
    if not specs:
        return
    for message in messages:
        started = time.perf_counter()
        try:
            rules.message_rules_run(message=message, specs=specs)
        except Exception:
            log.exception("automation rules failed on message %s", message.pk)
        finally:
            if len(EVALUATION_SECONDS) < _KEEP:
                EVALUATION_SECONDS.append(time.perf_counter() - started)
