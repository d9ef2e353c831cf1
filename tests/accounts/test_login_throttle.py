"""Login lockout by account and by address (django-axes, real PostgreSQL rows)."""

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests.factories import PASSWORD


def _attempt(client, email, password, ip="203.0.113.7"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=3, LOGIN_LOCKOUT_IP_FAILURES=100)
def test_account_locks_after_failures_and_refuses_the_right_password(client, alice):
    for _ in range(2):
        assert _attempt(client, alice.email, "wrong").status_code == 200
    assert _attempt(client, alice.email, "wrong").status_code == 429  # the third locks
    locked = _attempt(client, alice.email, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    body = locked.content.decode()
    assert "15" in body and 'data-testid="lockout"' in body
    # from another address too: the account itself is locked
    other = Client()
    assert _attempt(other, alice.email.upper(), PASSWORD, ip="198.51.100.9").status_code == 429


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=3, LOGIN_LOCKOUT_IP_FAILURES=100)
def test_failures_below_the_limit_still_log_in(client, alice):
    for _ in range(2):
        _attempt(client, alice.email, "wrong")
    assert _attempt(client, alice.email, PASSWORD).status_code == 302


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=100, LOGIN_LOCKOUT_IP_FAILURES=4)
def test_address_locks_after_failures_across_accounts(client, alice, bob):
    for n in range(4):
        _attempt(client, f"nobody{n}@a.test", "wrong")
    assert _attempt(client, bob.email, PASSWORD).status_code == 429
    # another address is not affected
    assert _attempt(Client(), bob.email, PASSWORD, ip="198.51.100.9").status_code == 302


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=2, LOGIN_LOCKOUT_IP_FAILURES=100)
def test_lockout_message_in_english(client, alice):
    client.cookies["django_language"] = "en"
    for _ in range(2):
        _attempt(client, alice.email, "wrong")
    body = _attempt(client, alice.email, PASSWORD).content.decode()
    assert "Too many failed log-in attempts" in body


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=2, LOGIN_LOCKOUT_IP_FAILURES=100)
def test_lockout_message_in_vietnamese(client, alice):
    for _ in range(2):
        _attempt(client, alice.email, "wrong")
    body = _attempt(client, alice.email, PASSWORD).content.decode()
    assert "Đăng nhập sai quá nhiều lần" in body


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=2, LOGIN_LOCKOUT_IP_FAILURES=100)
@pytest.mark.parametrize("who", ["alice@a.test", "203.0.113.7"])
def test_admin_unlocks_with_the_command(client, alice, who):
    for _ in range(2):
        _attempt(client, alice.email, "wrong")
    assert _attempt(client, alice.email, PASSWORD).status_code == 429
    call_command("login_unlock", who)
    assert _attempt(client, alice.email, PASSWORD).status_code == 302


@override_settings(LOGIN_LOCKOUT_ACCOUNT_FAILURES=2, LOGIN_LOCKOUT_IP_FAILURES=100)
def test_admin_unlocks_in_django_admin(client, alice, client_for):
    from axes.models import AccessAttempt

    for _ in range(2):
        _attempt(client, alice.email, "wrong")
    alice.is_staff = alice.is_superuser = True
    alice.save()
    admin = client_for(alice)
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert _attempt(client, alice.email, PASSWORD).status_code == 302
