from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import get_for_workspace, require_admin
from channels_app.models import ChannelAccount, WebhookEvent
from channels_app.services import ingest, subscriptions


@require_admin
def channel_list(request):
    accounts = request.workspace.channel_accounts.order_by("kind", "display_name")
    return render(
        request,
        "channels_app/channel_list.html",
        {"accounts": accounts, "site_url": settings.SITE_URL,
         "checkable_kinds": subscriptions.subscription_kinds()},
    )  # fmt: skip


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
