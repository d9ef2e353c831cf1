"""Self-service sign-up: a shop owner asks for a workspace, proves the e-mail, gets it.

Asking creates an inactive person (who cannot log in) and mails a signed link carrying that
person's id, the shop's name and a fingerprint of the password hash. The link lives
`SIGNUP_LINK_MAX_AGE` seconds. Opening it activates the person and creates the workspace with
its owner membership; opening it again (a double click, a mail scanner that got there first)
finds the person active and only logs in. Asking again before verifying replaces the name and
password, so the earlier link stops working. An address that already has an account is never
told so on the page (the page reads the same as the password-reset page); the mail says so.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User, Workspace
from accounts.services import workspace_create
from accounts.signup_throttle import signup_mail_allowed
from inbox_project.errors import ApplicationError

SALT = "accounts.signup"


@dataclass(frozen=True)
class SignupResult:
    user: User
    workspace: Workspace
    created: bool  # False: the link had already been used, this only logs in again


def is_pending_signup(user: User) -> bool:
    """Asked for a workspace but never opened the link (never logged in, in no workspace)."""
    return not user.is_active and user.last_login is None and not user.memberships.exists()


def _fingerprint(user: User) -> str:
    return salted_hmac(SALT, user.password).hexdigest()[:20]


def signup_token(*, user: User, shop_name: str) -> str:
    payload = {"u": user.pk, "s": shop_name, "p": _fingerprint(user)}
    return signing.TimestampSigner(salt=SALT).sign_object(payload, compress=True)


def signup_url(*, user: User, shop_name: str) -> str:
    token = signup_token(user=user, shop_name=shop_name)
    return settings.SITE_URL + reverse("signup_verify", args=[token])


def _read(token: str, *, max_age: int | None) -> dict:
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ApplicationError(_("This sign-up link has expired."), code="expired") from exc
    except signing.BadSignature as exc:
        raise ApplicationError(_("This sign-up link is not valid."), code="invalid") from exc
    if not isinstance(payload, dict) or not {"u", "s", "p"} <= payload.keys():
        raise ApplicationError(_("This sign-up link is not valid."), code="invalid")
    return payload


def _throttle(*, ip_address: str | None, email: str) -> None:
    if not signup_mail_allowed(ip_address=ip_address, email=email):
        raise ApplicationError(
            _("Too many sign-up requests. Wait an hour and try again."), code="throttled"
        )


def signup_request(
    *,
    shop_name: str,
    full_name: str,
    email: str,
    password: str,
    language: str,
    ip_address: str | None,
) -> None:
    """Mail a verification link (or, to an address that has an account, a note saying so)."""
    email = User.objects.normalize_email(email.strip()).lower()
    shop_name = shop_name.strip()
    _throttle(ip_address=ip_address, email=email)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        email=email, password=password, full_name=full_name.strip(),
                        language=language, is_active=False,
                    )  # fmt: skip
            except IntegrityError:  # the same e-mail asked twice at once: the later one wins
                user = User.objects.select_for_update().get(email__iexact=email)
        if not is_pending_signup(user):
            transaction.on_commit(lambda: _send_existing(user=user, language=language))
            return
        user.full_name, user.language = full_name.strip(), language
        user.set_password(password)
        user.save(update_fields=["full_name", "language", "password"])
        url = signup_url(user=user, shop_name=shop_name)
        transaction.on_commit(lambda: _send_link(user=user, shop_name=shop_name, url=url))


def signup_resend(*, token: str, ip_address: str | None) -> User:
    """A new link for an expired one (its signature must still be ours)."""
    payload = _read(token, max_age=None)
    user = User.objects.filter(pk=payload["u"]).first()
    if user is None or _fingerprint(user) != payload["p"]:
        raise ApplicationError(_("This sign-up link is not valid."), code="invalid")
    if not is_pending_signup(user):
        raise ApplicationError(
            _("This sign-up is already done: log in with your e-mail and password."),
            code="done",
        )
    _throttle(ip_address=ip_address, email=user.email)
    url = signup_url(user=user, shop_name=payload["s"])
    _send_link(user=user, shop_name=payload["s"], url=url)
    return user


def signup_verify(*, token: str) -> SignupResult:
    """Activate the person and open the workspace, once; later calls find them and log in."""
    payload = _read(token, max_age=settings.SIGNUP_LINK_MAX_AGE)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload["u"]).first()
        if user is None or _fingerprint(user) != payload["p"]:
            raise ApplicationError(_("This sign-up link is not valid."), code="invalid")
        if is_pending_signup(user):
            user.is_active = True
            user.save(update_fields=["is_active"])
            workspace = workspace_create(
                name=payload["s"],
                owner=user,
                time_zone=settings.DEFAULT_WORKSPACE_TIME_ZONE,
                language=user.language or settings.LANGUAGE_CODE,
            )
            return SignupResult(user=user, workspace=workspace, created=True)
        membership = (
            Membership.objects.filter(user=user, is_active=True, role=Role.OWNER)
            .select_related("workspace")
            .order_by("created_at")
            .first()
        )
        if not user.is_active or membership is None:
            raise ApplicationError(_("This sign-up link is not valid."), code="invalid")
        return SignupResult(user=user, workspace=membership.workspace, created=False)


def _send_link(*, user: User, shop_name: str, url: str) -> None:
    hours = max(1, settings.SIGNUP_LINK_MAX_AGE // 3600)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"name": user.full_name, "shop": shop_name, "url": url, "hours": hours}
        subject = _("Confirm your e-mail to open %(shop)s") % {"shop": shop_name}
        body = render_to_string("accounts/emails/signup_verify.txt", context)
    send_mail(subject, body, None, [user.email])


def _send_existing(*, user: User, language: str) -> None:
    site = settings.SITE_URL
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "login_url": site + reverse("login"),
            "reset_url": site + reverse("password_reset"),
        }
        subject = _("You already have an inbox account")
        body = render_to_string("accounts/emails/signup_existing.txt", context)
    send_mail(subject, body, None, [user.email])
