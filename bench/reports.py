#!/bin/sh
''''test -x "$(dirname "$0")/../.venv/bin/python" && exec "$(dirname "$0")/../.venv/bin/python" "$0" "$@"; exec python3 "$0" "$@" # '''  # fmt: skip
# Reports speed, printed as JSON:
#
#     bench/reports.py                  # 1,000 vs 100,000 conversations over 90 days
#     bench/reports.py --runs 10 --no-seed --no-backfill
#
# Uses DATABASE_URL / REDIS_URL like every other command; the shell line above runs it with
# the project's .venv when there is one.
#
# 1. Builds two workspaces with `manage.py seed_demo --days 90` (1,000 and 100,000
#    conversations, 10 messages each: 10,000 and 1,000,000 messages, with claims, a few
#    transfers and timer releases, orders of which some returned, and labels).
# 2. Backfill: deletes each workspace's facts and rollups, then times the service behind
#    `manage.py reports_backfill --workspace <slug>` (derivation of every conversation, the
#    phones, the rollup of every day touched): conversations/s and facts/s. Rollup
#    throughput: queues every (workspace, day) of the large workspace's facts and times
#    `pending_rollup()` rebuilding them all: facts rolled up per second.
# 3. Times, through the full Django stack (test client, logged-in owner, middleware, ORM,
#    templates), the 90-day overview page (range=custom, start=today-89, end=today), and the
#    selectors alone: the per-agent figures (`figures_by(..., AGENT)`) and the heatmap, on
#    both workspaces, alternating requests; p50 / p95 over --runs after --warmup, the ratio
#    large / small and the page's query count. Goals: p95 <= 300 ms and <= 1.5 x small.
#    The ceiling, measured in the same run: the very SQL statements each case sent (captured
#    from Django, SELECTs only) replayed through a bare psycopg2 connection, so the report
#    shows what Django, Python and rendering add to the database's own time. Before timing,
#    the reports' tables are vacuumed as autovacuum would (visibility map set: the covering
#    indexes of reports/migrations/0002 answer index-only).
#
# The figures measured, and what changed them, are in docs/reports.md ("Speed").
#
# `bench/reports.py --help` for the knobs.

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbox_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # the development settings (no TLS redirect)
os.environ.setdefault("DJANGO_DEVTOOLS", "1")  # seed_demo is a devtools command

GOAL_P95_MS = 300.0
GOAL_RATIO = 1.5
BENCH_USER = "owner@shopdemo.vn"  # the demo owner: sees the whole team's report


def log(message: str) -> None:
    print(f"[bench/reports.py] {message}", file=sys.stderr, flush=True)


def manage(*args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    log("$ manage.py " + " ".join(args))
    subprocess.run(command, check=True, cwd=ROOT, stdout=sys.stderr)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(timings: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
    }


def reports_clear(cursor, workspace_id: int) -> None:
    for table in (
        "reportfact",
        "dailyrollup",
        "dailylabelrollup",
        "hourlyinbound",
        "hourlyinboundall",
        "pendingday",
    ):
        cursor.execute(f"DELETE FROM reports_{table} WHERE workspace_id = %s", [workspace_id])
    cursor.execute(
        "DELETE FROM reports_pendingconversation WHERE conversation_id IN"
        " (SELECT id FROM conversations_conversation WHERE workspace_id = %s)",
        [workspace_id],
    )


def backfill_measure(workspace) -> dict:
    from django.db import connection

    from reports.services.backfill import reports_backfill

    with connection.cursor() as cursor:
        reports_clear(cursor, workspace.pk)
        cursor.execute("VACUUM ANALYZE reports_reportfact")  # the deleted rows, gone
    started = time.perf_counter()
    result = reports_backfill(workspace_ids=[workspace.pk])
    seconds = time.perf_counter() - started
    return {
        **result,
        "seconds": round(seconds, 2),
        "conversations_per_s": round(result["conversations"] / seconds),
        "facts_per_s": round(result["facts_written"] / seconds),
    }


def rollup_measure(workspace) -> dict:
    from django.db import connection

    from reports.services.rollup import pending_rollup

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM reports_reportfact WHERE workspace_id = %s", [workspace.pk]
        )
        facts = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO reports_pendingday (workspace_id, day) SELECT DISTINCT workspace_id, day"
            " FROM reports_reportfact WHERE workspace_id = %s ON CONFLICT DO NOTHING",
            [workspace.pk],
        )
    started = time.perf_counter()
    days = pending_rollup()
    seconds = time.perf_counter() - started
    return {
        "facts": facts,
        "days_rebuilt": days,
        "seconds": round(seconds, 2),
        "facts_per_s": round(facts / seconds),
        "days_per_s": round(days / seconds, 1),
    }


