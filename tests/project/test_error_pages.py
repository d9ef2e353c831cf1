"""Error pages use the app's layout in production (DEBUG off): the header for a signed-in
person, one card saying what happened, a way back; never the browser's or Django's page."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.views.defaults import server_error

pytestmark = [pytest.mark.django_db]


def layout_of(response):
    html = response.content.decode()
    assert 'data-testid="error-page"' in html
    assert "/static/" in html  # the app's stylesheet, not a bare page
    assert 'data-testid="error-home"' in html
    return html


@override_settings(DEBUG=False)
def test_a_foreign_workspace_is_404_in_the_app_layout(client_for, bob, workspace_b):
    response = client_for(bob).get(f"/w/{workspace_b.slug}/")
    assert response.status_code == 404
    html = layout_of(response)
    assert 'data-status="404"' in html
    assert "Không tìm thấy trang" in html  # Vietnamese by default
    assert 'data-testid="user-menu"' in html  # signed in: the header is there
    assert workspace_b.name not in html  # never confirms the other shop exists


@override_settings(DEBUG=False)
def test_an_admin_page_is_403_for_an_agent_in_the_app_layout(client_for, bob, workspace_a):
    response = client_for(bob).get(f"/w/{workspace_a.slug}/members/")
    assert response.status_code == 403
    html = layout_of(response)
    assert 'data-status="403"' in html and "Không có quyền" in html


@override_settings(DEBUG=False)
def test_an_expired_form_is_explained(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post("/logout/")
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in layout_of(response)


@override_settings(DEBUG=False)
def test_the_english_404_for_a_visitor_offers_the_login(db):
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = layout_of(response)
    assert "Page not found" in html and "Go to the login page" in html
    assert 'data-testid="user-menu"' not in html


@override_settings(DEBUG=False)
def test_500_renders_without_a_request_context():
    with translation.override("vi"):  # LocaleMiddleware has run by the time Django renders it
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = layout_of(response)
    assert "Đã có lỗi xảy ra" in html and 'lang="vi"' in html
