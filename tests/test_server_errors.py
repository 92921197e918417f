"""Input nobody signed in can send gets a clear 4xx, and a server error under /api/ keeps the API's JSON shape."""

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
def test_a_public_form_address_with_a_nul_byte_is_not_found_not_a_server_error():
    response = Client(raise_request_exception=False).get("/f/%00/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_token_request_nested_too_deep_is_a_bad_request():
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", "[" * 100_000, content_type="application/json", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.urls_failing", DEBUG=False)
def test_a_server_error_under_the_api_answers_json_and_a_page_elsewhere():
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/fails/")
    assert api.status_code == 500
    assert api.json() == {"code": "server_error", "detail": "Something went wrong on our side."}
    page = client.get("/fails/")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db(transaction=True)
@override_settings(DEBUG=False)
@pytest.mark.parametrize(("path", "language"), [("/api/v1/me/", "en"), ("/", "zh-hans")])
def test_a_database_that_cannot_answer_is_a_503_to_wait_out_not_a_server_error(org, path, language):
    """The connection the request would use is cut by the server (as a restart does): 503 with Retry-After."""
    import psycopg
    from django.db import connection

    client = Client(raise_request_exception=False, headers={"Accept-Language": language})
    client.force_login(org.frontline1)
    connection.ensure_connection()
    ours = connection.settings_dict
    with psycopg.connect(
        host=ours["HOST"], port=ours["PORT"] or 5432, user=ours["USER"], dbname=ours["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])

    try:
        response = client.get(path)
    finally:
        connection.close()  # the test client keeps Django from closing a broken connection after the request

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if path.startswith("/api/"):
        assert response.json()["code"] == "service_unavailable"
    else:
        assert "数据库" in response.content.decode()
