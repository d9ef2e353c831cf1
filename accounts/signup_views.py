"""Sign-up pages: the form, "check your mail", the e-mailed link and a new link for an old one.
The rules are in accounts/signup.py."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import signup
from accounts.forms import ShopSignUpForm, SignUpLinkResendForm
from inbox_project.errors import ApplicationError

LAST_WORKSPACE_KEY = "last_workspace"


def _require_open():
    if not settings.SIGNUP_OPEN:
        raise Http404("Sign-up is closed")


def signup_form(request):
    _require_open()
    form = ShopSignUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            signup.signup_request(
                **form.cleaned_data,
                language=get_language(),
                ip_address=get_client_ip_address(request),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            status = 429 if error.code == "throttled" else 400
        else:
            request.session["signup_email"] = form.cleaned_data["email"]
            return redirect("signup_sent")
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def signup_sent(request):
    _require_open()
    return render(
        request, "accounts/signup_sent.html", {"email": request.session.get("signup_email")}
    )


def signup_verify(request, token):
    _require_open()
    try:
        result = signup.signup_verify(token=token)
    except ApplicationError as error:
        context = {"error": error, "token": token, "can_resend": error.code == "expired"}
        return render(
            request,
            "accounts/signup_link_invalid.html",
            context,
            status=410 if error.code == "expired" else 404,
        )
    if request.user != result.user:
        login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[LAST_WORKSPACE_KEY] = result.workspace.slug
    if result.created:
        messages.success(
            request,
            _("Welcome! %(shop)s is ready. Connect a channel to start receiving messages.")
            % {"shop": result.workspace.name},
        )
    return redirect("inbox", ws=result.workspace.slug)


@require_POST
def signup_resend(request):
    _require_open()
    form = SignUpLinkResendForm(request.POST)
    token = form.data.get("token", "")
    try:
        if not form.is_valid():
            raise ApplicationError(_("This sign-up link is not valid."), code="invalid")
        user = signup.signup_resend(
            token=form.cleaned_data["token"], ip_address=get_client_ip_address(request)
        )
    except ApplicationError as error:
        context = {"error": error, "token": token, "can_resend": False}
        status = 429 if error.code == "throttled" else 400
        return render(request, "accounts/signup_link_invalid.html", context, status=status)
    request.session["signup_email"] = user.email
    return redirect("signup_sent")
