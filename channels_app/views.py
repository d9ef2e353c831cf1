from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import get_for_workspace, require_admin
from accounts.models import Membership, Role
from channels_app.models import ChannelAccount, ChannelKind, WebhookEvent
from channels_app.providers import UnknownProvider, get_adapter
from channels_app.providers.base import ProviderError
from channels_app.services import connect, ingest, subscriptions
from inbox_project.errors import ApplicationError

CONNECT_SESSION_KEY = "channel_connect"


def webhook_address(account: ChannelAccount) -> str:
    """The address the provider posts this account's events to: the account's own, or the
    one its kind shares (bare for Zalo, with the deployment's key for Shopee)."""
    try:
        shared = get_adapter(account.kind).shared_webhook_key()
    except UnknownProvider:  # a kind with no adapter yet (e-mail) keeps its own address
        shared = None
    if shared is None:
        path = reverse("webhook", kwargs={"kind": account.kind, "key": account.webhook_key})
    elif shared:
        path = reverse("webhook", kwargs={"kind": account.kind, "key": shared})
    else:
        path = reverse("webhook_shared", kwargs={"kind": account.kind})
    return settings.SITE_URL.rstrip("/") + path


@require_admin
def channel_list(request):
    accounts = list(request.workspace.channel_accounts.order_by("kind", "display_name"))
    for account in accounts:
        account.webhook_address = webhook_address(account)
    # Kinds whose one consent covers many accounts (Meta) have no pick page yet.
    kinds = sorted(k for k in connect.connect_kinds() if not get_adapter(k).connect_picks)
    return render(
        request,
        "channels_app/channel_list.html",
        {"accounts": accounts, "checkable_kinds": subscriptions.subscription_kinds(),
         "connect_kinds": kinds,
         "connect_choices": [(k, ChannelKind(k).label) for k in kinds]},
    )  # fmt: skip


def _callback_uri(kind: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "channel_connect_callback", kwargs={"kind": kind}
    )


@require_admin
@require_GET
def channel_connect(request, kind):
    """Connect (or reconnect) an account of `kind`: to the provider's consent screen. A link,
    not a form: the page's Content-Security-Policy (`form-action 'self'`) forbids a form's
    redirect to another origin. It changes nothing but this session's pending connection,
    which only a callback carrying its state can complete."""
    try:
        url, pending = connect.channel_connect_start(
            workspace=request.workspace, kind=kind, redirect_uri=_callback_uri(kind)
        )
    except ApplicationError as error:
        flash.error(request, error.message)
        return redirect("channels", ws=request.workspace.slug)
    request.session[CONNECT_SESSION_KEY] = pending
    return redirect(url)


@login_required
def channel_connect_callback(request, kind):
    """The provider sends the admin back here; the connection is finished for the workspace
    it was started from (the admin must still be one of its admins)."""
    pending = request.session.pop(CONNECT_SESSION_KEY, None) or {}
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=request.user, workspace_id=pending.get("workspace_id"), is_active=True)
        .first()
    )
    if membership is None or not membership.has_role(Role.ADMIN):
        raise PermissionDenied
    workspace = membership.workspace
    try:
        account = connect.channel_connect_complete(
            pending=pending, kind=kind, params=request.GET, redirect_uri=_callback_uri(kind),
            workspace=workspace, actor=request.user,
        )  # fmt: skip
    except ApplicationError as error:
        flash.error(request, error.message)
    except ProviderError as error:
        detail = f" ({error.provider_message})" if error.provider_message else ""
        flash.error(request, f"{error.message}{detail}")
    else:
        flash.success(request, _("%(name)s is connected.") % {"name": account.display_name})
    return redirect("channels", ws=workspace.slug)


@require_admin
@require_POST
def channel_disconnect(request, pk):
    account = get_for_workspace(ChannelAccount, workspace=request.workspace, pk=pk)
    connect.channel_disconnect(account=account, actor=request.user)
    flash.success(request, _("%(name)s is disconnected.") % {"name": account.display_name})
    return redirect("channels", ws=request.workspace.slug)


@require_admin
@require_POST
def channel_subscription_check(request, pk):
    """An admin asks for the webhook subscription check now (queued; the page shows the result)."""
    account = get_for_workspace(ChannelAccount, workspace=request.workspace, pk=pk)
    if subscriptions.channel_subscription_check_enqueue(account=account):
        flash.success(request, _("The check was queued; reload the page in a moment."))
    else:
        flash.error(request, _("This channel's subscription cannot be checked."))
    return redirect("channels", ws=request.workspace.slug)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request, kind, key):
    """Provider webhooks: no session, no CSRF; the signature is the authentication."""
    reply = ingest.webhook_receive(
        kind=kind, key=key, method=request.method, headers=request.headers, params=request.GET,
        content_length=_content_length(request), body=_body(request),
    )  # fmt: skip
    return HttpResponse(reply.body, status=reply.status, content_type="text/plain")


@csrf_exempt
@require_POST
def webhook_shared(request, kind):
    """The kind's one webhook address for every account (Zalo): routed by the body."""
    reply = ingest.webhook_receive(
        kind=kind, key="", method=request.method, headers=request.headers, params=request.GET,
        content_length=_content_length(request), body=_body(request),
    )  # fmt: skip
    return HttpResponse(reply.body, status=reply.status, content_type="text/plain")


def _content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _body(request) -> bytes | None:
    if (
        request.method != "POST"
        or (_content_length(request) or 0) > settings.WEBHOOK_MAX_BODY_BYTES
    ):
        return None
    return request.body


@require_admin
def webhook_failures(request):
    events = ingest.webhook_events_failed(workspace=request.workspace)
    return render(request, "channels_app/webhook_failures.html", {"events": events})


@require_admin
@require_POST
def webhook_replay(request, pk):
    event = get_for_workspace(WebhookEvent.objects.filter(status="failed"),
                              workspace=request.workspace, pk=pk)  # fmt: skip
    ingest.webhook_event_replay(workspace=request.workspace, event_id=event.pk)
    flash.success(request, _("The event was queued again."))
    return redirect("webhook_failures", ws=request.workspace.slug)