class Replay:
    """The SELECT statements a case sent, replayed through a bare psycopg2 connection."""

    def __init__(self, params: dict):
        import psycopg2

        self.connection = psycopg2.connect(**params)  # the app's session options too
        self.connection.autocommit = True

    def run(self, statements: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()


def captured_selects(run) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    statements = [q["sql"] for q in captured.captured_queries]
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    return len(statements), selects


def measure_pair(cases: dict, replay: Replay, runs: int, warmup: int) -> dict:
    """Time one case on each workspace, alternating so that load from elsewhere on the
    machine hits both alike; then the same case's SQL alone, through psycopg2."""
    timings = {key: [] for key in cases}
    for _ in range(warmup):
        for run in cases.values():
            run()
    for _ in range(runs):
        for key, run in cases.items():
            started = time.perf_counter()
            run()
            timings[key].append((time.perf_counter() - started) * 1000)
    result = {}
    sql = {}
    for key, run in cases.items():
        queries, selects = captured_selects(run)
        sql[key] = selects
        result[key] = {**summary(timings[key]), "queries": queries}
    bare = {key: [] for key in cases}
    for _ in range(warmup):
        for key in cases:
            replay.run(sql[key])
    for _ in range(runs):
        for key in cases:
            started = time.perf_counter()
            replay.run(sql[key])
            bare[key].append((time.perf_counter() - started) * 1000)
    for key in cases:
        result[key]["sql_only"] = summary(bare[key])
    p95 = {key: result[key]["p95_ms"] for key in cases}
    result["p95_ratio"] = round(p95["large"] / max(p95["small"], 0.01), 2)
    result["ok"] = p95["large"] <= GOAL_P95_MS and result["p95_ratio"] <= GOAL_RATIO
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Reports speed, printed as JSON.")
    parser.add_argument("--small", type=int, default=1_000, help="conversations, small workspace")
    parser.add_argument("--large", type=int, default=100_000, help="conversations, large workspace")
    parser.add_argument("--messages-per", type=int, default=10)
    parser.add_argument("--days", type=int, default=90, help="days the conversations span")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="use the workspaces as they are")
    parser.add_argument(
        "--no-backfill", action="store_true", help="keep the facts: skip backfill and rollup"
    )
    options = parser.parse_args()

    slugs = {
        "small": f"bench-reports-{options.small // 1000}k",
        "large": f"bench-reports-{options.large // 1000}k",
    }
    manage("migrate", "--no-input", "-v", "0")
    if not options.no_seed:
        for key in ("small", "large"):
            started = time.monotonic()
            manage(
                "seed_demo", "--conversations", str(getattr(options, key)), "--messages-per",
                str(options.messages_per), "--days", str(options.days), "--workspace",
                slugs[key], "--verbosity", "1",
            )  # fmt: skip
            log(f"seeded {slugs[key]} in {time.monotonic() - started:.0f} s")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User, Workspace
    from conversations.models import Conversation, Message, Order
    from reports.periods import CUSTOM, Period
    from reports.selectors.figures import AGENT, ReportFilters, figures_by, heatmap
    from routing.models import AssignmentChange

    setup_test_environment()  # the test client may talk to "testserver"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    workspaces = {key: Workspace.objects.get(slug=slug) for key, slug in slugs.items()}

    report: dict = {
        "goal": f"p95 <= {GOAL_P95_MS:.0f} ms and large p95 <= {GOAL_RATIO} x small p95",
        "workspaces": {},
    }
    for key, ws in workspaces.items():
        changes = AssignmentChange.objects.filter(workspace=ws)
        orders = Order.objects.filter(workspace=ws)
        report["workspaces"][key] = {
            "slug": ws.slug,
            "conversations": Conversation.objects.filter(workspace=ws).count(),
            "messages": Message.objects.filter(workspace=ws).count(),
            "claims": changes.filter(reason="claimed").count(),
            "transfers": changes.filter(reason="transferred").count(),
            "timer_releases": changes.filter(reason="released_by_timer").count(),
            "orders": orders.count(),
            "returned_orders": orders.filter(status="returned").count(),
        }
    log(f"workspaces: {report['workspaces']}")

    if not options.no_backfill:
        report["backfill"] = {}
        for key, ws in workspaces.items():
            report["backfill"][key] = backfill_measure(ws)
            log(f"backfill {key}: {report['backfill'][key]}")
        report["rollup_large"] = rollup_measure(workspaces["large"])
        log(f"rollup large: {report['rollup_large']}")
    with connection.cursor() as cursor:
        # The state autovacuum leaves an insert-mostly table in (PostgreSQL 13+ vacuums after
        # inserts too): the visibility map set, so the covering indexes answer index-only.
        for table in (
            "reportfact",
            "dailyrollup",
            "dailylabelrollup",
            "hourlyinbound",
            "hourlyinboundall",
        ):
            cursor.execute(f"VACUUM ANALYZE reports_{table}")
        cursor.execute("ANALYZE")
        for key, ws in workspaces.items():
            cursor.execute(
                "SELECT count(*), min(day), max(day) FROM reports_reportfact WHERE workspace_id = %s",
                [ws.pk],
            )
            facts, first, last = cursor.fetchone()
            report["workspaces"][key].update(facts=facts, first_day=str(first), last_day=str(last))

    user = User.objects.get(email=BENCH_USER)
    clients, filters, urls = {}, {}, {}
    for key, ws in workspaces.items():  # one session each: switching workspace rewrites it
        clients[key] = Client()
        clients[key].force_login(user)
        today = datetime.datetime.now(ZoneInfo(ws.time_zone)).date()  # the page's today
        start = today - datetime.timedelta(days=89)
        filters[key] = ReportFilters(workspace_id=ws.pk, period=Period(CUSTOM, start, today))
        query = {"range": "custom", "start": start.isoformat(), "end": today.isoformat()}
        urls[key] = f"/w/{ws.slug}/reports/?{urlencode(query)}"

    def page(key):
        def run():
            response = clients[key].get(urls[key])
            assert response.status_code == 200, (urls[key], response.status_code)

        return run

    replay = Replay(connection.get_connection_params())
    cases = {
        "overview_page_90_days": {key: page(key) for key in workspaces},
        "agent_figures_90_days": {
            key: (lambda f=filters[key]: figures_by(f, AGENT)) for key in workspaces
        },
        "heatmap_90_days": {key: (lambda f=filters[key]: heatmap(f)) for key in workspaces},
    }
    report["runs_per_case"] = options.runs
    for name, pair in cases.items():
        report[name] = measure_pair(pair, replay, options.runs, options.warmup)
        row = report[name]
        log(
            f"{name:24} small p95 {row['small']['p95_ms']:7.1f} ms  large p95 "
            f"{row['large']['p95_ms']:7.1f} ms  x{row['p95_ratio']:.2f}  queries "
            f"{row['small']['queries']}/{row['large']['queries']}  sql only "
            f"{row['small']['sql_only']['p95_ms']:.1f}/{row['large']['sql_only']['p95_ms']:.1f} ms"
        )
    report["all_within_goal"] = all(report[name]["ok"] for name in cases)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
