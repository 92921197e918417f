"""What a shared tablet keeps and what a page may do (issue 26, item 10): a strict Content-Security-Policy and a
Permissions-Policy on every answer, nothing a signed-in person is shown kept by the browser, and a language cookie
that goes over HTTPS only and to no other site."""

import pytest

from tests.web.test_pages import signed_in

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.mark.parametrize("path", ["/sign-in/", "/admin/login/", "/api/v1/", "/healthz"])
def test_every_answer_carries_a_strict_content_security_policy_and_a_permissions_policy(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert policy(response).items() >= STRICT.items()
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_api_docs_run_no_inline_script_either(client, db):
    page = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert "<script>" not in page.content.decode()  # Swagger UI's start is a file of its own
    assert script["Content-Type"].startswith("application/javascript")
    assert policy(page)["script-src"] == "'self'"
    # drf-spectacular's page has one inline style of its own, allowed there alone.
    assert policy(page)["style-src"] == "'self' 'unsafe-inline'"


def test_the_public_form_carries_them_too(client, org):
    response = client.get(f"/f/{org.s1.public_token}/")

    assert policy(response).items() >= STRICT.items()
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "path", ["/", "/complaints/new/", "/board/", "/approvals/", "/inbox/", "/api/v1/complaints/export.csv"]
)
def test_nothing_shown_to_a_signed_in_person_is_kept_by_the_browser(org, path):
    response = signed_in(org.supervisor1).get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_nor_what_the_api_answers_a_token(org, api):
    response = api(org.frontline1).get("/api/v1/complaints/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_language_cookie_goes_over_https_only_and_to_no_other_site(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/sign-in/"})

    cookie = response.cookies["django_language"]
    assert cookie.value == "zh-hans"
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
