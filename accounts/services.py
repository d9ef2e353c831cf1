"""Workspace membership rules: create workspaces, invite people, accept invitations."""

import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.admin_actions import admin_action_publish
from accounts.models import ROLE_RANK, Invitation, Membership, Role, User, Workspace
from accounts.socket_revocation import close_sockets_after_commit
from inbox_project.errors import ApplicationError


def workspace_slug_base(name: str) -> str:
    """The slug a shop's name suggests: Vietnamese accents folded ("Shop Giày Đẹp" becomes
    "shop-giay-dep"; slugify alone drops the đ, which has no decomposed form)."""
    folded = name.replace("đ", "d").replace("Đ", "D")
    return slugify(folded)[:50].strip("-") or "shop"


def workspace_create(*, name: str, owner: User, slug: str = "", **fields) -> Workspace:
    """A workspace and its owner's membership. The slug is unique: a number is added when it
    is taken, also when another request takes it between our check and our insert."""
    base = workspace_slug_base(slug or name)
    taken = set(
        Workspace.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$").values_list(
            "slug", flat=True
        )
    )
    n = 1
    with transaction.atomic():
        while True:
            candidate = base if n == 1 else f"{base}-{n}"
            n += 1
            if candidate in taken:
                continue
            try:
                with transaction.atomic():  # a savepoint: losing a race leaves the rest intact
                    workspace = Workspace.objects.create(name=name, slug=candidate, **fields)
            except IntegrityError:
                if not Workspace.objects.filter(slug=candidate).exists():
                    raise  # another constraint: not a race for the slug
                taken.add(candidate)
                continue
            Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
            return workspace


def invitation_create(
    *, workspace: Workspace, email: str, role: str, invited_by: User
) -> Invitation:
    email = email.strip().lower()
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."))
    if (
        role == Role.OWNER
        and not invited_by.memberships.filter(workspace=workspace, role=Role.OWNER).exists()
    ):
        raise ApplicationError(_("Only an owner can invite another owner."))
    if Membership.objects.filter(
        workspace=workspace, user__email__iexact=email, is_active=True
    ).exists():
        raise ApplicationError(
            _("%(email)s is already a member of this workspace.") % {"email": email}
        )
    now = timezone.now()
    # A new invitation replaces any open one for the same address.
    Invitation.objects.filter(
        workspace=workspace, email=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    invitation = Invitation.objects.create(
        workspace=workspace, email=email, role=role, invited_by=invited_by
    )
    admin_action_publish(workspace_id=workspace.pk, actor=invited_by, action="invitation.sent",
                         target_type="invitation", target_id=invitation.pk, target_label=email,
                         details={"role": role})  # fmt: skip
    transaction.on_commit(lambda: invitation_send(invitation=invitation))
    return invitation


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])


def invitation_send(*, invitation: Invitation) -> None:
    with translation.override(invitation.workspace.language):
        context = {
            "invitation": invitation,
            "url": invitation_url(invitation),
            "inviter": invitation.invited_by.display_name if invitation.invited_by else "",
        }
        subject = _("You are invited to %(workspace)s") % {"workspace": invitation.workspace.name}
        body = render_to_string("accounts/emails/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_revoke(*, invitation: Invitation, actor: User | None = None) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        admin_action_publish(workspace_id=invitation.workspace_id, actor=actor,
                             action="invitation.revoked", target_type="invitation",
                             target_id=invitation.pk, target_label=invitation.email,
                             details={"role": invitation.role})  # fmt: skip


def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the workspace. Runs under a row lock so a double click joins once."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("workspace")
            .filter(token=token)
            .first()
        )
        if invitation is None or not invitation.is_usable():
            raise ApplicationError(
                _("This invitation link is no longer valid."), code="invalid_invitation"
            )
        if invitation.email.lower() != user.email.lower():
            raise ApplicationError(
                _("This invitation was sent to %(email)s. Log in with that address to accept it.")
                % {"email": invitation.email},
                code="wrong_user",
            )
        try:
            with transaction.atomic():
                membership, created = Membership.objects.get_or_create(
                    workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
                )
        except IntegrityError:
            membership = Membership.objects.get(workspace=invitation.workspace, user=user)
            created = False
        if not created and not membership.is_active:
            membership.is_active = True
            membership.role = invitation.role
            membership.removed_at, membership.removed_by = None, None
            membership.released_conversation_ids = []
            membership.save(
                update_fields=[
                    "is_active", "role", "removed_at", "removed_by", "released_conversation_ids"
                ]
            )  # fmt: skip
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        admin_action_publish(workspace_id=invitation.workspace_id, actor=user,
                             action="invitation.accepted", target_type="invitation",
                             target_id=invitation.pk, target_label=invitation.email,
                             details={"role": membership.role})  # fmt: skip
    return membership


