from django.conf import settings
from django.test import override_settings

from tests.factories import PASSWORD


def test_login_with_email_and_land_in_own_workspace(client, alice, workspace_a):
    response = client.post("/login/", {"username": "ALICE@a.test", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home["Location"] == f"/w/{workspace_a.slug}/"


def test_wrong_password_says_so(client, alice):
    response = client.post("/login/", {"username": alice.email, "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_logout_is_a_post(client_for, alice):
    client = client_for(alice)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302  # back to the login page


def test_default_language_is_vietnamese_even_for_english_browsers(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


def test_language_switch_on_login_page(client, db):
    response = client.post("/language/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/login/")
    assert page["Content-Language"] == "en"
    assert "Log in" in page.content.decode()


def test_language_choice_is_remembered_on_the_user(client_for, alice, client):
    client_for(alice).post("/language/", {"language": "en"})
    alice.refresh_from_db()
    assert alice.language == "en"
    client.logout()
    client.cookies.clear()
    response = client.post("/login/", {"username": alice.email, "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_language_switch_ignores_foreign_redirects(client, db):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_switcher_lists_every_workspace_and_home_remembers_the_last(
    client_for, alice, workspace_a, workspace_b
):
    from accounts.models import Membership

    Membership.objects.create(workspace=workspace_b, user=alice, role="agent")
    client = client_for(alice)
    html = client.get(f"/w/{workspace_a.slug}/").content.decode()
    assert f"/w/{workspace_b.slug}/" in html and workspace_b.name in html
    client.get(f"/w/{workspace_b.slug}/")
    assert client.get("/")["Location"] == f"/w/{workspace_b.slug}/"


def test_user_without_workspace_gets_a_clear_page(client_for, db):
    from tests.factories import make_user

    loner = make_user("loner@example.com", "Loner")
    response = client_for(loner).get("/")
    assert response.status_code == 200
    assert "liên kết mời" in response.content.decode()  # "ask the owner for an invitation link"


def test_workspace_time_zone_and_language_are_active_on_its_pages(rf, alice, workspace_a):
    from django.http import HttpResponse
    from django.utils import timezone, translation

    from accounts.middleware import TenancyMiddleware

    workspace_a.time_zone = "Europe/Warsaw"
    workspace_a.language = "en"
    workspace_a.save()
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        seen["language"] = translation.get_language()
        return HttpResponse()

    request = rf.get("/w/shop-a/")
    request.user = alice
    request.session = {}
    request.language_chosen = False
    middleware = TenancyMiddleware(
        lambda req: middleware.process_view(req, view, (), {"ws": "shop-a"}) or view(req)
    )
    middleware(request)
    assert seen == {"zone": "Europe/Warsaw", "language": "en"}
    assert request.session["last_workspace"] == "shop-a"


@override_settings(LANGUAGE_COOKIE_SECURE=True)
def test_language_cookie_is_secure_in_production(client, db):
    response = client.post("/language/", {"language": "en", "next": "/login/"}, secure=True)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"] is True


def test_production_settings_make_the_language_cookie_secure():
    import subprocess
    import sys

    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "CREDENTIAL_KEYS": "ZGV2LW9ubHktY3JlZGVudGlhbC1rZXktMzItYnl0ZXN4",
        "PATH": "/usr/bin:/bin",
    }
    code = "import inbox_project.settings as s; print(s.LANGUAGE_COOKIE_SECURE)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr
