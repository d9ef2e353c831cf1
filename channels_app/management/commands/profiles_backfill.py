"""Look up the names and pictures of contacts still without a name (Messenger, Instagram), in
small batches: what the beat job does every PROFILE_BACKFILL_SECONDS, on demand.

    manage.py profiles_backfill                  # one batch, queued for the workers
    manage.py profiles_backfill --all --pause 2  # batch after batch until none is left
    manage.py profiles_backfill --inline         # look them up in this process (no worker)
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from channels_app.services import profiles


class Command(BaseCommand):
    help = "Look up profiles of contacts without a name, in small batches."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=settings.PROFILE_BACKFILL_BATCH)
        parser.add_argument("--all", action="store_true", help="repeat until nothing is left")
        parser.add_argument("--pause", type=float, default=1.0, help="seconds between batches")
        parser.add_argument("--inline", action="store_true",
                            help="look up here instead of queueing for the workers")  # fmt: skip

    def handle(self, *args, **options):
        total = 0
        while True:
            if options["inline"]:
                rows = profiles.contact_profiles_due(batch=options["batch"])
                for contact_id, workspace_id in rows:
                    outcome = profiles.contact_profile_fetch(
                        workspace_id=workspace_id, contact_id=contact_id
                    )
                    self.stdout.write(f"contact {contact_id}: {outcome}")
                done = len(rows)
            else:
                done = profiles.contact_profiles_backfill(batch=options["batch"])
            total += done
            if not done or not options["all"]:
                break
            time.sleep(options["pause"])
        verb = "looked up" if options["inline"] else "queued"
        self.stdout.write(f"{verb} {total} contact(s)")
