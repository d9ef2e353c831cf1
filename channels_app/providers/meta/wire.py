"""The reply policy's neutral send purpose in the Send API's words (docs/providers.md,
"Reply windows"): a standard reply is `messaging_type: RESPONSE`; the extended window's
confirmed human answer is `MESSAGE_TAG` with the `HUMAN_AGENT` tag; an essential notification
is a Utility Message (`messaging_type: UTILITY`, a template per topic)."""

from __future__ import annotations

RESPONSE = "RESPONSE"
MESSAGE_TAG = "MESSAGE_TAG"
UTILITY = "UTILITY"
HUMAN_AGENT = "HUMAN_AGENT"

# conversations.policies.Purpose value -> (messaging_type, tag)
BY_PURPOSE = {
    "": (RESPONSE, ""),
    "human_agent": (MESSAGE_TAG, HUMAN_AGENT),
    "notification": (UTILITY, ""),
}


def messaging_type_and_tag(purpose: str) -> tuple[str, str]:
    """An unknown purpose is refused rather than sent as something it may not be."""
    try:
        return BY_PURPOSE[purpose or ""]
    except KeyError:
        raise ValueError(f"no Send API form for the purpose {purpose!r}") from None
