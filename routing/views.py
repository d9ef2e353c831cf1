"""Thin HTTP views: claim / release / transfer / assign / close / reopen answer with the claim
panel (htmx) or redirect back; the settings page is for admins."""

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_for_workspace, require_admin
from accounts.models import Membership
from conversations.access import get_channel_account_for_member, get_conversation_for_member
from conversations.services import status as conversation_status
from inbox_project.errors import ApplicationError
from routing import selectors, services
from routing.forms import AssignForm, PresenceForm, RoutingSettingsForm, TransferForm


def _member_user(request, raw_id):
    """A user id from a form, resolved inside the current workspace (foreign: 404)."""
    return get_for_workspace(
        Membership.objects.select_related("user"),
        workspace=request.workspace,
        user_id=raw_id,
        is_active=True,
    ).user


def _back(request, fallback: str):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


def _panel(request, pk: int, *, error: ApplicationError | None = None, done: str = ""):
    """The refreshed claim panel (htmx) or a redirect back with a message."""
    conversation = get_conversation_for_member(workspace=request.workspace, pk=pk)
    if request.htmx:
        response = render(
            request,
            "routing/_claim_panel.html",
            {"conversation": conversation, "routing_error": error.message if error else ""},
        )
        if error:
            response["HX-Trigger"] = json.dumps(
                {"routing-refused": {"code": error.code, "message": error.message}}
            )
        return response
    if error:
        messages.error(request, error.message)
    elif done:
        messages.success(request, done)
    fallback = reverse("conversation", kwargs={"ws": request.workspace.slug, "pk": pk})
    return redirect(_back(request, fallback))


def _act(request, pk: int, action, done: str = ""):
    get_conversation_for_member(workspace=request.workspace, pk=pk)  # a foreign id is a 404
    try:
        action()
    except ApplicationError as error:
        return _panel(request, pk, error=error)
    return _panel(request, pk, done=done)


@require_GET
def claim_panel(request, pk):
    return render(
        request,
        "routing/_claim_panel.html",
        {"conversation": get_conversation_for_member(workspace=request.workspace, pk=pk)},
    )


@require_POST
def claim(request, pk):
    return _act(
        request,
        pk,
        lambda: services.conversation_claim(
            conversation_id=pk, user=request.user, workspace=request.workspace
        ),
    )


@require_POST
def release(request, pk):
    return _act(
        request,
        pk,
        lambda: services.conversation_release(
            conversation_id=pk, user=request.user, workspace=request.workspace
        ),
        _("The customer is back in the pool."),
    )


@require_POST
def transfer(request, pk):
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _panel(request, pk, error=ApplicationError(_("Choose who takes the customer.")))
    to_user = _member_user(request, form.cleaned_data["to_user"])
    return _act(
        request,
        pk,
        lambda: services.conversation_transfer(
            conversation_id=pk,
            user=request.user,
            workspace=request.workspace,
            to_user=to_user,
            note=form.cleaned_data["note"],
        ),
        _("Transferred to %(name)s.") % {"name": to_user.display_name},
    )


@require_admin
@require_POST
def assign(request, pk):
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _panel(request, pk, error=ApplicationError(_("Choose who takes the customer.")))
    to_user = _member_user(request, form.cleaned_data["to_user"])
    return _act(
        request,
        pk,
        lambda: services.conversation_assign(
            conversation_id=pk, actor=request.user, workspace=request.workspace, to_user=to_user
        ),
    )


@require_admin
@require_POST
def unassign(request, pk):
    return _act(
        request,
        pk,
        lambda: services.conversation_unassign(
            conversation_id=pk, actor=request.user, workspace=request.workspace
        ),
    )


@require_POST
def close(request, pk):
    return _act(
        request,
        pk,
        lambda: conversation_status.conversation_close(
            conversation_id=pk, user=request.user, workspace=request.workspace
        ),
        _("Consultation ended."),
    )


@require_POST
def reopen(request, pk):
    return _act(
        request,
        pk,
        lambda: conversation_status.conversation_reopen(
            conversation_id=pk, user=request.user, workspace=request.workspace
        ),
    )


@require_POST
def presence_update(request):
    form = PresenceForm(request.POST)
    if form.is_valid():
        services.presence_set(membership=request.membership, status=form.cleaned_data["status"])
    if request.htmx:
        return render(request, "routing/_presence.html")
    return redirect(_back(request, reverse("inbox", kwargs={"ws": request.workspace.slug})))


@require_POST
def presence_ping(request):
    """The page reports (in)activity; answers with the redrawn switch. Activity only moves
    `last_seen_at`, never the chosen status."""
    if request.POST.get("active") == "1":
        services.presence_touch(user=request.user, workspace_id=request.workspace.pk)
    return render(request, "routing/_presence.html")


# --- settings (admins) -----------------------------------------------------------------------


@require_admin
def routing_settings(request):
    workspace = request.workspace
    current = selectors.routing_settings_get(workspace_id=workspace.pk)
    form = RoutingSettingsForm(request.POST or None, instance=current, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.routing_settings_update(
                workspace=workspace, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Routing settings saved."))
            return redirect("routing_settings", ws=workspace.slug)
    default_list, lists = selectors.channel_lists(workspace_id=workspace.pk)
    return render(
        request,
        "routing/settings.html",
        {
            "form": form,
            "agents": selectors.agents_overview(workspace_id=workspace.pk),
            "default_list": default_list,
            "channel_lists": lists,
            "waiting": selectors.waiting_count(workspace_id=workspace.pk),
        },
    )


@require_admin
@require_POST
def capacity_save(request):
    capacities = {}
    members = Membership.objects.filter(workspace=request.workspace, is_active=True)
    try:
        for membership in members:
            raw = request.POST.get(f"capacity-{membership.pk}", "").strip()
            capacities[membership.pk] = int(raw) if raw else None
        services.agent_capacity_set(
            workspace=request.workspace, actor=request.user, capacities=capacities
        )
    except (ValueError, ApplicationError) as error:
        messages.error(request, getattr(error, "message", _("Capacity must be a whole number.")))
    else:
        messages.success(request, _("Capacities saved."))
    return redirect("routing_settings", ws=request.workspace.slug)


@require_admin
@require_POST
def channel_agents_save(request, pk=None):
    channel_id = None
    if pk is not None:
        channel_id = get_channel_account_for_member(workspace=request.workspace, pk=pk).pk
    try:
        ids = [int(value) for value in request.POST.getlist("members")]
        services.channel_agents_set(
            workspace=request.workspace,
            actor=request.user,
            channel_account_id=channel_id,
            membership_ids=ids,
        )
    except (ValueError, ApplicationError) as error:
        messages.error(request, getattr(error, "message", _("Invalid agent list.")))
    else:
        messages.success(request, _("Agent list saved."))
    return redirect("routing_settings", ws=request.workspace.slug)
