"""`{% viewer_controls conversation as vc %}`: what the current member is offered on it."""

from django import template

from conversations.permissions import viewer_controls as controls_for

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer_controls(context, conversation):
    request = context.get("request")
    membership = context.get("membership") or getattr(request, "membership", None)
    return controls_for(assignee_id=conversation.assignee_id, membership=membership)
