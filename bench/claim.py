#!/bin/sh
''''test -x "$(dirname "$0")/../.venv/bin/python" && exec "$(dirname "$0")/../.venv/bin/python" "$0" "$@"; exec python3 "$0" "$@" # '''  # fmt: skip
# Claim and anti-steal sweep benchmark; prints one JSON document on stdout.
#
#     bench/claim.py                  # 50 claimants x 30 trials, sweep at 1k vs 10k deadlines
#     bench/claim.py --trials 100 --beat # plus the real beat: release lag after a deadline
#
# Measures, on a throwaway database (`bench_claim`, dropped afterwards) of the server in
# DATABASE_URL:
# - claim latency (p50 / p95 / p99 / max) when 50 agents, each on its own connection, claim
#   one conversation at the same instant, and that exactly one of them wins every trial;
# - the anti-steal sweep with 1,000 vs 10,000 armed deadlines not yet due: the cost of a sweep
#   that finds nothing due and the cost per released conversation must not grow with them;
#   EXPLAIN (ANALYZE, BUFFERS) of the due query shows the partial index conv_release_due;
# - with --beat: a Celery worker with embedded beat on the bench database releases deadlines,
#   and the lag after each deadline is compared with the sweep interval.
# Progress goes to stderr.

import argparse
import datetime
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbox_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/inbox")
os.environ["TEST_DATABASE_NAME"] = os.environ.get("BENCH_DATABASE_NAME", "bench_claim")


UNIQUE = itertools.count()  # external ids stay unique across passes


def log(message: str) -> None:
    print(f"[bench/claim.py] {message}", file=sys.stderr, flush=True)


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


class Gang:
    """Threads that start each round together and keep their own database connection."""

    def __init__(self, size: int):
        self.size = size
        self.pool = ThreadPoolExecutor(max_workers=size)

    def run(self, work) -> list:
        barrier = threading.Barrier(self.size, timeout=60)

        def task(index):
            barrier.wait()
            return work(index)

        return [f.result() for f in [self.pool.submit(task, i) for i in range(self.size)]]

    def close(self) -> None:
        from django.db import connection

        self.run(lambda _i: connection.close())
        self.pool.shutdown()


def bench_claims(*, workspace, account, agents, trials: int) -> dict:
    from inbox_project.errors import ApplicationError
    from routing import services
    from tests.factories import make_conversation

    gang = Gang(len(agents))
    everyone, winners_latency, losers_latency = [], [], []
    exactly_one = 0
    started = time.perf_counter()
    try:
        gang.run(lambda _i: services.routing_settings_get(workspace_id=workspace.pk))  # connect
        for trial in range(trials):
            conversation = make_conversation(account, f"claim-{next(UNIQUE)}", f"Khách {trial}")

            def attempt(index, conversation=conversation):
                begin = time.perf_counter()
                try:
                    services.conversation_claim(
                        conversation_id=conversation.pk, user=agents[index], workspace=workspace
                    )
                    won = True
                except ApplicationError:
                    won = False
                return won, time.perf_counter() - begin

            results = gang.run(attempt)
            wins = sum(1 for won, _ in results if won)
            exactly_one += wins == 1
            for won, seconds in results:
                everyone.append(seconds)
                (winners_latency if won else losers_latency).append(seconds)
    finally:
        gang.close()
    return {
        "claimants": len(agents),
        "trials": trials,
        "trials_with_exactly_one_winner": exactly_one,
        "all_claims": percentiles(everyone),
        "winners": percentiles(winners_latency),
        "losers": percentiles(losers_latency),
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def bench_claims_processes(*, workspace, account, agents, trials: int) -> dict:
    """The same race from separate processes (as behind a multi-worker web server): forked
    workers, one connection each, released together by a shared barrier."""
    import multiprocessing

    from django.db import connection, connections

    from inbox_project.errors import ApplicationError
    from routing import services
    from tests.factories import make_conversation

    context = multiprocessing.get_context("fork")
    size = len(agents)
    barrier = context.Barrier(size)
    inboxes = [context.SimpleQueue() for _ in range(size)]
    results = context.SimpleQueue()

    def worker(index: int) -> None:
        while (conversation_id := inboxes[index].get()) is not None:
            barrier.wait()
            begin = time.perf_counter()
            try:
                services.conversation_claim(
                    conversation_id=conversation_id, user=agents[index], workspace=workspace
                )
                won = True
            except ApplicationError:
                won = False
            results.put((won, time.perf_counter() - begin))
        connection.close()

    connections.close_all()  # children open their own
    workers = [context.Process(target=worker, args=(i,), daemon=True) for i in range(size)]
    for process in workers:
        process.start()
    everyone, winners_latency, losers_latency = [], [], []
    exactly_one = 0
    started = time.perf_counter()
    try:
        for trial in range(trials + 1):  # trial 0 warms the connections up, not counted
            conversation = make_conversation(account, f"proc-{next(UNIQUE)}", f"Khách {trial}")
            for inbox in inboxes:
                inbox.put(conversation.pk)
            outcome = [results.get() for _ in range(size)]
            if trial == 0:
                continue
            exactly_one += sum(1 for won, _ in outcome if won) == 1
            for won, seconds in outcome:
                everyone.append(seconds)
                (winners_latency if won else losers_latency).append(seconds)
    finally:
        for inbox in inboxes:
            inbox.put(None)
        for process in workers:
            process.join(timeout=30)
    return {
        "claimants": size,
        "trials": trials,
        "trials_with_exactly_one_winner": exactly_one,
        "all_claims": percentiles(everyone),
        "winners": percentiles(winners_latency),
        "losers": percentiles(losers_latency),
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def bench_claim_alone(*, workspace, account, agent, repeat: int = 30) -> dict:
    """No contention: one agent claims fresh conversations one after another."""
    from routing import services
    from tests.factories import make_conversation

    samples = []
    for i in range(repeat + 3):
        conversation = make_conversation(account, f"alone-{next(UNIQUE)}", f"Khách {i}")
        begin = time.perf_counter()
        services.conversation_claim(
            conversation_id=conversation.pk, user=agent, workspace=workspace
        )
        if i >= 3:  # warm-up
            samples.append(time.perf_counter() - begin)
    return percentiles(samples)


def make_conversations(account, count: int, prefix: str):
    from conversations.models import Contact, Conversation, Customer

    workspace = account.workspace
    now = datetime.datetime.now(datetime.UTC)
    made = []
    for start in range(0, count, 2000):
        size = min(2000, count - start)
        customers = Customer.objects.bulk_create(
            [Customer(workspace=workspace, name=f"{prefix} {start + i}") for i in range(size)]
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    workspace=workspace,
                    customer=c,
                    channel_account=account,
                    external_id=f"{prefix}-{start + i}",
                )
                for i, c in enumerate(customers)
            ]
        )
        made += Conversation.objects.bulk_create(
            [
                Conversation(
                    workspace=workspace,
                    channel_account=account,
                    contact=c,
                    customer=c.customer,
                    last_message_at=now,
                    last_inbound_at=now,
                    last_message_direction="in",
                )
                for c in contacts
            ]
        )
    return [c.pk for c in made]


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - begin)
    return samples


