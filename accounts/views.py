from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.access import get_for_workspace, require_admin
from accounts.forms import EmailLoginForm, InviteForm, RoleForm, SignUpForm, WorkspaceSettingsForm
from accounts.middleware import SUPPORTED
from accounts.models import Invitation, Membership, User
from inbox_project.errors import ApplicationError

LAST_WORKSPACE_KEY = "last_workspace"


def remember_language(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(signup_open=settings.SIGNUP_OPEN, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.language in SUPPORTED:
            remember_language(response, user.language)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """The link e-mailed points at SITE_URL, never at the Host header of the request."""

    def form_valid(self, form):
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"domain": site.netloc, "protocol": site.scheme}
        return super().form_valid(form)


@require_POST
def set_language(request):
    language = request.POST.get("language")
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in SUPPORTED:
        remember_language(response, language)
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@login_required
def home(request):
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "workspace"
    )
    last = request.session.get(LAST_WORKSPACE_KEY)
    chosen = next((m for m in memberships if m.workspace.slug == last), None) or next(
        iter(memberships.order_by("workspace__name")), None
    )
    if chosen is None:
        return render(request, "accounts/no_workspace.html")
    return redirect("inbox", ws=chosen.workspace.slug)


def invitation_accept(request, token):
    invitation = Invitation.objects.select_related("workspace").filter(token=token).first()
    if invitation is None or not invitation.is_usable():
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    signup_form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                request.session[LAST_WORKSPACE_KEY] = invitation.workspace.slug
                return redirect("inbox", ws=invitation.workspace.slug)
    elif existing is None:
        signup_form = SignUpForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and signup_form.is_valid():
            user = User.objects.create_user(
                email=invitation.email,
                password=signup_form.cleaned_data["password"],
                full_name=signup_form.cleaned_data["full_name"],
                language=invitation.workspace.language,
            )
            services.invitation_accept(token=token, user=user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[LAST_WORKSPACE_KEY] = invitation.workspace.slug
            return redirect("inbox", ws=invitation.workspace.slug)
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "existing_account": existing is not None,
            "signup_form": signup_form,
            "login_url": reverse("login") + "?next=" + request.path,
        },
    )


@require_admin
def members(request):
    workspace = request.workspace
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                workspace=workspace,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("members", ws=workspace.slug)
    context = {
        "form": form,
        "members": workspace.memberships.filter(is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name"),
        "removed": workspace.memberships.filter(is_active=False, removed_at__isnull=False)
        .select_related("user", "removed_by")
        .order_by("-removed_at"),
        "invitations": workspace.invitations.filter(accepted_at=None, revoked_at=None).order_by(
            "-created_at"
        ),
    }
    return render(request, "accounts/members.html", context)


@require_admin
@require_POST
def member_update(request, pk):
    target = get_for_workspace(Membership, workspace=request.workspace, pk=pk, is_active=True)
    try:
        form = RoleForm(request.POST)
        if form.is_valid():
            services.membership_set_role(
                actor=request.membership, membership=target, role=form.cleaned_data["role"]
            )
            messages.success(request, _("Role updated."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("members", ws=request.workspace.slug)


@require_admin
@require_POST
def invitation_revoke(request, pk):
    invitation = get_for_workspace(Invitation, workspace=request.workspace, pk=pk)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("members", ws=request.workspace.slug)


@require_admin
def workspace_settings(request):
    form = WorkspaceSettingsForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("workspace_settings", ws=request.workspace.slug)
    return render(request, "accounts/workspace_settings.html", {"form": form})
