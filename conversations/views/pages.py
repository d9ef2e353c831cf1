"""GET side of the inbox: the page (every URL is shareable and reloadable) and its partials."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from conversations import panes
from conversations.access import get_conversation_for_member
from conversations.presenters import present_rows
from conversations.selectors import counts as count_selectors
from conversations.selectors import customers as customer_selectors
from conversations.selectors import rows as row_selectors
from conversations.selectors.marks import agent_muted_and_followed_ids, quick_reply_list
from conversations.selectors.timeline import (
    TIMELINE_PAGE_SIZE,
    message_for_conversation,
    message_timeline,
)
from conversations.services import read_state

PAGE = "conversations/inbox.html"


def _wants(request, target: str) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


@require_GET
def inbox(request, pk=None):
    """The three panes; with `pk` the conversation is open. htmx asks for one pane only."""
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk) if pk else None
    if conversation is not None:
        read_state.conversation_mark_read(conversation=conversation, user=request.user)
    if conversation is not None and _wants(request, "conversation-pane"):
        context = panes.conversation_pane_context(request, conversation)
        return render(request, f"{PAGE}#conversation-swap", context)
    context = panes.list_pane_context(request)
    if conversation is not None:
        context.update(panes.conversation_pane_context(request, conversation))
    # For the composer of any conversation opened later in this page, not only this one.
    context["quick_replies"] = quick_reply_list(workspace=request.workspace)
    context["agent_marks"] = agent_muted_and_followed_ids(
        workspace=request.workspace, user=request.user
    )
    return render(request, PAGE, context)


@require_GET
def inbox_list(request):
    """Rows for the filters in the query string; with `cursor` the next page (infinite scroll)."""
    cursor = request.GET.get("cursor")
    context = panes.list_context(request, cursor=cursor)
    if cursor:
        return render(request, f"{PAGE}#conv-rows", context)
    context["counts"] = count_selectors.inbox_counts(workspace=request.workspace, user=request.user)
    return render(request, f"{PAGE}#list-swap", context)


@require_GET
def inbox_counts(request):
    counts = count_selectors.inbox_counts(workspace=request.workspace, user=request.user)
    return render(request, f"{PAGE}#list-counts", {"counts": counts})


@require_GET
def conversation_row(request, pk):
    row = row_selectors.conversation_row(workspace=request.workspace, pk=pk, user=request.user)
    if row is None:
        raise Http404
    present_rows([row], workspace=request.workspace)
    return render(request, "conversations/_rows.html#conv-row", {"c": row})


@require_GET
def conversation_timeline(request, pk):
    """`?after=<id>`: what this browser missed; `?before=<id>`: an older page."""
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    after = _int(request.GET.get("after"))
    before = _int(request.GET.get("before"))
    timeline = message_timeline(
        conversation=conversation,
        after=after,
        before=before,
        limit=200 if after is not None else TIMELINE_PAGE_SIZE,
    )
    return render(
        request,
        "conversations/_rows.html#timeline-items",
        {
            "conversation": conversation,
            "timeline": timeline,
            "has_older": before is not None and len(timeline) >= TIMELINE_PAGE_SIZE,
            "paging_back": before is not None,
        },
    )


@require_GET
def conversation_message(request, pk, message_pk):
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    message = message_for_conversation(conversation=conversation, pk=message_pk)
    if message is None:
        raise Http404
    return render(request, "conversations/_rows.html#message-bubble", {"m": message})


@require_GET
def conversation_header(request, pk):
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    return render(
        request, f"{PAGE}#conversation-header", panes.header_context(request, conversation)
    )


@require_GET
def conversation_composer(request, pk):
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    context = {"conversation": conversation, **panes.composer_context(conversation)}
    return render(request, f"{PAGE}#composer", context)


@require_GET
def customer_pane(request, pk):
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    return render(request, f"{PAGE}#customer-pane", panes.customer_context(conversation))


@require_GET
def my_customers(request):
    """ "My customers": this agent's conversations, latest interaction first."""
    rows = customer_selectors.my_customers(workspace=request.workspace, user=request.user)
    rows = present_rows(list(rows), workspace=request.workspace)
    return render(request, "conversations/my_customers.html", {"rows": rows})


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
