"""Open a new shop's workspace with its first owner (for operators; owners invite the rest)."""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace and its owner (a new owner gets a generated password unless given)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", default="")
        parser.add_argument("--slug", default="")
        parser.add_argument("--time-zone", default="Asia/Ho_Chi_Minh")
        parser.add_argument("--language", default="vi", choices=["vi", "en"])

    def handle(self, *args, **options):
        email = options["owner_email"].strip().lower()
        password = None
        with transaction.atomic():
            owner = User.objects.filter(email=email).first()
            if owner is None:
                password = options["owner_password"] or secrets.token_urlsafe(12)
                owner = User.objects.create_user(
                    email=email, password=password, language=options["language"]
                )
            workspace = workspace_create(
                name=options["name"],
                owner=owner,
                slug=options["slug"],
                time_zone=options["time_zone"],
                language=options["language"],
            )
        self.stdout.write(
            self.style.SUCCESS(f"Workspace {workspace.name!r} at /w/{workspace.slug}/")
        )
        if password and not options["owner_password"]:
            self.stdout.write(f"New owner {email}, password: {password} (ask them to change it)")
