from accounts.models import Membership


def workspace(request):
    """The current workspace, the member's role and the workspaces to switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships():
        return list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("workspace")
            .order_by("workspace__name")
        )

    return {
        "workspace": getattr(request, "workspace", None),
        "membership": getattr(request, "membership", None),
        "my_memberships": memberships,  # lazy: evaluated only where a template asks
    }
