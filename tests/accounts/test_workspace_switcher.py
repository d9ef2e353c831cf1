"""The workspace switcher in the person's menu: only for people in several workspaces."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership

SWITCHER = 'data-testid="workspace-switcher"'


def options(html: str) -> list[tuple[str, bool]]:
    """(href, is current) of each workspace offered."""
    found = re.findall(r'<a href="([^"]+)" data-testid="workspace-option"\s*([^>]*)>', html)
    return [(href, 'aria-current="true"' in rest) for href, rest in found]


def test_one_workspace_shows_no_switcher(client_for, bob):
    html = client_for(bob).get("/w/shop-a/").content.decode()
    assert 'data-testid="user-menu"' in html and SWITCHER not in html


def test_several_workspaces_are_listed_with_the_current_one_marked(client_for, bob, workspace_b):
    Membership.objects.create(workspace=workspace_b, user=bob, role="agent")
    client = client_for(bob)
    html = client.get("/w/shop-a/").content.decode()
    assert SWITCHER in html
    assert options(html) == [("/w/shop-a/", True), ("/w/shop-b/", False)]
    # one click: the other workspace's inbox, which becomes where "home" leads
    html = client.get("/w/shop-b/").content.decode()
    assert options(html) == [("/w/shop-a/", False), ("/w/shop-b/", True)]
    assert client.get("/")["Location"] == "/w/shop-b/"


def test_a_removed_membership_is_not_offered(client_for, bob, workspace_b):
    Membership.objects.create(workspace=workspace_b, user=bob, role="agent", is_active=False)
    html = client_for(bob).get("/w/shop-a/").content.decode()
    assert SWITCHER not in html
    assert client_for(bob).get("/w/shop-b/").status_code == 404


def test_switcher_adds_no_query_to_the_page(client_for, bob, workspace_b):
    client = client_for(bob)
    client.get("/w/shop-a/")  # warm
    with CaptureQueriesContext(connection) as alone:
        client.get("/w/shop-a/")
    Membership.objects.create(workspace=workspace_b, user=bob, role="agent")
    with CaptureQueriesContext(connection) as several:
        html = client.get("/w/shop-a/").content.decode()
    assert SWITCHER in html
    assert len(several) == len(alone)
