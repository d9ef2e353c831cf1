"""`{% routing_state conversation as rs %}` and `{% my_presence as p %}` for templates that
include the claim panel or the presence switch."""

from dataclasses import dataclass

from django import template
from django.utils import timezone

from routing import policies, selectors

register = template.Library()


def _membership(context):
    request = context.get("request")
    return context.get("membership") or getattr(request, "membership", None)


@register.simple_tag(takes_context=True)
def routing_state(context, conversation):
    return selectors.panel_state(conversation=conversation, membership=_membership(context))


@dataclass
class MyPresence:
    status: str
    state: str


@register.simple_tag(takes_context=True)
def my_presence(context):
    membership = _membership(context)
    if membership is None:
        return None
    presence = selectors.my_presence(membership=membership)
    if presence is None:
        return MyPresence(status="online", state=policies.STATE_OFFLINE)
    settings = selectors.routing_settings_get(workspace_id=membership.workspace_id)
    state = policies.presence_state(
        status=presence.status,
        socket_count=presence.socket_count,
        last_seen_at=presence.last_seen_at,
        idle_timeout_minutes=settings.idle_timeout_minutes,
        now=timezone.now(),
    )
    return MyPresence(status=presence.status, state=state)
