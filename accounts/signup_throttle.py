"""Sign-up mails are limited, so the form cannot be used to send mail to anyone, at any rate.

Two counters in the cache (Redis), each over a fixed window of `SIGNUP_THROTTLE_WINDOW`
seconds: one per client address (`SIGNUP_MAX_PER_IP`, the address as django-axes reads it for
the login throttle) and one per e-mail asked for (`SIGNUP_MAX_PER_EMAIL`, so many addresses
cannot flood one mailbox). A refused request counts too: hammering does not reopen the window.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]  # no raw e-mail in the cache
    return f"signup-throttle:{kind}:{digest}"


def _count(key: str) -> int:
    window = settings.SIGNUP_THROTTLE_WINDOW
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=window)
        return 1


def signup_mail_allowed(*, ip_address: str | None, email: str) -> bool:
    """Count one sign-up mail for this address and e-mail; False once either is over."""
    per_ip = _count(_key("ip", ip_address or "unknown"))
    per_email = _count(_key("email", email.strip().lower()))
    return per_ip <= settings.SIGNUP_MAX_PER_IP and per_email <= settings.SIGNUP_MAX_PER_EMAIL
