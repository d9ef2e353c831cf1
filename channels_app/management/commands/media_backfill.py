"""Queue media downloads for recent messages whose attachments were not copied yet (the
broker was down when they arrived, or the feature was just deployed). Provider links expire,
so only recent messages are worth it.

    manage.py media_backfill --hours 24
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from channels_app.services import media
from conversations.models import Message


class Command(BaseCommand):
    help = "Queue downloads of not yet copied attachments of recent messages."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24.0)

    def handle(self, *args, **options):
        since = timezone.now() - timedelta(hours=options["hours"])
        recent = (
            Message.objects.filter(created_at__gte=since)
            .exclude(attachments=[])
            .values_list("pk", "workspace_id", "attachments")
            .iterator(chunk_size=500)
        )
        queued = 0
        for pk, workspace_id, attachments in recent:
            queued += media.message_media_download_enqueue(
                workspace_id=workspace_id, message_id=pk, attachments=attachments
            )
        self.stdout.write(f"queued {queued} message(s)")
