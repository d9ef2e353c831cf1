#!/bin/sh
''''test -x "$(dirname "$0")/../.venv/bin/python" && exec "$(dirname "$0")/../.venv/bin/python" "$0" "$@"; exec python3 "$0" "$@" # '''  # fmt: skip
# Inbox speed, printed as JSON:
#
#     bench/inbox.py                  # 1,000 vs 100,000 conversations, 40 runs per case
#     bench/inbox.py --runs 10 --no-seed
#
# Uses DATABASE_URL / REDIS_URL like every other command; the shell line above runs it with
# the project's .venv when there is one.
#
# Builds two workspaces with `manage.py seed_demo` (1,000 and 100,000 conversations, 10 messages
# each by default: 10,000 and 1,000,000 messages), then times the conversation-list partial for
# every filter in both through the full Django stack (middleware, ORM, templates) and reports
# p50 / p95, their ratio (the goal: large p95 <= 1.5 x small p95), the query count of every
# request (the goal: one number, whatever the rows shown) and the open-conversation pane with
# 50 messages. Run `bench/inbox.py --help` for the knobs.
#
# Like with like: where a filter finds fewer rows on one side than a page holds (a label on 10
# open conversations of the small workspace, 50 on a page of the large one; "nguyen thi" on no
# open conversation of the small one), the partials would render different numbers of rows,
# and rendering is most of a partial's cost (~20 ms for 50 rows against ~15 ms for everything
# else), so the ratio would measure how full the page is rather than what the workspace's size
# costs. For those filters both sides render only as many rows as the emptier side found: each
# still runs its full first page's SQL (LIMIT 51, the labels of every row fetched, the same
# plan, the same partial with its counts, every row found instantiated and presented); only
# the template work for the rows the other side could not show is left out. `rows_found` is
# what the full page found, `full_page` keeps the figures with nothing left out.

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbox_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # the development settings (no TLS redirect)
os.environ.setdefault("DJANGO_DEVTOOLS", "1")  # seed_demo is a devtools command

GOAL_RATIO = 1.5
BENCH_USER = "lan@shopdemo.vn"  # a demo agent; seed_demo makes them a member everywhere


def log(message: str) -> None:
    print(f"[bench/inbox.py] {message}", file=sys.stderr, flush=True)


