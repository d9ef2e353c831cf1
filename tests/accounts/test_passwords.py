"""Password reset by e-mail (single-use link) and change (other sessions end)."""

import re
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client

from tests.factories import PASSWORD

NEW = "a-brand-new-Passw0rd-2026"


def _reset_link(client, email) -> str:
    assert client.post("/password/reset/", {"email": email}).status_code == 302
    body = mail.outbox[-1].body
    url = re.search(r"https?://\S+", body).group(0)
    return urlsplit(url).path


def test_login_page_links_to_reset(client, db):
    assert 'href="/password/reset/"' in client.get("/login/").content.decode()


def test_reset_link_works_once_and_ends_every_session(client, alice, client_for):
    other = client_for(alice)
    assert other.get("/").status_code == 302 and "_auth_user_id" in other.session
    path = _reset_link(client, alice.email)
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    confirm = form_page.redirect_chain[-1][0]
    done = client.post(confirm, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    # the link is spent
    again = Client().get(path, follow=True)
    assert not again.context["validlink"]
    # the session opened before the reset is over
    assert other.get(f"/w/{alice.memberships.first().workspace.slug}/").status_code == 302


def test_reset_for_unknown_email_sends_nothing(client, db):
    client.post("/password/reset/", {"email": "nobody@x.test"})
    assert mail.outbox == []


def test_change_password_ends_other_sessions_keeps_this_one(alice, client_for):
    here, there = Client(), Client()
    here.force_login(alice)
    there.force_login(alice)
    slug = alice.memberships.first().workspace.slug
    assert there.get(f"/w/{slug}/").status_code == 200
    response = here.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert here.get(f"/w/{slug}/").status_code == 200
    assert there.get(f"/w/{slug}/").status_code == 302


def test_change_password_is_in_the_user_menu(alice, client_for):
    slug = alice.memberships.first().workspace.slug
    page = client_for(alice).get(f"/w/{slug}/").content.decode()
    assert 'href="/password/change/"' in page
