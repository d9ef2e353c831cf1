"""Inbox settings an agent team needs daily: label sets per fanpage, quick replies and the
blacklist. Changing them is an admin's job; everyone may look."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_workspace, require_admin
from conversations.access import get_channel_account_for_member
from conversations.forms import LabelForm
from conversations.models import Customer, Label, QuickReply
from conversations.selectors import customers as customer_selectors
from conversations.selectors.labels import label_sets
from conversations.selectors.marks import quick_reply_list
from conversations.services import blocking, labels, quick_replies
from inbox_project.errors import ApplicationError


def label_settings(request):
    form = LabelForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.is_admin:
            flash.error(request, _("Only admins change labels."))
        elif form.is_valid():
            channel = form.cleaned_data.get("channel")
            account = (
                get_channel_account_for_member(workspace=request.workspace, pk=channel)
                if channel
                else None
            )
            try:
                labels.label_create(
                    workspace=request.workspace,
                    channel_account=account,
                    name=form.cleaned_data["name"],
                    color=form.cleaned_data.get("color") or "#64748b",
                )
            except ApplicationError as error:
                flash.error(request, error.message)
            else:
                flash.success(request, _("Label added."))
        return redirect(_labels_url(request, form.data.get("channel")))
    accounts, sets = label_sets(workspace=request.workspace)
    current = request.GET.get("channel") or ""
    chosen = next((a for a in accounts if str(a.pk) == current), None)
    return render(
        request,
        "conversations/labels.html",
        {
            "accounts": accounts,
            "chosen": chosen,
            "labels": sets.get(chosen.pk if chosen else None, []),
        },
    )


def _labels_url(request, channel) -> str:
    from django.urls import reverse

    url = reverse("label_settings", kwargs={"ws": request.workspace.slug})
    return f"{url}?channel={channel}" if channel else url


@require_admin
@require_POST
def label_update(request, pk):
    """Hide, show or delete one label; deleting keeps every conversation's history."""
    label = get_for_workspace(Label, workspace=request.workspace, pk=pk, deleted_at__isnull=True)
    op = request.POST.get("op")
    if op == "delete":
        labels.label_delete(label=label)
        flash.success(request, _("Label “%(name)s” deleted.") % {"name": label.name})
    elif op in {"hide", "show"}:
        labels.label_set_hidden(label=label, hidden=op == "hide")
    return redirect(_labels_url(request, label.channel_account_id))


@require_admin
@require_POST
def labels_copy(request):
    channel = request.POST.get("channel")
    account = (
        get_channel_account_for_member(workspace=request.workspace, pk=channel) if channel else None
    )
    created = labels.label_set_copy(
        workspace=request.workspace, source_channel_account=account, actor=request.user
    )
    flash.success(request, _("%(n)s labels copied to the other pages.") % {"n": created})
    return redirect(_labels_url(request, channel))


def blocked_customers(request):
    return render(
        request,
        "conversations/blocked.html",
        {"customers": customer_selectors.blocked_customers(workspace=request.workspace)},
    )


@require_admin
@require_POST
def customer_unblock(request, pk):
    customer = get_for_workspace(Customer, workspace=request.workspace, pk=pk)
    try:
        blocking.customer_unblock(
            customer=customer, user=request.user, reason=request.POST.get("reason", "")
        )
    except ApplicationError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("%(name)s is unblocked.") % {"name": customer.name or "#"})
    return redirect("blocked_customers", ws=request.workspace.slug)


def quick_reply_settings(request):
    return render(
        request,
        "conversations/quick_replies.html",
        {
            "quick_replies": quick_reply_list(workspace=request.workspace, limit=None),
            "text_max": quick_replies.TEXT_MAX_CHARS,
            "shortcut_max": quick_replies.SHORTCUT_MAX_CHARS,
        },
    )


@require_admin
@require_POST
def quick_reply_create(request):
    try:
        reply = quick_replies.quick_reply_create(
            workspace=request.workspace,
            shortcut=request.POST.get("shortcut", ""),
            text=request.POST.get("text", ""),
        )
    except ApplicationError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("Quick reply /%(shortcut)s added.") % {"shortcut": reply.shortcut})
    return redirect("quick_reply_settings", ws=request.workspace.slug)


@require_admin
@require_POST
def quick_reply_update(request, pk):
    """Save or delete one quick reply (`op`)."""
    reply = get_for_workspace(QuickReply, workspace=request.workspace, pk=pk)
    if request.POST.get("op") == "delete":
        quick_replies.quick_reply_delete(quick_reply=reply)
        flash.success(
            request, _("Quick reply /%(shortcut)s deleted.") % {"shortcut": reply.shortcut}
        )
        return redirect("quick_reply_settings", ws=request.workspace.slug)
    try:
        quick_replies.quick_reply_update(
            quick_reply=reply,
            shortcut=request.POST.get("shortcut", ""),
            text=request.POST.get("text", ""),
        )
    except ApplicationError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("Quick reply saved."))
    return redirect("quick_reply_settings", ws=request.workspace.slug)
