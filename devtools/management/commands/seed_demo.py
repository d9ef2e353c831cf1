"""`manage.py seed_demo`: the demo workspace, or with --conversations a benchmark data set."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from conversations.models import Conversation
from devtools.demo import content
from devtools.demo.builder import demo_conversations_build
from devtools.demo.bulk import DAYS as BULK_DAYS
from devtools.demo.bulk import bulk_conversations_generate
from devtools.demo.people import DEMO_WORKSPACE_SLUG
from devtools.demo.workspace import demo_workspace_ensure, workspace_conversations_delete
from reports.services.backfill import reports_backfill


class Command(BaseCommand):
    help = (
        "Build the demo workspace “Shop demo” (idempotent). With --conversations N, generate "
        "N conversations fast into a separate benchmark workspace (default bench-N)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--conversations", type=int, help="bulk mode: how many conversations to generate"
        )
        parser.add_argument(
            "--messages-per", type=int, default=10, help="bulk mode: messages per conversation"
        )
        parser.add_argument(
            "--workspace", help="workspace slug (default: shop-demo, or bench-N in bulk mode)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the workspace's conversations first"
        )
        parser.add_argument("--seed", type=int, default=content.SEED, help="random seed")
        parser.add_argument(
            "--days", type=int, default=BULK_DAYS, help="bulk mode: days the conversations span"
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        bulk = options["conversations"] is not None
        if bulk and min(options["conversations"], options["messages_per"], options["days"]) < 1:
            raise CommandError("--conversations, --messages-per and --days must be at least 1")
        if bulk:
            slug = options["workspace"] or f"bench-{options['conversations']}"
            name = f"Bench {options['conversations']:,}".replace(",", ".")
        else:
            slug, name = options["workspace"] or DEMO_WORKSPACE_SLUG, content.WORKSPACE_NAME
        try:
            setup = demo_workspace_ensure(slug=slug, name=name)
        except ValueError as error:  # a provider id of this workspace belongs to another
            raise CommandError(str(error)) from error
        workspace = setup.workspace
        if options["reset"]:
            removed = workspace_conversations_delete(workspace=workspace)
            self.stdout.write(f"Removed {removed:,} conversations from {slug}.")

        existing = Conversation.objects.filter(workspace=workspace).count()
        if bulk:
            wanted = options["conversations"]
            if existing >= wanted:
                self.stdout.write(
                    f"Workspace {slug} already has {existing:,} conversations; nothing to do "
                    "(--reset rebuilds it)."
                )
                return
            result = bulk_conversations_generate(
                setup=setup,
                conversations=wanted - existing,
                messages_per=options["messages_per"],
                now=timezone.now(),
                seed=options["seed"],
                days=options["days"],
                progress=options["verbosity"] > 0,
                log=self.stdout.write if options["verbosity"] > 1 else None,
            )
        else:
            if existing:
                self.stdout.write(
                    f"The demo workspace {slug} already exists with {existing:,} conversations; "
                    "nothing to do (--reset rebuilds it)."
                )
                return
            result = demo_conversations_build(setup=setup, now=timezone.now(), seed=options["seed"])
            # The owner's reports from the first minute (beat would derive them too).
            reports_backfill(workspace_ids=[workspace.pk])

        self.stdout.write(
            self.style.SUCCESS(
                f"Workspace “{workspace.name}” ({slug}): {len(setup.users)} people, "
                f"{len(setup.accounts)} channels, {result.customers:,} customers, "
                f"{result.conversations:,} conversations, {result.messages:,} messages, "
                f"{result.orders:,} orders in {time.monotonic() - started:.1f}s."
            )
        )
