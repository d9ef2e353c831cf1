"""Template context of the three panes, shared by the page and its partials so a pane
fetched alone renders exactly like the same pane inside the page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import policies, reply_limits
from conversations.channels import channel_accounts_of
from conversations.filter_summary import active_filter_names
from conversations.forms import (
    ASSIGN_CHOICES,
    OUTCOME_CHOICES,
    PHONE_CHOICES,
    RATING_CHOICES,
    READ_CHOICES,
    STATUS_CHOICES,
    ComposerForm,
    InboxFilterForm,
    OrderForm,
    active_filter_count,
    filters_query,
)
from conversations.models import Conversation, Label, OrderStatus
from conversations.presenters import present_rows
from conversations.selectors.counts import inbox_counts
from conversations.selectors.customers import customer_panel
from conversations.selectors.labels import conversation_labels
from conversations.selectors.marks import agent_marks
from conversations.selectors.rows import ListPage, conversation_list_page
from conversations.selectors.timeline import (
    TIMELINE_PAGE_SIZE,
    conversation_reply_comment,
    customer_commented,
    message_timeline,
    replies_since_inbound,
)
from conversations.vietnamese_order import by_vietnamese_name


def list_context(request, *, cursor: str | None = None) -> dict:
    form = InboxFilterForm(request.GET)
    filters = form.filters()
    errors = form.error_messages()
    if errors:  # said to the agent, instead of an empty or half-filtered list
        page = ListPage(rows=[], next_cursor=None)
    else:
        page = conversation_list_page(
            workspace=request.workspace, user=request.user, filters=filters, cursor=cursor
        )
    query = filters_query(filters)
    return {
        "filters": filters,
        "filter_errors": errors,
        "active_filters": []
        if cursor
        else active_filter_names(workspace=request.workspace, filters=filters),
        "more_filters_count": active_filter_count(filters),
        "filter_query": query,
        "page": page,
        "rows": present_rows(page.rows, workspace=request.workspace),
        "more_url": (
            reverse("inbox_list", kwargs={"ws": request.workspace.slug})
            + f"?{query}{'&' if query else ''}cursor={page.next_cursor}"
            if page.next_cursor
            else ""
        ),
    }


def _filter_names(workspace, filters) -> list[str]:
    channel_name = ""
    if filters.channel:
        account = channel_accounts_of(workspace_id=workspace.pk).filter(pk=filters.channel).first()
        channel_name = account.display_name if account else ""
    return active_filter_names(workspace=workspace, filters=filters, channel_name=channel_name)


def list_pane_context(request) -> dict:
    context = list_context(request)
    workspace = request.workspace
    context.update(
        {
            "counts": inbox_counts(workspace=workspace, user=request.user),
            "channel_accounts": list(
                channel_accounts_of(workspace_id=workspace.pk)
                .only("id", "kind", "display_name")
                .order_by("kind", "display_name")
            ),
            "filter_labels": by_vietnamese_name(
                Label.objects.filter(workspace=workspace, deleted_at__isnull=True).select_related(
                    "channel_account"
                )
            ),
            "choices": {
                "assign": ASSIGN_CHOICES,
                "status": STATUS_CHOICES,
                "outcome": OUTCOME_CHOICES,
                "phone": PHONE_CHOICES,
                "read": READ_CHOICES,
                "rating": RATING_CHOICES,
            },
        }
    )
    return context


def composer_context(
    conversation: Conversation, *, form: ComposerForm | None = None, error: str = ""
) -> dict:
    now = timezone.now()
    comment = None  # a commenter's composer answers their newest comment
    if policies.needs_comment_lookup(kind=conversation.channel_account.kind,
                                     last_inbound_at=conversation.last_inbound_at):  # fmt: skip
        comment = conversation_reply_comment(conversation=conversation)
    commented = comment is not None or (
        policies.needs_comment_lookup(kind=conversation.channel_account.kind,
                                      last_inbound_at=conversation.last_inbound_at)
        and customer_commented(conversation=conversation)
    )  # fmt: skip
    account = conversation.channel_account
    replies_used = (
        replies_since_inbound(conversation=conversation)
        if policies.counts_free_replies(account.kind, account.settings) else 0
    )  # fmt: skip
    window = policies.reply_window_state(
        conversation, now, commented=commented, replies_used=replies_used
    )
    private_refusal = None
    if comment is not None:
        private_refusal = policies.private_reply_refusal(
            comment_created_at=comment.sent_at, now=now,
            already_replied=bool(comment.meta.get("private_reply_message_id")),
        )  # fmt: skip
    data = form.data if form is not None and form.is_bound else {}
    mode = data.get("mode") or ""
    if window.phase == policies.Phase.COMMENTS and mode not in {"note", "public_reply",
                                                                "private_reply"}:  # fmt: skip
        mode = "public_reply" if private_refusal else "private_reply"
    if mode == "private_reply" and private_refusal:
        mode = "public_reply"
    return {
        "window": window,
        "phase": str(window.phase),
        "reply_comment": comment,
        "private_reply_refusal": private_refusal,
        "purposes": list(window.purposes.items()),
        "composer_mode": mode or "reply",
        "composer_text": data.get("text", "") if error else "",
        "composer_confirmed": bool(data.get("confirm_human_agent")),
        "composer_purpose": data.get("purpose", ""),
        "composer_error": error,
        "customer_blocked": conversation.customer.is_blocked,
        "composer_accept": reply_limits.picker_accept(account.kind),
    }


def header_context(request, conversation: Conversation) -> dict:
    current, available = conversation_labels(conversation=conversation)
    return {
        "conversation": conversation,
        "labels_on": current,
        "labels_available": available,
        # The picker says which set a label comes from: a page and the workspace may both
        # have a "Đã chốt".
        "label_groups": label_groups(conversation, available),
        "marks": agent_marks(conversation=conversation, user=request.user),
    }


def label_groups(conversation: Conversation, labels: list[Label]) -> list[tuple[str, list]]:
    page = [label for label in labels if label.channel_account_id]
    everywhere = [label for label in labels if not label.channel_account_id]
    groups = [(conversation.channel_account.display_name, page), (_("Every page"), everywhere)]
    return [(heading, group) for heading, group in groups if group]


def timeline_context(conversation: Conversation) -> dict:
    timeline = message_timeline(conversation=conversation)
    return {
        "timeline": timeline,
        "has_older": len(timeline) >= TIMELINE_PAGE_SIZE,
    }


def conversation_pane_context(request, conversation: Conversation) -> dict:
    context = {"conversation": conversation}
    context.update(header_context(request, conversation))
    context.update(timeline_context(conversation))
    context.update(composer_context(conversation))
    context.update(customer_context(conversation))
    return context


def customer_context(conversation: Conversation, *, order_form: OrderForm | None = None) -> dict:
    return {
        "conversation": conversation,
        "panel": customer_panel(conversation=conversation),
        "order_form": order_form or OrderForm(initial={"status": OrderStatus.CLOSED}),
        "order_statuses": OrderStatus.choices,
    }