def explain_due(now) -> str:
    from django.db import connection, transaction

    from routing import services

    query = services.release_due_queryset(now=now)[:1]  # exactly what the sweep runs
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def bench_sweep(*, account, agent, not_due_sizes=(1000, 10000), due: int = 100) -> dict:
    from django.db import connection

    from conversations.models import Conversation
    from routing import services
    from routing.models import RoutingSettings

    RoutingSettings.objects.update_or_create(
        workspace=account.workspace, defaults={"anti_steal_enabled": True}
    )
    largest = max(not_due_sizes)
    log(f"creating {largest + due} conversations for the sweep")
    armed_pool = make_conversations(account, largest, "armed")
    now = datetime.datetime.now(datetime.UTC)
    future = now + datetime.timedelta(hours=1)
    out = {}
    for size in not_due_sizes:
        Conversation.objects.filter(pk__in=armed_pool).update(assignee=None, release_deadline=None)
        Conversation.objects.filter(pk__in=armed_pool[:size]).update(
            assignee=agent, claimed_at=now, release_deadline=future
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE conversations_conversation")
        timed(lambda: services.release_due_sweep(now=now, limit=500), 20)  # warm-up
        empty = timed(lambda: services.release_due_sweep(now=now, limit=500), 300)
        due_ids = make_conversations(account, due, f"due{size}")
        Conversation.objects.filter(pk__in=due_ids).update(
            assignee=agent, claimed_at=now, release_deadline=now - datetime.timedelta(seconds=1)
        )
        begin = time.perf_counter()
        released = services.release_due_sweep(now=now, limit=10 * due)
        release_seconds = time.perf_counter() - begin
        plan = explain_due(now)
        out[f"{size}_armed_not_due"] = {
            "sweep_with_nothing_due": percentiles(empty),
            "released": released,
            "release_ms_per_conversation": round(release_seconds / max(released, 1) * 1000, 3),
            "explain_uses_partial_index": "conv_release_due" in plan,
            "explain": plan.splitlines(),
        }
        p50 = out[f"{size}_armed_not_due"]["sweep_with_nothing_due"]["p50_ms"]
        log(f"{size} armed, not due: a sweep that finds nothing takes {p50} ms (p50)")
    small, big = (out[f"{n}_armed_not_due"] for n in not_due_sizes)
    out["empty_sweep_p50_ratio_10k_over_1k"] = round(
        big["sweep_with_nothing_due"]["p50_ms"] / small["sweep_with_nothing_due"]["p50_ms"], 2
    )
    out["release_cost_ratio_10k_over_1k"] = round(
        big["release_ms_per_conversation"] / small["release_ms_per_conversation"], 2
    )
    return out


def bench_beat(*, account, agent, database_name: str, deadlines: int = 5) -> dict:
    """A real worker with embedded beat on the bench database; returns release lags."""
    import dj_database_url
    from django.conf import settings

    from conversations.models import Conversation
    from routing.models import AssignmentChange, RoutingSettings

    interval = settings.ROUTING_SWEEP_SECONDS
    RoutingSettings.objects.update_or_create(
        workspace=account.workspace, defaults={"anti_steal_enabled": True}
    )
    url = dj_database_url.parse(os.environ["DATABASE_URL"])
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{url['USER']}{':' + url['PASSWORD'] if url['PASSWORD'] else ''}"
        f"@{url['HOST'] or '127.0.0.1'}:{url['PORT'] or 5432}/{database_name}"
    )
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
    env.update(CELERY_BROKER_URL=broker, REDIS_URL=broker, LOG_LEVEL="WARNING")
    schedule = Path(f"/tmp/bench-claim-beat-{os.getpid()}")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "inbox_project", "worker", "-B",
         "-Q", "timers", "--concurrency", "1", "--pool", "solo",
         "--schedule", str(schedule), "--loglevel", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        ids = make_conversations(account, deadlines, "beat")
        time.sleep(3)  # let the worker start before the first deadline
        base = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
        due_at = {}
        for i, pk in enumerate(ids):
            due_at[pk] = base + datetime.timedelta(seconds=i * interval / max(deadlines, 1) * 1.7)
            Conversation.objects.filter(pk=pk).update(
                assignee=agent, claimed_at=base, release_deadline=due_at[pk]
            )
        give_up = time.monotonic() + 4 * interval + 30
        lags = {}
        while time.monotonic() < give_up and len(lags) < len(ids):
            time.sleep(0.2)
            seen = datetime.datetime.now(datetime.UTC)
            for pk in Conversation.objects.filter(
                pk__in=[p for p in ids if p not in lags], release_deadline__isnull=True
            ).values_list("pk", flat=True):
                change = AssignmentChange.objects.filter(
                    conversation_id=pk, reason="released_by_timer"
                ).first()
                lags[pk] = ((change.created_at if change else seen) - due_at[pk]).total_seconds()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        for leftover in schedule.parent.glob(schedule.name + "*"):
            leftover.unlink(missing_ok=True)
        # Beat also fired the other apps' sweeps into queues nobody consumed here: drop them.
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "inbox_project", "purge", "-f",
             "-Q", "ingest,outbound,timers,reports,celery"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
        )  # fmt: skip
    worst = max(lags.values()) if lags else None
    return {
        "sweep_interval_s": interval,
        "deadlines": deadlines,
        "released": len(lags),
        "lag_s": sorted(round(v, 2) for v in lags.values()),
        "max_lag_s": round(worst, 2) if worst is not None else None,
        "within_interval_plus_1s": worst is not None
        and len(lags) == deadlines
        and worst <= interval + 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Claim latency under 50 concurrent claimants and anti-steal sweep cost."
    )
    parser.add_argument("--claimants", type=int, default=50)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--beat", action="store_true", help="also run a real worker with beat")
    parser.add_argument(
        "--no-push", action="store_true", help="only measure without live pushes (no Redis)"
    )
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from conversations import events

    real_send_on_commit = events.send_on_commit

    def live_push(on: bool) -> None:
        events.send_on_commit = real_send_on_commit if on else (lambda group, payload, **kw: None)

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    log("creating the bench database (migrations)")
    old_name = connection.settings_dict["NAME"]
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from tests.factories import make_channel_account, make_user, make_workspace

        workspace = make_workspace("Bench shop", "bench-shop")
        account = make_channel_account(workspace, "facebook", "bench-page", "Bench fanpage")
        agents = [
            make_user(f"agent{i}@bench.test", f"Agent {i}", workspace, "agent")
            for i in range(args.claimants)
        ]
        result = {
            "postgresql": f"{connection.pg_version // 10000}.{connection.pg_version % 10000}",
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
        }
        for push in [False] if args.no_push else [True, False]:
            label = "with_live_push" if push else "without_live_push"
            live_push(push)
            log(f"{label}: uncontended, {args.claimants} threads, {args.claimants} processes")
            result[label] = {
                "claim_uncontended": bench_claim_alone(
                    workspace=workspace, account=account, agent=agents[0]
                ),
                "claim_threads": bench_claims(
                    workspace=workspace, account=account, agents=agents, trials=args.trials
                ),
                "claim_processes": bench_claims_processes(
                    workspace=workspace, account=account, agents=agents, trials=args.trials
                ),
            }
        live_push(False)  # the sweep's scaling is about the due query, not the pushes
        result["sweep_without_live_push"] = bench_sweep(account=account, agent=agents[0])
        if args.beat:
            log("real beat: worker with embedded beat on the bench database")
            result["beat"] = bench_beat(account=account, agent=agents[0], database_name=db_name)
        result["load_average_at_end"] = os.getloadavg()
    finally:
        connection.close()
        if not args.keep_db:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    ok = all(
        run[kind]["trials_with_exactly_one_winner"] == run[kind]["trials"]
        for label, run in result.items()
        if label in ("with_live_push", "without_live_push")
        for kind in ("claim_threads", "claim_processes")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
