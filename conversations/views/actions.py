"""POST side of the inbox: each view resolves the conversation inside the workspace (a foreign
id is a 404), calls one service and re-renders the pane it changed. A refusal is shown, never
swallowed: the composer re-renders with the reason (422), other actions raise a toast."""

import json

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap

from conversations import panes
from conversations.access import get_conversation_for_member
from conversations.forms import ComposerForm, NoteForm, OrderForm
from conversations.models import ConversationStatus, Message, MessageKind
from conversations.services import (
    blocking,
    comments,
    labels,
    notes,
    orders,
    outbound,
    preferences,
    read_state,
)
from conversations.services import status as status_services
from conversations.services.attachments import attachments_check, attachments_stored
from inbox_project.errors import ApplicationError

PAGE = "conversations/inbox.html"


# The comment's own buttons post "reply" / "private_reply"; a commenter's composer posts its
# mode, "public_reply" / "private_reply".
COMMENT_SERVICES = {
    "reply": comments.comment_reply_public,
    "public_reply": comments.comment_reply_public,
    "private_reply": comments.comment_reply_private,
}
COMPOSER_COMMENT_MODES = {"public_reply", "private_reply"}


def _conversation(request, pk):
    return get_conversation_for_member(workspace=request.workspace, pk=pk)


def _trigger(response, name: str, detail) -> HttpResponse:
    # json.dumps escapes non-ASCII: the header stays ASCII whatever the language.
    response["HX-Trigger"] = json.dumps({name: detail})
    return response


def _refused(request, conversation, error: ApplicationError) -> HttpResponse:
    if not request.htmx:
        flash.error(request, error.message)
        return redirect("conversation", ws=request.workspace.slug, pk=conversation.pk)
    response = reswap(HttpResponse(status=422), "none")
    return _trigger(response, "inbox:toast", {"level": "error", "message": error.message})


def _back(request, conversation, template: str, context: dict, **trigger) -> HttpResponse:
    if not request.htmx:
        return redirect("conversation", ws=request.workspace.slug, pk=conversation.pk)
    response = render(request, template, context)
    for name, detail in trigger.items():
        _trigger(response, name, detail)
    return response


def _header(request, conversation, **trigger) -> HttpResponse:
    return _back(
        request,
        conversation,
        f"{PAGE}#conversation-header",
        panes.header_context(request, conversation),
        **trigger,
    )


def _customer(request, conversation, **extra) -> HttpResponse:
    context = panes.customer_context(conversation, **extra)
    return _back(request, conversation, f"{PAGE}#customer-pane", context)


@require_POST
def conversation_send(request, pk):
    """The composer: a reply through message_send (policy and claim enforced there) or an
    internal note. The composer comes back empty, or with the reason of a refusal."""
    conversation = _conversation(request, pk)
    form = ComposerForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        if data.get("mode") == "note":
            message = notes.conversation_note_add(
                conversation=conversation, user=request.user, text=data.get("text", "")
            )
        elif data.get("mode") in COMPOSER_COMMENT_MODES:  # a commenter: answer their comment
            message = COMMENT_SERVICES[data["mode"]](
                comment=_reply_comment(request, conversation, data.get("comment")),
                author=request.user, text=data.get("text", ""),
            )  # fmt: skip
        else:
            uploads = attachments_check(files=request.FILES.getlist("files"),
                                        kind=conversation.channel_account.kind)  # fmt: skip
            with attachments_stored(workspace=request.workspace, uploads=uploads) as described:
                message = outbound.message_send(
                    conversation=conversation,
                    author=request.user,
                    text=data.get("text", ""),
                    attachments=described,
                    confirmation=bool(data.get("confirm_human_agent")),
                    purpose=data.get("purpose") or None,
                )
    except ApplicationError as error:
        if not request.htmx:
            flash.error(request, error.message)
            return redirect("conversation", ws=request.workspace.slug, pk=conversation.pk)
        context = {
            "conversation": conversation,
            **panes.composer_context(conversation, form=form, error=error.message),
        }
        return render(request, f"{PAGE}#composer", context, status=422)
    if not request.htmx:
        return redirect("conversation", ws=request.workspace.slug, pk=conversation.pk)
    conversation.refresh_from_db(fields=["last_inbound_at"])
    context = {
        "conversation": conversation,
        "sent_message": message,
        **panes.composer_context(conversation, form=form),
    }
    return render(request, f"{PAGE}#composer-sent", context)


def _reply_comment(request, conversation, comment_id) -> Message:
    comment = Message.objects.filter(
        workspace=request.workspace, pk=comment_id or 0, conversation=conversation,
        kind=MessageKind.COMMENT, direction="in",
    ).first()  # fmt: skip
    if comment is None:
        raise ApplicationError(_("This comment is gone."), code="not_comment")
    return comment


@require_POST
def conversation_read(request, pk):
    conversation = _conversation(request, pk)
    read_state.conversation_mark_read(conversation=conversation, user=request.user)
    return HttpResponse(status=204)


@require_POST
def conversation_unread(request, pk):
    conversation = _conversation(request, pk)
    read_state.conversation_mark_unread(conversation=conversation, user=request.user)
    return _header(request, conversation, **{"inbox:unread": {"conversation": conversation.pk}})


@require_POST
def conversation_follow(request, pk):
    conversation = _conversation(request, pk)
    following = read_state.conversation_follow_toggle(conversation=conversation, user=request.user)
    return _header(
        request,
        conversation,
        **{"inbox:marks": {"conversation": conversation.pk, "following": following}},
    )


