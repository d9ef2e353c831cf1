"""Resolve objects only inside the current workspace: a foreign id is a 404, everywhere.

Unscoped `.get(pk=...)` on a workspace-owned model is a bug; use these helpers instead.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Membership, Role, Workspace


def membership_for(*, user, slug: str) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace__slug=slug, is_active=True)
        .first()
    )


def get_for_workspace(model_or_queryset, *, workspace: Workspace, **lookup):
    """`get_object_or_404` restricted to one workspace's rows."""
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return get_object_or_404(queryset.filter(workspace=workspace), **lookup)


def require_role(role: str):
    """View decorator: the current member must hold `role` or higher (403 otherwise).

    Non-members never get this far: the tenancy middleware answers 404 for them.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise PermissionDenied
            if not membership.has_role(role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


require_admin = require_role(Role.ADMIN)
require_owner = require_role(Role.OWNER)