def membership_set_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."))
    if Role.OWNER in (role, membership.role) and not actor.has_role(Role.OWNER):
        raise ApplicationError(_("Only an owner can change an owner's role or make an owner."))
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_another_owner(membership)
    demoted = ROLE_RANK[Role(role)] < ROLE_RANK[Role(membership.role)]
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if previous != role:
        admin_action_publish(workspace_id=membership.workspace_id, actor=actor.user_id,
                             action="member.role_changed", target_type="member",
                             target_id=membership.pk, target_label=membership.user.email,
                             details={"from": previous, "to": role})  # fmt: skip
    if demoted:  # what an agent may see is less than an admin's: reconnect under the new role
        close_sockets_after_commit(workspace_id=membership.workspace_id, user_id=membership.user_id)
    return membership


def membership_deactivate(
    *, actor: Membership, membership: Membership, released_conversation_ids: list[int] = ()
) -> None:
    """Take someone out of the workspace, keeping the record so it can be undone. What happens
    to the customers they held is routing's part (`routing.member_removal`), which calls this."""
    if membership.user_id == actor.user_id:
        raise ApplicationError(_("You cannot remove yourself."))
    if membership.role == Role.OWNER:
        if not actor.has_role(Role.OWNER):
            raise ApplicationError(_("Only an owner can remove an owner."))
        _ensure_another_owner(membership)
    membership.is_active = False
    membership.removed_at = timezone.now()
    membership.removed_by = actor.user
    membership.released_conversation_ids = list(released_conversation_ids)
    membership.save(
        update_fields=["is_active", "removed_at", "removed_by", "released_conversation_ids"]
    )
    admin_action_publish(workspace_id=membership.workspace_id, actor=actor.user_id,
                         action="member.removed", target_type="member", target_id=membership.pk,
                         target_label=membership.user.email,
                         details={"released": len(membership.released_conversation_ids)})  # fmt: skip
    close_sockets_after_commit(workspace_id=membership.workspace_id, user_id=membership.user_id)


def membership_reinstate(*, actor: Membership, membership: Membership) -> Membership:
    """Undo a removal: the person comes back with the role they had."""
    if membership.is_active:
        raise ApplicationError(_("This person is already a member."))
    if membership.role == Role.OWNER and not actor.has_role(Role.OWNER):
        raise ApplicationError(_("Only an owner can reinstate an owner."))
    membership.is_active = True
    membership.removed_at = None
    membership.removed_by = None
    membership.released_conversation_ids = []
    membership.save(
        update_fields=["is_active", "removed_at", "removed_by", "released_conversation_ids"]
    )
    admin_action_publish(workspace_id=membership.workspace_id, actor=actor.user_id,
                         action="member.reinstated", target_type="member",
                         target_id=membership.pk, target_label=membership.user.email,
                         details={"role": membership.role})  # fmt: skip
    return membership


def _ensure_another_owner(membership: Membership) -> None:
    others = Membership.objects.filter(
        workspace=membership.workspace, role=Role.OWNER, is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ApplicationError(_("A workspace needs at least one owner."))


def workspace_hours_update(
    *, workspace: Workspace, days, start, end, closed_on_holidays: bool | None = None
) -> Workspace:
    """Set the workspace's opening hours (the caller checks who may). Closing must follow
    opening on the same day."""
    if end <= start:
        raise ApplicationError(_("Closing time must be after opening time."), code="invalid_hours")
    workspace.business_days = sorted({int(day) for day in days if 0 <= int(day) <= 6})
    workspace.business_start, workspace.business_end = start, end
    if closed_on_holidays is not None:
        workspace.closed_on_holidays = bool(closed_on_holidays)
    workspace.save(
        update_fields=["business_days", "business_start", "business_end", "closed_on_holidays"]
    )
    return workspace