@require_POST
def conversation_mute(request, pk):
    conversation = _conversation(request, pk)
    muted = read_state.conversation_mute_toggle(conversation=conversation, user=request.user)
    return _header(
        request, conversation, **{"inbox:marks": {"conversation": conversation.pk, "muted": muted}}
    )


@require_POST
def conversation_status(request, pk):
    """Close, archive, reopen (nothing is deleted)."""
    conversation = _conversation(request, pk)
    status = request.POST.get("status", "")
    try:
        status_services.conversation_status_set(
            conversation=conversation, user=request.user, status=status
        )
    except ApplicationError as error:
        return _refused(request, conversation, error)
    label = str(dict(ConversationStatus.choices).get(status, status))
    return _header(request, conversation, **{"inbox:toast": {"level": "ok", "message": label}})


@require_POST
def conversation_rating(request, pk):
    conversation = _conversation(request, pk)
    raw = request.POST.get("rating", "")
    try:
        rating = int(raw) if raw else None
        read_state.conversation_rate(conversation=conversation, user=request.user, rating=rating)
    except ValueError:
        return _refused(request, conversation, ApplicationError(_("A rating is from 1 to 5.")))
    except ApplicationError as error:
        return _refused(request, conversation, error)
    return _customer(request, conversation)


@require_POST
def conversation_label(request, pk):
    conversation = _conversation(request, pk)
    try:
        label_id = int(request.POST.get("label", ""))
        if request.POST.get("op") == "remove":
            labels.conversation_label_remove(
                conversation=conversation, user=request.user, label_id=label_id
            )
        else:
            labels.conversation_label_add(
                conversation=conversation, user=request.user, label_id=label_id
            )
    except ValueError:
        return _refused(request, conversation, ApplicationError(_("Choose a label.")))
    except ApplicationError as error:
        return _refused(request, conversation, error)
    return _header(request, conversation)


@require_POST
def conversation_order(request, pk):
    """ "Chốt đơn" from the chat."""
    conversation = _conversation(request, pk)
    form = OrderForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            flash.error(request, _("The order was not saved: check the amount."))
            return redirect("conversation", ws=request.workspace.slug, pk=conversation.pk)
        context = panes.customer_context(conversation, order_form=form)
        context["order_form_open"] = True
        return render(request, f"{PAGE}#customer-pane", context, status=422)
    try:
        orders.order_create(
            conversation=conversation,
            user=request.user,
            amount_vnd=form.cleaned_data["amount"],
            items=form.cleaned_data["items"],
            status=form.cleaned_data["status"],
            note=form.cleaned_data.get("note", ""),
        )
    except ApplicationError as error:
        return _refused(request, conversation, error)
    return _customer(request, conversation)


@require_POST
def customer_note(request, pk):
    conversation = _conversation(request, pk)
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("The note is empty."))
        notes.customer_note_add(
            conversation=conversation, user=request.user, text=form.cleaned_data["text"]
        )
    except ApplicationError as error:
        return _refused(request, conversation, error)
    return _customer(request, conversation)


@require_POST
def conversation_block(request, pk):
    conversation = _conversation(request, pk)
    try:
        if request.POST.get("blocked") == "1":
            blocking.customer_block(conversation=conversation, user=request.user)
        else:
            blocking.customer_unblock(
                customer=conversation.customer,
                user=request.user,
                reason=request.POST.get("reason", ""),
                conversation=conversation,
            )
    except ApplicationError as error:
        return _refused(request, conversation, error)
    return _customer(request, conversation)


@require_POST
def comment_action(request, pk, message_pk, action):
    """Like / hide / reply publicly / private reply on a page comment."""
    conversation = _conversation(request, pk)
    comment = (
        Message.objects.filter(
            workspace=request.workspace,
            pk=message_pk,
            conversation__customer_id=conversation.customer_id,
            kind=MessageKind.COMMENT,
        )
        .select_related("author")
        .first()
    )
    if comment is None:
        return _refused(request, conversation, ApplicationError(_("This comment is gone.")))
    try:
        if action in COMMENT_SERVICES:
            COMMENT_SERVICES[action](
                comment=comment, author=request.user, text=request.POST.get("text", "")
            )
        else:
            comment = comments.comment_moderate(comment=comment, author=request.user, action=action)
    except ApplicationError as error:
        return _refused(request, conversation, error)
    comment.refresh_from_db()
    return _back(
        request,
        conversation,
        "conversations/_rows.html#message-bubble",
        {"m": comment, "conversation": conversation},
    )


@require_POST
def message_retry(request, pk, message_pk):
    """ "Send again" on a failed reply: it goes back to pending and is queued; the bubble
    comes back showing it. A refusal (not failed, not yours, channel cannot send) is a toast."""
    conversation = _conversation(request, pk)
    message = Message.objects.filter(
        workspace=request.workspace, pk=message_pk, conversation=conversation
    ).first()
    if message is None:
        return _refused(request, conversation, ApplicationError(_("This message is gone.")))
    try:
        message = outbound.message_retry(message=message, user=request.user)
    except ApplicationError as error:
        return _refused(request, conversation, error)
    return _back(request, conversation, "conversations/_rows.html#message-bubble",
                 {"m": message, "conversation": conversation})  # fmt: skip


@require_POST
def sound_toggle(request):
    preferences.user_sound_set(user=request.user, enabled=request.POST.get("enabled") == "1")
    if not request.htmx:
        return redirect("inbox", ws=request.workspace.slug)
    response = render(request, f"{PAGE}#sound-toggle", {})
    return _trigger(response, "inbox:sound", {"enabled": request.user.sound_enabled})
