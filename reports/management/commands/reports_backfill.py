"""Rebuild the reports' facts and rollups from existing conversations, messages, owner
changes, orders and phones. Safe to run twice: the second run writes nothing."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from accounts.models import Workspace
from reports.services.backfill import reports_backfill


class Command(BaseCommand):
    help = "Rebuild the reports' facts and rollups from existing data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", action="append", help="slug (repeatable; default all)")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="rewrite facts already written (after a change of time zone or opening hours)",
        )

    def handle(self, *args, workspace=None, recompute=False, **options):
        ids = None
        if workspace:
            ids = list(Workspace.objects.filter(slug__in=workspace).values_list("pk", flat=True))
            if len(ids) != len(set(workspace)):
                self.stderr.write("Unknown workspace slug.")
                raise SystemExit(2)
        with tqdm(total=0, unit="conv", desc="reports", file=self.stderr) as bar:

            def progress(done, total):
                bar.total = total
                bar.update(done - bar.n)

            result = reports_backfill(workspace_ids=ids, recompute=recompute, progress=progress)
        self.stdout.write(
            f"{result['conversations']} conversations, {result['facts_written']} facts written,"
            f" {result['days_rebuilt']} days rolled up"
        )
