"""Play customers on a workspace's Meta channels, Zalo OAs and Shopee shops: signed,
real-shaped webhooks posted to the running server at a chosen rate (Zalo's and Shopee's to
their kind's one address, signed like theirs: devtools/simulator_zalo.py, simulator_shopee.py).
Against the stand-in, each Shopee buyer message is also registered there, so the worker's
read-back through sellerchat/get_message finds it.

    manage.py simulate --workspace shop-demo --rate 2 --count 100
    manage.py simulate --workspace shop-demo --page 1234567890 --rate 0.3 --count 0   # forever
"""

from __future__ import annotations

import random
import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.models import Workspace
from channels_app.models import ChannelAccount
from channels_app.providers.shopee import config as shopee_config
from devtools import simulator, simulator_shopee, simulator_zalo, standin

SIMULATED_KINDS = ["facebook", "instagram", "zalo", "shopee"]


class Command(BaseCommand):
    help = (
        "Send signed, real-shaped Meta and Zalo webhooks to the running server, as customers would."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="workspace slug")
        parser.add_argument("--page", action="append", default=[],
                            help="page / IG account external id (repeatable; default: all)")  # fmt: skip
        parser.add_argument("--rate", type=float, default=1.0, help="events per second")
        parser.add_argument("--count", type=int, default=20, help="events to send; 0 = forever")
        parser.add_argument("--customers", type=int, default=12, help="distinct customers per page")
        parser.add_argument("--base-url", default=settings.SITE_URL, help="the running server")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, **options):
        accounts = self._accounts(options["workspace"], options["page"])
        if options["rate"] <= 0:
            raise CommandError("--rate must be positive")
        kinds = {account.kind for account in accounts}
        if kinds & {"facebook", "instagram"} and not settings.META_APP_SECRET:
            raise CommandError("META_APP_SECRET is not set: webhooks could not be signed.")
        if "zalo" in kinds and not (settings.ZALO_APP_ID and settings.ZALO_OA_SECRET_KEY):
            raise CommandError("ZALO_APP_ID / ZALO_OA_SECRET_KEY are not set: Zalo pushes "
                               "could not be signed.")  # fmt: skip
        rng = random.Random(options["seed"])
        media_base = standin.media_base(settings.META_GRAPH_URL)  # images the worker can fetch
        session = requests.Session()
        interval = 1.0 / options["rate"]
        start = time.monotonic()
        sent = failed = 0
        self.stdout.write(f"Simulating customers on {len(accounts)} channel(s) at "
                          f"{options['rate']:g}/s; Ctrl-C stops.")  # fmt: skip
        try:
            while options["count"] == 0 or sent + failed < options["count"]:
                account = rng.choice(accounts)
                if account.kind == "shopee":
                    what, ok = self._shopee(session, options, account, rng, media_base)
                elif account.kind == "zalo":
                    what, body = simulator_zalo.random_event(
                        settings.ZALO_APP_ID, account.external_id, rng,
                        customers=options["customers"], media_base=media_base,
                    )  # fmt: skip
                    ok = self._post(session, options["base_url"], account, body)
                else:
                    what, body = simulator.random_event(
                        account.kind,
                        account.external_id,
                        rng,
                        customers=options["customers"],
                        media_base=media_base,
                    )
                    ok = self._post(session, options["base_url"], account, body)
                sent, failed = sent + ok, failed + (not ok)
                if options["verbosity"] > 1:
                    self.stdout.write(
                        f"{account.display_name}: {what} -> {'ok' if ok else 'FAILED'}"
                    )
                delay = start + (sent + failed) * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"sent {sent}, failed {failed}")

    def _accounts(self, slug: str, pages: list[str]) -> list[ChannelAccount]:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace {slug!r}.")
        queryset = ChannelAccount.objects.filter(
            workspace=workspace, kind__in=SIMULATED_KINDS, is_active=True
        )
        if pages:
            queryset = queryset.filter(external_id__in=pages)
        accounts = list(queryset)
        if not accounts:
            raise CommandError(
                f"Workspace {slug!r} has no active Facebook, Instagram, Zalo or Shopee channel."
            )
        return accounts

    def _post(self, session, base_url: str, account: ChannelAccount, body: dict) -> bool:
        if account.kind == "zalo":  # one address for every OA, routed by the body
            raw = simulator_zalo.encode(body)
            url = base_url.rstrip("/") + reverse("webhook_shared", kwargs={"kind": "zalo"})
            headers = simulator_zalo.signed_headers(
                app_id=settings.ZALO_APP_ID, oa_secret_key=settings.ZALO_OA_SECRET_KEY, raw=raw
            )
        else:
            raw = simulator.encode(body)
            url = base_url.rstrip("/") + reverse(
                "webhook", kwargs={"kind": account.kind, "key": account.webhook_key}
            )
            headers = simulator.signed_headers(settings.META_APP_SECRET, raw)
        try:
            response = session.post(url, data=raw, headers=headers, timeout=10)
        except requests.RequestException as exc:
            self.stderr.write(f"{url}: {exc}")
            return False
        if response.status_code != 200:
            self.stderr.write(f"{url}: HTTP {response.status_code}")
        return response.status_code == 200

    def _shopee(self, session, options, account, rng, media_base: str) -> tuple[str, bool]:
        """One buyer action on a Shopee shop, signed like Shopee signs pushes."""
        what, push, message = simulator_shopee.random_push(
            account.external_id, rng, buyers=options["customers"], media_base=media_base
        )
        origin = simulator_shopee.standin_origin(shopee_config.api_url())
        if origin:
            try:
                session.post(f"{origin}/api/v2/_messages", timeout=5,
                             json={"shop_id": account.external_id, "message": message})  # fmt: skip
            except requests.RequestException as exc:
                self.stderr.write(f"stand-in: {exc}")
        raw = simulator_shopee.encode(push)
        url = options["base_url"].rstrip("/") + reverse(
            "webhook", kwargs={"kind": "shopee", "key": shopee_config.push_key()}
        )
        headers = simulator_shopee.signed_headers(
            key=shopee_config.push_partner_key(), callback_url=shopee_config.push_callback_url(),
            body=raw,
        )  # fmt: skip
        try:
            response = session.post(url, data=raw, headers=headers, timeout=10)
        except requests.RequestException as exc:
            self.stderr.write(f"{url}: {exc}")
            return what, False
        if response.status_code != 200:
            self.stderr.write(f"{url}: HTTP {response.status_code}")
        return what, response.status_code == 200
