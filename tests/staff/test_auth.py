"""Signing in for a token, using it, and revoking it."""

from rest_framework.test import APIClient

from tests.factories import PASSWORD


def test_token_for_the_right_password_opens_the_api(org):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "frontline1", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() | {"first_name": "", "last_name": ""} == {
        "username": "frontline1",
        "first_name": "",
        "last_name": "",
        "email": "frontline1@example.com",
        "role": "frontline",
        "store": "S1",
        "region": None,
        "language": "",
    }


def test_wrong_password_is_400_and_gives_no_token(org):
    response = APIClient().post("/api/v1/auth/token/", {"username": "frontline1", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert response.json()["non_field_errors"]


def test_missing_credentials_are_field_errors(org):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_revoked_token_no_longer_works(org):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "frontline1", "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_session_login_works_for_the_browsable_api(org, client):
    assert client.login(username="manager1", password=PASSWORD)
    response = client.get("/api/v1/me/")
    assert response.json()["region"] == "R1"
