"""Login throttling (django-axes): an account and an address are locked out separately.

Axes records every failed login (AccessAttempt rows, one per e-mail + address + browser) and
compares one count with one limit. We want two limits: a few failures lock an account
(`LOGIN_LOCKOUT_ACCOUNT_FAILURES`), more from one address lock that address whatever e-mail
it tries (`LOGIN_LOCKOUT_IP_FAILURES`, higher because a shop's staff share one office address).
So the count this handler reports is the share of the nearest limit that is used up, and the
limit axes compares it with is 1 (`AXES_FAILURE_LIMIT = 1` in settings).

While locked, even the right password is refused: the axes backend stops the login before the
password is checked. Failures older than the cool-off (`AXES_COOLOFF_TIME`) no longer count.
Admins unlock with the Django admin (delete the account's "access attempts") or
`manage.py login_unlock <e-mail or address>`.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import EmailLoginForm


def _failures(**match) -> int:
    rows = AccessAttempt.objects.filter(**match)
    if settings.AXES_COOLOFF_TIME is not None:
        rows = rows.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return rows.aggregate(n=Sum("failures_since_start"))["n"] or 0


def lockout_share(*, username: str | None, ip_address: str | None) -> float:
    """How much of the nearest limit is used: 1 or more means locked out."""
    shares = [0.0]
    if username:
        account = _failures(username=username)
        shares.append(account / settings.LOGIN_LOCKOUT_ACCOUNT_FAILURES)
    if ip_address:
        address = _failures(ip_address=ip_address)
        shares.append(address / settings.LOGIN_LOCKOUT_IP_FAILURES)
    return max(shares)


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> float:
        username = get_client_username(request, credentials)  # username_from_credentials
        ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        return lockout_share(username=username, ip_address=ip_address)


def username_from_credentials(request, credentials) -> str | None:
    """The e-mail as the login form cleans it, so 'A@x.vn' and 'a@x.vn' share one count."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if value else None


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying why and for how long, with 429 Too Many Requests."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    form = EmailLoginForm(request, data=None, initial={"username": request.POST.get("username")})
    message = _(
        "Too many failed log-in attempts. Log-in is locked for %(minutes)s minutes; "
        "try again later or ask an administrator to unlock it."
    ) % {"minutes": minutes}
    context = {"form": form, "lockout_message": message, "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=429)
