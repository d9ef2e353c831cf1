from django.shortcuts import render

from accounts.access import require_admin


@require_admin
def channel_list(request):
    accounts = request.workspace.channel_accounts.order_by("kind", "display_name")
    return render(request, "channels_app/channel_list.html", {"accounts": accounts})
