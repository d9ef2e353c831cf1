"""Unlock a login locked out by repeated failures: by e-mail, by address, or everything."""

from axes.models import AccessAttempt
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Clear failed log-in attempts for an e-mail or an IP address (or --all)."

    def add_arguments(self, parser):
        parser.add_argument("who", nargs="*", help="e-mail addresses or IP addresses")
        parser.add_argument("--all", action="store_true", help="unlock every account and address")

    def handle(self, *args, who, all, **options):
        if not who and not all:
            raise CommandError("Name an e-mail or IP address to unlock, or pass --all.")
        rows = AccessAttempt.objects.all()
        if not all:
            rows = AccessAttempt.objects.none()
            for item in who:
                field = "username" if "@" in item else "ip_address"
                rows = rows | AccessAttempt.objects.filter(**{field: item.strip().lower()})
        count, _ = rows.delete()
        self.stdout.write(f"Unlocked: {count} attempt record(s) cleared.")
