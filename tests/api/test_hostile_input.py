"""Hostile or odd input is a clear 4xx, never a 500 (regressions found by fuzzing the API)."""

import io
import json
import uuid

import pytest

from complaints.models import Complaint


@pytest.mark.parametrize("field", ["store", "category", "assignee", "severity", "channel", "servqual_dimension"])
def test_lone_surrogate_in_a_code_or_choice_is_400_in_valid_json(org, api, field):
    body = '{"category": "food_quality", "description": "x", "%s": "\\ud800"}' % field  # noqa: UP031
    response = api(org.frontline1).client.post("/api/v1/complaints/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert field in json.loads(response.content)


@pytest.mark.parametrize("field", ["store", "category", "assignee"])
def test_nul_byte_in_a_code_is_400(org, api, field):
    response = api(org.frontline1).log(**{field: "S1\x00"})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("value", [True, False, 12345, ["a"], {"a": 1}])
def test_id_must_be_a_uuid_string(org, api, value):
    response = api(org.frontline1).log(id=value)
    assert response.status_code == 400
    assert "id" in response.json()
    assert not Complaint.objects.exists()


def test_overlong_customer_email_is_400(org, api):
    response = api(org.frontline1).log(customer={"email": "a" * 250 + "@example.com"})
    assert response.status_code == 400
    assert "email" in response.json()["customer"]


@pytest.mark.parametrize(
    "params",
    [
        {"created_to": "9999-12-31"},
        {"created_from": "0001-01-01T00:00:00+00:01"},
        {"created_from": "2026-01-01T00:00:00+16:00"},
        {"search": "x" * 60_000},
        {"customer_phone": "1" * 500},
    ],
)
def test_extreme_list_parameters_are_400_or_answered(org, api, params):
    response = api(org.frontline1).client.get("/api/v1/complaints/", params)
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert set(response.json()) <= set(params)


def test_offset_datetimes_are_compared_in_utc(org, api):
    api(org.frontline1).log()
    response = api(org.frontline1).get("/api/v1/complaints/", created_to="2100-01-01T00:00:00+16:00")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_json_nested_too_deep_is_a_parse_error(org, api):
    response = api(org.frontline1).client.post(
        "/api/v1/complaints/", data="[" * 5000 + "]" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("key", ["ab\x01cd", "键", " "])
def test_idempotency_key_must_be_printable_ascii(org, api, key):
    complaint_id = api(org.frontline1).log().json()["id"]
    response = api(org.frontline1).client.post(
        f"/api/v1/complaints/{complaint_id}/apologize/",
        data="{}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_token_with_a_nul_byte_is_401(org, client):
    response = client.get("/api/v1/complaints/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 401


def test_sign_in_ignores_a_stale_authorization_header(org, client):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "frontline1", "password": "test-pass-123"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000",
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_charset_that_is_not_a_text_encoding_is_400_before_django_sees_it():
    from config.wsgi import application

    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/v1/complaints/",
        "QUERY_STRING": "status=new",
        "CONTENT_TYPE": "application/json; charset=rot13",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["400 Bad Request"]
    assert json.loads(body)["code"] == "unsupported_charset"


def test_uuid_in_the_path_may_be_upper_case_or_without_dashes(org, api):
    complaint_id = uuid.UUID(api(org.frontline1).log().json()["id"])
    for spelling in (str(complaint_id).upper(), complaint_id.hex):
        response = api(org.frontline1).get(f"/api/v1/complaints/{spelling}/")
        assert response.status_code == 200
        assert response.json()["id"] == str(complaint_id)


def test_too_big_a_body_is_a_json_400(org, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(org.frontline1).log(description="x" * 5000)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_too_big_a_body_is_the_same_json_400_with_debug_on(org, api, settings):
    # Django would answer with its debug page: development sees what production's clients see.
    settings.DEBUG = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(org.frontline1).log(description="x" * 5000)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (set(body), body["code"]) == ({"code", "detail"}, "bad_request")
