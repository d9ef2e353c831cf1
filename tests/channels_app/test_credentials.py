"""Credentials are encrypted at rest and can be moved to a new key."""

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from channels_app.models import ChannelAccount
from tests.factories import make_channel_account

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
TOKEN = "EAAG-very-secret-page-token-123"


def raw_column(pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM channels_app_channelaccount WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


def test_column_never_holds_the_plain_token(workspace_a, settings):
    settings.CREDENTIAL_KEYS = [OLD_KEY]
    account = make_channel_account(workspace_a, "facebook", "9001", "Page", page_access_token=TOKEN)
    stored = raw_column(account.pk)
    assert TOKEN not in stored and "page_access_token" not in stored
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"page_access_token": TOKEN}


def test_rotation_reencrypts_with_the_new_key(workspace_a, settings):
    settings.CREDENTIAL_KEYS = [OLD_KEY]
    account = make_channel_account(workspace_a, "facebook", "9002", "Page", page_access_token=TOKEN)
    before = raw_column(account.pk)

    settings.CREDENTIAL_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_credentials")
    after = raw_column(account.pk)
    assert after != before and TOKEN not in after

    settings.CREDENTIAL_KEYS = [NEW_KEY]  # the old key can now be dropped
    assert ChannelAccount.objects.get(pk=account.pk).credentials["page_access_token"] == TOKEN
    assert Fernet(NEW_KEY.encode()).decrypt(after.encode())


def test_unknown_key_is_a_clear_error(workspace_a, settings):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    settings.CREDENTIAL_KEYS = [OLD_KEY]
    account = make_channel_account(workspace_a, "facebook", "9003", "Page", page_access_token=TOKEN)
    settings.CREDENTIAL_KEYS = [NEW_KEY]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        ChannelAccount.objects.get(pk=account.pk).credentials  # noqa: B018
