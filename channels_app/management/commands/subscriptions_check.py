"""Check (and renew) the webhook subscription of channel accounts now, in this process: what
the beat job queues every META_SUBSCRIPTION_CHECK_SECONDS.

    manage.py subscriptions_check                    # every active Facebook / Instagram channel
    manage.py subscriptions_check --workspace shop-demo
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from channels_app.models import ChannelAccount
from channels_app.services import subscriptions


class Command(BaseCommand):
    help = "Check the webhook subscription of channel accounts and subscribe them again if needed."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="workspace slug (default: all)")

    def handle(self, *args, **options):
        accounts = ChannelAccount.objects.filter(
            is_active=True, kind__in=subscriptions.subscription_kinds()
        ).order_by("pk")
        if options["workspace"]:
            accounts = accounts.filter(workspace__slug=options["workspace"])
        for account in accounts:
            outcome = subscriptions.channel_account_subscription_check(
                workspace_id=account.workspace_id, account_id=account.pk
            )
            account.refresh_from_db(fields=["subscription_detail"])
            self.stdout.write(f"{account}: {outcome} {account.subscription_detail}")
