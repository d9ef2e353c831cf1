"""Removing a member (after a confirmation that says what happens to their customers) and
reinstating a removed one. Admins only; owners are guarded by the account services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import get_for_workspace, require_admin
from accounts.models import Membership
from inbox_project.errors import ApplicationError
from routing import member_removal


@require_admin
def member_remove(request, pk):
    target = get_for_workspace(
        Membership.objects.select_related("user"),
        workspace=request.workspace,
        pk=pk,
        is_active=True,
    )
    if request.method == "POST":
        try:
            released = member_removal.member_remove(actor=request.membership, membership=target)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(name)s was removed; %(count)d open conversation went back to the queue.",
                    "%(name)s was removed; %(count)d open conversations went back to the queue.",
                    len(released),
                )
                % {"name": target.user.display_name, "count": len(released)},
            )
        return redirect("members", ws=request.workspace.slug)
    preview = member_removal.removal_preview(membership=target)
    return render(request, "routing/member_remove.html", {"target": target, "preview": preview})


@require_admin
def member_reinstate(request, pk):
    if request.method != "POST":
        return redirect("members", ws=request.workspace.slug)
    target = get_for_workspace(
        Membership.objects.select_related("user"),
        workspace=request.workspace,
        pk=pk,
        is_active=False,
    )
    try:
        outcome = member_removal.member_reinstate(actor=request.membership, membership=target)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        text = _("%(name)s is a member again.") % {"name": target.user.display_name}
        if outcome.returned:
            text += " " + ngettext(
                "%(count)d conversation that was still waiting went back to them.",
                "%(count)d conversations that were still waiting went back to them.",
                outcome.returned,
            ) % {"count": outcome.returned}
        if outcome.kept_by_others:
            text += " " + ngettext(
                "%(count)d conversation stays with whoever took it or was closed meanwhile.",
                "%(count)d conversations stay with whoever took them or were closed meanwhile.",
                outcome.kept_by_others,
            ) % {"count": outcome.kept_by_others}
        messages.success(request, text)
    return redirect("members", ws=request.workspace.slug)
