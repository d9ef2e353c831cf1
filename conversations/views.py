from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.access import get_conversation_for_member
from conversations import selectors
from conversations.models import ConversationStatus

PAGE_SIZE = 50


def inbox(request):
    status = request.GET.get("status", "open")
    if status not in ConversationStatus.values:
        status = ""
    page = Paginator(
        selectors.conversation_list(workspace=request.workspace, status=status or None), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "conversations/inbox.html",
        {"page": page, "status": status, "statuses": ConversationStatus.choices},
    )


def conversation_detail(request, pk):
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    return render(
        request,
        "conversations/conversation.html",
        {
            "conversation": conversation,
            "timeline": selectors.message_timeline(conversation=conversation),
        },
    )
