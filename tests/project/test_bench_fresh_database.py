"""Each bench works on a DATABASE_URL that has never been migrated (bench/claim.py and
bench/ingest.py build throwaway databases and migrate them; bench/inbox.py migrates the one
given)."""

import json
import os
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from dj_database_url import parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_database_url():
    admin = parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    name = f"bench_fresh_{uuid.uuid4().hex[:8]}"
    host, port, user = admin["HOST"] or "127.0.0.1", admin["PORT"] or 5432, admin["USER"]
    conn = psycopg2.connect(
        host=host, port=port, user=user, password=admin["PASSWORD"] or None, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    auth = user + (f":{admin['PASSWORD']}" if admin["PASSWORD"] else "")
    yield f"postgres://{auth}@{host}:{port}/{name}"
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.mark.slow
def test_bench_inbox_migrates_a_fresh_database(fresh_database_url):
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"}
    env["DATABASE_URL"] = fresh_database_url
    result = subprocess.run(
        [str(ROOT / "bench" / "inbox.py"), "--small", "1000", "--large", "2000",
         "--messages-per", "1", "--runs", "2", "--warmup", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "does not exist" not in result.stderr
    report = json.loads(result.stdout)
    assert report  # the figures came out