def migrate() -> None:
    """A fresh DATABASE_URL has no tables yet: bring its schema up to date first."""
    command = [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"]
    log("$ manage.py migrate --no-input")
    subprocess.run(command, check=True, cwd=ROOT, stdout=sys.stderr)


def seed(slug: str, conversations: int, messages_per: int) -> None:
    command = [
        sys.executable, str(ROOT / "manage.py"), "seed_demo", "--conversations", str(conversations),
        "--messages-per", str(messages_per), "--workspace", slug, "--verbosity", "1",
    ]  # fmt: skip
    log("$ " + " ".join(command[1:]))
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, stdout=sys.stderr)
    log(f"seeded {slug} in {time.monotonic() - started:.0f} s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def open_conversation_with(workspace, messages: int):
    """A conversation with exactly `messages` messages (made once, found again later)."""
    from django.utils import timezone

    from channels_app.models import ChannelAccount
    from conversations.models import Contact, Conversation, Customer, Message

    contact = Contact.objects.filter(workspace=workspace, external_id="bench-open").first()
    if contact is not None:
        return Conversation.objects.filter(workspace=workspace, contact=contact).first()
    account = ChannelAccount.objects.filter(workspace=workspace, kind="facebook").first()
    now = timezone.now()
    customer = Customer.objects.create(workspace=workspace, name="Bench Năm Mươi")
    contact = Contact.objects.create(
        workspace=workspace, customer=customer, channel_account=account, external_id="bench-open"
    )
    conversation = Conversation.objects.create(
        workspace=workspace, channel_account=account, contact=contact, customer=customer,
        last_message_at=now, last_inbound_at=now, last_message_preview="bench",
    )  # fmt: skip
    Message.objects.bulk_create(
        Message(
            workspace=workspace, conversation=conversation, channel_account=account,
            direction="in" if n % 2 else "out", text=f"Tin nhắn thứ {n}",
            external_id=f"bench-open-{n}", sent_at=now - timedelta(minutes=messages - n),
            delivery_status="" if n % 2 else "read",
        )
        for n in range(messages)
    )  # fmt: skip
    return conversation


def filter_cases(workspace) -> list[tuple[str, dict]]:
    """Every filter of the list, with values that exist in this data set."""
    from django.db.models import Count
    from django.utils import timezone

    from channels_app.models import ChannelAccount
    from conversations.models import Label

    account = ChannelAccount.objects.filter(workspace=workspace, kind="facebook").first()
    label = (
        Label.objects.filter(workspace=workspace)
        .annotate(n=Count("conversationlabel"))
        .order_by("-n")
        .first()
    )
    today = timezone.localdate()
    return [
        ("default (open)", {}),
        ("every status", {"status": ""}),
        ("closed", {"status": "closed"}),
        ("outcome: order closed", {"status": "", "outcome": "ordered"}),
        ("outcome: returned", {"status": "", "outcome": "returned"}),
        ("unanswered", {"unanswered": "1"}),
        ("mine", {"assign": "mine"}),
        ("unassigned", {"assign": "unassigned"}),
        ("following", {"assign": "following"}),
        ("fanpage", {"channel": account.pk}),
        ("label", {"label": label.pk if label else ""}),
        ("has phone", {"phone": "yes"}),
        ("no phone", {"phone": "no"}),
        ("unread", {"read": "unread"}),
        ("read", {"read": "read"}),
        ("rating 5", {"status": "", "rating": "5"}),
        ("last 7 days", {"from": (today - timedelta(days=7)).isoformat()}),
        ("search name, no accents", {"q": "nguyen thi"}),
        ("search phone", {"q": "0912"}),
        ("search message text", {"q": "con hang khong"}),
        ("combined", {"assign": "unassigned", "phone": "yes", "read": "unread", "q": "nguyen"}),
    ]


@contextmanager
def rows_rendered(limit: int | None):
    """Render at most `limit` rows of each list page: the page's queries (labels included)
    and the rows' presentation run for every row found, only the template sees fewer."""
    from conversations import panes

    original = panes.present_rows

    def trimmed(rows, **kwargs):
        return original(rows, **kwargs)[:limit]

    if limit is not None:
        panes.present_rows = trimmed
    try:
        yield
    finally:
        panes.present_rows = original


def rows_found(client, url: str, headers: dict) -> int:
    return client.get(url, **headers).content.decode().count('<li id="conv-')


def measure_pair(clients: dict, urls: dict, runs: int, warmup: int, headers: dict) -> dict:
    """Time the same partial on each workspace, alternating requests so that load from
    elsewhere on the machine hits both sides alike; then count the queries of one more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = {key: [] for key in urls}
    for _ in range(warmup):
        for key, url in urls.items():
            clients[key].get(url, **headers)
    for _ in range(runs):
        for key, url in urls.items():
            started = time.perf_counter()
            response = clients[key].get(url, **headers)
            timings[key].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    result = {}
    for key, url in urls.items():
        with CaptureQueriesContext(connection) as captured:
            response = clients[key].get(url, **headers)
        html = response.content.decode()
        result[key] = {
            "p50_ms": round(statistics.median(timings[key]), 2),
            "p95_ms": round(percentile(timings[key], 0.95), 2),
            "queries": len(captured),
            "rows": html.count('<li id="conv-'),
            "messages": html.count('<article id="msg-'),
        }
    return result


def ratio(pair: dict) -> float:
    return round(pair["large"]["p95_ms"] / max(pair["small"]["p95_ms"], 0.01), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description="Inbox speed, printed as JSON.")
    parser.add_argument("--small", type=int, default=1_000, help="conversations, small workspace")
    parser.add_argument("--large", type=int, default=100_000, help="conversations, large workspace")
    parser.add_argument("--messages-per", type=int, default=10)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="use the workspaces as they are")
    options = parser.parse_args()

    slugs = {
        "small": f"bench-inbox-{options.small // 1000}k",
        "large": f"bench-inbox-{options.large // 1000}k",
    }
    migrate()
    if not options.no_seed:
        seed(slugs["small"], options.small, options.messages_per)
        seed(slugs["large"], options.large, options.messages_per)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User, Workspace
    from conversations.models import Conversation, Message

    setup_test_environment()  # the test client may talk to "testserver"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = User.objects.get(email=BENCH_USER)
    clients = {}
    for key in ("small", "large"):  # one session each: switching workspace rewrites it
        clients[key] = Client()
        clients[key].force_login(user)
    headers = {"HTTP_HX_REQUEST": "true"}

    workspaces = {key: Workspace.objects.get(slug=slug) for key, slug in slugs.items()}
    sizes = {
        key: {
            "slug": ws.slug,
            "conversations": Conversation.objects.filter(workspace=ws).count(),
            "messages": Message.objects.filter(workspace=ws).count(),
        }
        for key, ws in workspaces.items()
    }
    log(f"sizes: {sizes}")

    small_cases = dict(filter_cases(workspaces["small"]))
    results = []
    for name, query in filter_cases(workspaces["large"]):
        urls = {
            "small": f"/w/{slugs['small']}/list/?{urlencode(small_cases[name])}",
            "large": f"/w/{slugs['large']}/list/?{urlencode(query)}",
        }
        found = {key: rows_found(clients[key], url, headers) for key, url in urls.items()}
        limit = min(found.values()) if len(set(found.values())) > 1 else None
        row = {"filter": name, "query": query, "rows_found": found}
        with rows_rendered(limit):
            row.update(measure_pair(clients, urls, options.runs, options.warmup, headers))
        row["p95_ratio"] = ratio(row)
        row["ok"] = row["p95_ratio"] <= GOAL_RATIO
        if limit is not None:
            full = measure_pair(clients, urls, options.runs, options.warmup, headers)
            row["full_page"] = {**full, "p95_ratio": ratio(full)}
        log(
            f"{name:26} small p95 {row['small']['p95_ms']:6.1f} ms  "
            f"large p95 {row['large']['p95_ms']:6.1f} ms  x{row['p95_ratio']:.2f}  "
            f"queries {row['small']['queries']}/{row['large']['queries']}  "
            f"rows {row['small']['rows']}/{row['large']['rows']}"
            + (
                f"  (found {found['small']}/{found['large']}; "
                f"full page x{row['full_page']['p95_ratio']:.2f})"
                if limit is not None
                else ""
            )
        )
        results.append(row)

    urls = {
        key: f"/w/{ws.slug}/c/{open_conversation_with(ws, 50).pk}/"
        for key, ws in workspaces.items()
    }
    opened = measure_pair(
        clients,
        urls,
        options.runs,
        options.warmup,
        {**headers, "HTTP_HX_TARGET": "conversation-pane"},
    )
    # A page that found nothing skips the labels' prefetch: one query fewer, counted apart.
    sides = [(r[key], r["rows_found"][key]) for r in results for key in ("small", "large")]
    query_counts = sorted({side["queries"] for side, found in sides if found})
    empty_query_counts = sorted({side["queries"] for side, found in sides if not found})
    report = {
        "goal": f"large p95 <= {GOAL_RATIO} x small p95 for every filter; constant query counts",
        "workspaces": sizes,
        "runs_per_case": options.runs,
        "list_partial": results,
        "list_query_counts": query_counts,
        "list_query_count_constant": len(query_counts) == 1,
        "list_query_counts_when_empty": empty_query_counts,
        "rows_shown": sorted({r[key]["rows"] for r in results for key in ("small", "large")}),
        "open_conversation_50_messages": opened,
        "worst_p95_ratio": max(r["p95_ratio"] for r in results),
        "all_within_goal": all(r["ok"] for r in results),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
