"""The reports page and its exports, as owner, agent and stranger."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conversations.models import Conversation
from reports.models import ReportFact
from reports.routers import ReportsReplicaRouter, reports_database
from reports.services.backfill import reports_backfill
from tests.factories import make_conversation
from tests.reports import timeline as t
from tests.reports.conftest import write_timeline

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
MARCH = "range=custom&start=2026-03-01&end=2026-03-31"
# The page's queries whatever the rows shown: session, tenancy, the filters' choices, the
# figures of the period and of the one before, the four tables, the heatmap and live now.
REPORT_PAGE_QUERIES = 27


def url(workspace, query=MARCH):
    return reverse("reports", kwargs={"ws": workspace.slug}) + "?" + query


def export(workspace, table, fmt, query=MARCH):
    return (
        reverse("reports_export", kwargs={"ws": workspace.slug, "table": table, "fmt": fmt})
        + "?"
        + query
    )


@pytest.fixture
def scripted(workspace_a, page_a, agents):
    conversation = write_timeline(page_a, agents)
    reports_backfill(workspace_ids=[workspace_a.pk])
    return conversation


def test_owner_sees_the_team(client_for, alice, scripted, agents):
    body = client_for(alice).get(url(alice.memberships.get().workspace)).content.decode()
    for testid in ("kpis", "live-now", "table-agents", "table-channels", "table-labels",
                   "table-trend", "heatmap", "chart-handled_conversations"):  # fmt: skip
        assert f'data-testid="{testid}"' in body, testid
    assert "500.000 ₫" in body  # revenue, Vietnamese grouping
    assert "100,0 %" in body  # close rate, decimal comma
    assert agents[t.LAN].display_name in body and agents[t.MINH].display_name in body


def test_html_in_names_is_escaped(client_for, alice, workspace_a, page_a, scripted, agents):
    agents[t.LAN].full_name = "<script>alert(1)</script>"
    agents[t.LAN].save()
    body = client_for(alice).get(url(workspace_a)).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_the_query_count_does_not_grow_with_the_rows(
    client_for, alice, workspace_a, page_a, scripted
):
    client = client_for(alice)
    client.get(url(workspace_a))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(url(workspace_a))
    for i in range(20):
        make_conversation(page_a, f"psid-more-{i}", f"Khách {i}", at=t.at(10, 9, i))
    reports_backfill(workspace_ids=[workspace_a.pk])
    with CaptureQueriesContext(connection) as many:
        client.get(url(workspace_a))
    assert len(few) == len(many) == REPORT_PAGE_QUERIES, [q["sql"][:90] for q in many]


def test_an_agent_sees_only_their_own_work(client_for, workspace_a, scripted, agents):
    lan = agents[t.LAN]
    response = client_for(lan).get(url(workspace_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="table-agents"' not in body and 'data-testid="live-now"' not in body
    assert 'data-testid="report-agent"' not in body  # no choosing someone else
    # Lan replied twice and handled one conversation; Hùng's order counts for her too (she
    # handled the conversation) but not his replies.
    assert 'data-testid="kpi-handled"' in body and 'data-testid="kpi-new_customers"' not in body
    rows = list(csv.reader(io.StringIO(b"".join(
        client_for(lan).get(export(workspace_a, "trend", "csv")).streaming_content
    ).decode("utf-8-sig"))))  # fmt: skip
    header, data = rows[0], rows[1:]
    handled = header.index("Đã xử lý")
    assert sum(int(row[handled]) for row in data) == 2  # Monday and Tuesday
    assert client_for(lan).get(export(workspace_a, "agents", "csv")).status_code == 404
    # asking for another agent changes nothing
    other = client_for(lan).get(url(workspace_a, MARCH + f"&agent={agents[t.HUNG].pk}"))
    assert 'data-testid="table-agents"' not in other.content.decode()


def test_csv_and_xlsx_exports(client_for, alice, workspace_a, scripted, agents):
    client = client_for(alice)
    response = client.get(export(workspace_a, "agents", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_name = {row[0]: row for row in rows[1:]}
    header = rows[0]
    assert by_name["Lan"][header.index("Tin đã gửi")] == "2"
    assert by_name["Lan"][header.index("Tỉ trọng trả lời")] == "50.0"  # 2 of the team's 4
    assert by_name["Minh"][header.index("Bị thu hồi")] == "1"
    assert by_name["Hùng"][header.index("Doanh thu")] == "500000"  # raw VND in files
    xlsx = client.get(export(workspace_a, "channels", "xlsx"))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[0][0] == "Kênh" and sheet[1][0] == "Shop A fanpage"
    assert client.get(export(workspace_a, "nothing", "csv")).status_code == 404
    assert client.get(export(workspace_a, "agents", "pdf")).status_code == 404


def test_a_stranger_gets_nothing(client_for, charlie, workspace_a, scripted):
    client = client_for(charlie)
    assert client.get(url(workspace_a)).status_code == 404
    assert client.get(export(workspace_a, "agents", "csv")).status_code == 404


def test_a_bad_query_falls_back_to_the_last_week(client_for, alice, workspace_a, scripted):
    response = client_for(alice).get(
        url(workspace_a, "range=custom&start=nope&label=999999&agent=x")
    )
    assert response.status_code == 200
    assert 'data-testid="kpis"' in response.content.decode()


def test_the_empty_state(client_for, alice, workspace_a):
    body = client_for(alice).get(url(workspace_a)).content.decode()
    assert 'data-testid="report-empty"' in body


def test_english(client_for, alice, workspace_a, scripted):
    client = client_for(alice)
    client.cookies["django_language"] = "en"
    body = client.get(url(workspace_a)).content.decode()
    assert "Close rate" in body and "Conversations handled" in body


def test_report_reads_go_to_the_replica_when_there_is_one(settings):
    router = ReportsReplicaRouter()
    assert router.db_for_read(ReportFact) == "default" == reports_database()
    settings.REPORTS_READ_DATABASE = "replica"
    assert router.db_for_read(ReportFact) == "replica" == reports_database()
    assert router.db_for_write(ReportFact) == "default"
    assert router.allow_migrate("replica", "reports") is False
    assert router.db_for_read(Conversation) is None  # the inbox reads the primary


def test_database_replica_url_configures_the_replica():
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.REPORTS_READ_DATABASE, settings.DATABASES['replica']['NAME'], "
        "settings.DATABASES['replica']['TEST'])"
    )
    env = {**os.environ, "DATABASE_REPLICA_URL": "postgres://reader@127.0.0.1:5432/inbox_replica"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout  # fmt: skip
    assert out.split()[:2] == ["replica", "inbox_replica"] and "MIRROR" in out


def test_a_member_who_left_keeps_their_row_under_a_plain_name(
    client_for, alice, workspace_a, scripted, agents
):
    minh = agents[t.MINH]
    minh.memberships.filter(workspace=workspace_a).update(is_active=False)
    body = client_for(alice).get(url(workspace_a)).content.decode()
    assert f"(thành viên cũ #{minh.pk})" in body
