"""Re-encrypt every stored credential with the newest key in CREDENTIAL_KEYS.

Rotation: put a new key first in CREDENTIAL_KEYS (keep the old ones after it), deploy, run
this command, then drop the old keys. Rows are rewritten one by one under a row lock, so
the command can run while the app serves traffic and can be re-run safely.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from channels_app import crypto
from channels_app.models import ChannelAccount


class Command(BaseCommand):
    help = "Re-encrypt channel credentials with the first key of CREDENTIAL_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        # Every workspace's accounts: this is an operator command, not a tenant-facing path.
        ids = ChannelAccount.objects.exclude(credentials_encrypted="").values_list("pk", flat=True)
        for pk in ids.iterator():
            with transaction.atomic():
                account = ChannelAccount.objects.select_for_update().get(pk=pk)
                # Fernet re-encrypts with the first key (always a new token, new IV).
                account.credentials_encrypted = crypto.rotate(account.credentials_encrypted)
                account.save(update_fields=["credentials_encrypted"])
                rotated += 1
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted credentials of {rotated} channel account(s).")
        )
