"""Self-service sign-up: the form, the e-mailed link, and every way it can go wrong."""

import re
import threading
import time

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.db import connections, transaction
from django.test import Client, override_settings

from accounts import signup
from accounts.models import Membership, Role, User, Workspace
from accounts.services import workspace_create, workspace_slug_base
from tests.factories import PASSWORD, make_user

GOOD = {
    "shop_name": "Shop Giày Đẹp",
    "full_name": "Nguyễn Thị Lan",
    "email": "Lan@Example.vn",
    "password": "mot-mat-khau-dai-9",
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts in Redis (this run's own database); each test starts at zero."""
    cache.clear()
    yield


def submit(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/signup/", {**GOOD, **changes})


def logs_in(email: str, password: str) -> bool:
    response = Client().post("/login/", {"username": email, "password": password})
    return response.status_code == 302


def link_in(message) -> str:
    return re.search(r"https?://\S+(/signup/verify/\S+/)", message.body).group(1)


def test_login_page_links_to_signup(client, db):
    assert 'href="/signup/"' in client.get("/login/").content.decode()


def test_whole_flow_creates_owner_workspace_and_lands_in_inbox(
    client, db, django_capture_on_commit_callbacks
):
    response = submit(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert "lan@example.vn" in client.get("/signup/sent/").content.decode()
    # nothing usable yet: an inactive person who cannot log in, no workspace
    user = User.objects.get(email="lan@example.vn")
    assert not user.is_active and not Workspace.objects.exists()
    assert not logs_in("lan@example.vn", GOOD["password"])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lan@example.vn"]
    assert "Shop Giày Đẹp" in mail.outbox[0].subject

    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 302 and response["Location"] == "/w/shop-giay-dep/"
    workspace = Workspace.objects.get()
    assert (workspace.name, workspace.slug, workspace.time_zone) == (
        "Shop Giày Đẹp", "shop-giay-dep", "Asia/Ho_Chi_Minh",
    )  # fmt: skip
    assert Membership.objects.get(workspace=workspace).user == user
    assert Membership.objects.get(workspace=workspace).role == Role.OWNER
    user.refresh_from_db()
    assert user.is_active and user.full_name == "Nguyễn Thị Lan" and user.language == "vi"
    inbox = client.get("/w/shop-giay-dep/")
    assert inbox.status_code == 200
    assert "Shop Giày Đẹp" in inbox.content.decode()
    assert logs_in("lan@example.vn", GOOD["password"])


def test_mail_follows_the_language_of_the_form(client, db, django_capture_on_commit_callbacks):
    client.post("/language/", {"language": "en", "next": "/signup/"})
    submit(client, django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Confirm your e-mail to open Shop Giày Đẹp"
    client.get(link_in(mail.outbox[0]))
    assert Workspace.objects.get().language == "en"
    mail.outbox.clear()
    submit(Client(), django_capture_on_commit_callbacks, email="vi@example.vn")
    assert mail.outbox[0].subject == "Xác nhận e-mail để mở Shop Giày Đẹp"


def test_new_owner_sees_only_the_new_workspace(
    client, db, workspace_a, alice, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks)
    client.get(link_in(mail.outbox[0]))
    assert client.get("/w/shop-a/").status_code == 404
    assert client.get("/w/shop-a/members/").status_code == 404
    assert client.get("/w/shop-giay-dep/members/").status_code == 200
    assert client.get("/").headers["Location"] == "/w/shop-giay-dep/"


def test_double_click_logs_in_again_and_never_makes_a_second_workspace(
    client, db, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    assert client.get(link)["Location"] == "/w/shop-giay-dep/"
    other = Client()  # the second click may come from another browser (or a mail scanner)
    assert other.get(link)["Location"] == "/w/shop-giay-dep/"
    assert other.get("/w/shop-giay-dep/").status_code == 200
    assert Workspace.objects.count() == 1 and Membership.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_make_one_workspace(django_capture_on_commit_callbacks):
    submit(Client(), django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    results, start = [], threading.Barrier(2)

    def click():
        try:
            start.wait()
            results.append(Client().get(link)["Location"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == ["/w/shop-giay-dep/", "/w/shop-giay-dep/"]
    assert Workspace.objects.count() == 1 and Membership.objects.count() == 1


def test_registered_email_gets_the_same_page_and_a_note_by_mail(
    client, db, alice, django_capture_on_commit_callbacks
):
    response = submit(client, django_capture_on_commit_callbacks, email="Alice@A.test")
    assert response["Location"] == "/signup/sent/"  # the page does not tell: same as new
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@a.test"]
    assert "/signup/verify/" not in mail.outbox[0].body
    assert "/password/reset/" in mail.outbox[0].body and "/login/" in mail.outbox[0].body
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD) and alice.full_name == "Alice"  # untouched
    assert Workspace.objects.count() == 1


def test_asking_again_replaces_the_earlier_link(client, db, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks)
    submit(client, django_capture_on_commit_callbacks, password="mat-khau-moi-dai-7")
    first, second = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    response = client.get(first)
    assert response.status_code == 404
    assert 'data-testid="signup-link-invalid"' in response.content.decode()
    assert client.get(second)["Location"] == "/w/shop-giay-dep/"
    assert logs_in("lan@example.vn", "mat-khau-moi-dai-7")


def test_bad_form_keeps_what_was_typed(client, db, django_capture_on_commit_callbacks):
    response = submit(client, django_capture_on_commit_callbacks, password="123", email="x")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Shop Giày Đẹp"' in html and 'value="Nguyễn Thị Lan"' in html
    assert html.count('class="form-error"') == 2
    assert not User.objects.exists() and not mail.outbox


def test_password_like_the_email_is_refused(client, db, django_capture_on_commit_callbacks):
    response = submit(
        client, django_capture_on_commit_callbacks, email="lanshop2024@x.vn", password="lanshop2024"
    )
    assert response.status_code == 200 and not User.objects.exists()


def test_shop_name_is_escaped(client, db, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks, shop_name="<b>Tiệm</b>")
    client.get(link_in(mail.outbox[0]))
    html = client.get("/w/b-tiem-b/").content.decode()
    assert "&lt;b&gt;Tiệm&lt;/b&gt;" in html and "<b>Tiệm</b>" not in html


def test_tampered_link_says_so_and_offers_to_sign_up_again(
    client, db, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    response = client.get(link[:-6] + "xxxxx/")
    assert response.status_code == 404
    assert 'data-testid="signup-link-invalid"' in response.content.decode()
    assert 'href="/signup/"' in response.content.decode()
    assert not Workspace.objects.exists()


def test_expired_link_offers_a_new_one(client, db, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks)
    old = link_in(mail.outbox[0])
    token = old.split("/")[-2]
    with override_settings(SIGNUP_LINK_MAX_AGE=-1):
        response = client.get(old)
    assert response.status_code == 410
    assert 'data-testid="signup-resend"' in response.content.decode()
    assert not Workspace.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/resend/", {"token": token})
    assert response["Location"] == "/signup/sent/"
    assert len(mail.outbox) == 2
    assert client.get(link_in(mail.outbox[1]))["Location"] == "/w/shop-giay-dep/"
    # once used, the old one cannot be resent
    response = client.post("/signup/resend/", {"token": token})
    assert response.status_code == 400 and 'href="/login/"' in response.content.decode()


def test_resend_refuses_a_forged_token(client, db):
    forged = signing.TimestampSigner(salt="other").sign_object({"u": 1, "s": "x", "p": "y"})
    response = client.post("/signup/resend/", {"token": forged})
    assert response.status_code == 400 and not mail.outbox


@override_settings(SIGNUP_MAX_PER_IP=3, SIGNUP_MAX_PER_EMAIL=2)
def test_submissions_are_throttled_per_address_and_per_email(
    client, db, django_capture_on_commit_callbacks
):
    assert submit(client, django_capture_on_commit_callbacks).status_code == 302
    assert submit(client, django_capture_on_commit_callbacks).status_code == 302
    response = submit(client, django_capture_on_commit_callbacks)  # third mail to Lan
    assert response.status_code == 429 and 'data-testid="signup-error"' in response.content.decode()
    assert 'value="Shop Giày Đẹp"' in response.content.decode()  # nothing typed is lost
    other = submit(client, django_capture_on_commit_callbacks, email="hoa@example.vn")
    assert other.status_code == 429  # fourth from this address
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    response = submit(elsewhere, django_capture_on_commit_callbacks, email="hoa@example.vn")
    assert response.status_code == 302
    assert len(mail.outbox) == 3


@override_settings(SIGNUP_OPEN=False)
def test_closed_signup_is_not_found(client, db, django_capture_on_commit_callbacks):
    assert client.get("/signup/").status_code == 404
    assert submit(client, django_capture_on_commit_callbacks).status_code == 404
    assert 'href="/signup/"' not in client.get("/login/").content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Shop Giày Đẹp", "shop-giay-dep"),
        ("Đồ Ăn Vặt Bà Tư", "do-an-vat-ba-tu"),
        ("Thời trang  Nữ -- Hà Nội!", "thoi-trang-nu-ha-noi"),
        ("🛍️", "shop"),
    ],
)
def test_slug_folds_vietnamese_accents(name, slug):
    assert workspace_slug_base(name) == slug


def test_taken_slug_gets_a_number(db):
    owner = make_user("o@x.vn", "O")
    slugs = [workspace_create(name="Shop Giày Đẹp", owner=owner).slug for _ in range(3)]
    assert slugs == ["shop-giay-dep", "shop-giay-dep-2", "shop-giay-dep-3"]


@pytest.mark.django_db(transaction=True)
def test_two_signups_racing_for_one_slug_both_get_a_workspace():
    """The first holds its new slug uncommitted while the second checks: the second's insert
    waits on the unique index, fails when the first commits and takes the next number."""
    first_owner, second_owner = make_user("a@x.vn", "A"), make_user("b@x.vn", "B")
    created, second_done = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                workspace_create(name="Shop Giày Đẹp", owner=first_owner)
                created.set()
                time.sleep(0.5)  # the second checks, inserts and waits meanwhile
        finally:
            connections.close_all()

    def second():
        try:
            created.wait(10)
            second_done.append(workspace_create(name="Shop Giày Đẹp", owner=second_owner).slug)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert second_done == ["shop-giay-dep-2"]
    assert dict(Workspace.objects.values_list("slug", "memberships__user__email")) == {
        "shop-giay-dep": "a@x.vn",
        "shop-giay-dep-2": "b@x.vn",
    }


def test_pending_signup_is_not_a_pending_person_once_active(db):
    user = make_user("x@x.vn", "X")
    assert not signup.is_pending_signup(user)
