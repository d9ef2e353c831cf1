"""Logging in makes a member available: their presence row exists from the first login, with
the status they last chose (new members start "online"), and the login counts as activity,
so an agent who signs in and opens the inbox receives customers at once. An agent who chose
"away" stays away across logins until they switch back."""

from django.contrib.auth.signals import user_logged_in
from django.utils import timezone

from accounts.models import Membership
from routing.models import AgentPresence


def presence_on_login(sender, request, user, **kwargs) -> None:
    now = timezone.now()
    for membership in Membership.objects.filter(user=user, is_active=True).only(
        "pk", "workspace_id"
    ):
        presence, created = AgentPresence.objects.get_or_create(
            membership=membership,
            defaults={"workspace_id": membership.workspace_id, "last_seen_at": now},
        )
        if not created:
            AgentPresence.objects.filter(pk=presence.pk).update(last_seen_at=now)


def connect() -> None:
    user_logged_in.connect(presence_on_login, dispatch_uid="routing_presence_on_login")
