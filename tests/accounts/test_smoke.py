def test_login_page_renders_in_vietnamese(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
