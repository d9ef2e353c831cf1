"""The audit log page and its CSV as an owner and an agent see them: filters, paging,
the export, and a query count that does not grow with the entries shown."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.admin_actions import admin_action_publish
from accounts.models import Membership
from accounts.services import membership_set_role

pytestmark = pytest.mark.django_db

PAGE = "/w/shop-a/settings/audit/"


def record(workspace, actor, count, action="labels.set_copied"):
    for n in range(count):
        admin_action_publish(workspace_id=workspace.pk, actor=actor, action=action,
                             target_type="labels", target_id=n,
                             target_label=f"<b>Bộ nhãn {n}</b>")  # fmt: skip


def test_an_owner_sees_each_entry_with_its_words_escaped(client_for, workspace_a, alice, bob):
    membership_set_role(actor=Membership.objects.get(user=alice),
                        membership=Membership.objects.get(user=bob), role="admin")  # fmt: skip
    record(workspace_a, alice, 1)
    page = client_for(alice).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "bob@a.test" in html and "Alice" in html
    assert "&lt;b&gt;Bộ nhãn 0&lt;/b&gt;" in html and "<b>Bộ nhãn" not in html


def test_an_agent_is_refused_the_page_and_the_export(client_for, workspace_a, bob):
    agent = client_for(bob)
    assert agent.get(PAGE).status_code in (403, 404)
    assert agent.get(PAGE + "export.csv").status_code in (403, 404)


def test_the_kind_filter_keeps_only_that_kind(client_for, workspace_a, alice, bob):
    membership_set_role(actor=Membership.objects.get(user=alice),
                        membership=Membership.objects.get(user=bob), role="admin")  # fmt: skip
    record(workspace_a, alice, 2)
    html = client_for(alice).get(PAGE, {"kind": "member.role_changed"}).content.decode()
    assert "bob@a.test" in html and "Bộ nhãn" not in html


def test_the_csv_holds_every_filtered_entry(client_for, workspace_a, alice):
    record(workspace_a, alice, 3)
    response = client_for(alice).get(PAGE + "export.csv")
    assert response.status_code == 200 and "text/csv" in response["Content-Type"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 3
    assert any("<b>Bộ nhãn 2</b>" in cell for cell in rows[1])


def test_the_page_costs_the_same_queries_for_3_or_60_entries(client_for, workspace_a, alice):
    owner = client_for(alice)
    record(workspace_a, alice, 3)
    owner.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        assert owner.get(PAGE).status_code == 200
    record(workspace_a, alice, 57)
    with CaptureQueriesContext(connection) as many:
        page = owner.get(PAGE)
    assert page.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # 60 entries: the first page holds 50 and offers the older ones
    assert page.content.decode().count("Bộ nhãn") >= 50
