"""Repeated failed sign-ins lock a username out at that address for 15 minutes: the token endpoint and the admin."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from tests.helpers import compose_trusted_proxies

TOKEN = "/api/v1/auth/token/"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TABLET, ELSEWHERE = "203.0.113.10", "198.51.100.7"


def sign_in(username: str, password: str, address: str = TABLET, **headers: str):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address, headers=headers
    )


def fail(username: str, times: int, address: str = TABLET) -> list[int]:
    return [sign_in(username, "wrong-password", address).status_code for _ in range(times)]


@pytest.fixture
def at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_five_wrong_passwords_lock_the_username_even_for_the_right_one(org, at_t0):
    statuses = fail("frontline1", 4)
    fifth = sign_in("frontline1", "wrong-password")
    at_t0.shift(timedelta(minutes=1))

    right = sign_in("frontline1", PASSWORD)

    assert statuses == [400] * 4
    assert fifth.status_code == 429  # the failure that locks says so
    assert right.status_code == 429
    assert right.json() == {
        "code": "signin_locked",
        "detail": "Too many failed sign-ins: try again in 14 minutes.",
        "retry_after": 14 * 60,
    }
    assert right["Retry-After"] == "840"
    assert "token" not in right.json()


def test_a_try_while_locked_out_does_not_extend_the_wait(org, at_t0):
    fail("frontline1", 5)
    at_t0.shift(timedelta(minutes=10))
    assert sign_in("frontline1", "wrong-password").json()["retry_after"] == 5 * 60

    at_t0.shift(timedelta(minutes=5, seconds=1))

    assert sign_in("frontline1", PASSWORD).status_code == 200


def test_another_user_on_the_same_tablet_can_still_sign_in(org, at_t0):
    fail("frontline1", 5)

    assert sign_in("frontline2", PASSWORD).status_code == 200
    assert sign_in("frontline1", PASSWORD, address=ELSEWHERE).status_code == 200
    assert sign_in("frontline1", PASSWORD).status_code == 429


def test_after_the_cool_off_the_right_password_works(org, at_t0):
    fail("frontline1", 5)
    at_t0.shift(timedelta(minutes=14, seconds=59))
    assert sign_in("frontline1", PASSWORD).status_code == 429

    at_t0.shift(timedelta(seconds=2))
    response = sign_in("frontline1", PASSWORD)

    assert response.status_code == 200
    assert response.json()["token"]


def test_a_successful_sign_in_forgets_the_failures_before_it(org, at_t0):
    assert fail("frontline1", 4) == [400] * 4
    assert sign_in("frontline1", PASSWORD).status_code == 200

    assert fail("frontline1", 4) == [400] * 4
    assert sign_in("frontline1", PASSWORD).status_code == 200


def test_failures_older_than_the_cool_off_do_not_count(org, at_t0):
    fail("frontline1", 4)
    at_t0.shift(timedelta(minutes=16))

    assert fail("frontline1", 4) == [400] * 4
    assert sign_in("frontline1", PASSWORD).status_code == 200


def test_a_guesser_cycling_usernames_from_one_address_is_stopped_at_its_ceiling(org, at_t0, settings):
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 12
    guesses = [sign_in(f"user{n % 4}", "guess").status_code for n in range(12)]  # 3 each: under 5 per username

    assert guesses == [400] * 11 + [429]
    assert sign_in("frontline2", PASSWORD).status_code == 429
    assert sign_in("frontline2", PASSWORD, address=ELSEWHERE).status_code == 200
    at_t0.shift(timedelta(minutes=15, seconds=1))
    assert sign_in("frontline2", PASSWORD).status_code == 200


def test_usernames_that_do_not_exist_count_too(org, at_t0):
    fail("nobody", 4)

    response = sign_in("nobody", "wrong-password")

    assert (response.status_code, response.json()["code"]) == (429, "signin_locked")


def test_an_overlong_username_is_counted_not_a_500(org, at_t0):
    assert fail("x" * 5000, 5) == [400] * 4 + [429]


@pytest.mark.parametrize("username", ["frontline1\\u0000", "\\ud800"])
def test_a_username_that_cannot_be_stored_is_a_field_error_not_a_500(org, at_t0, username):
    body = '{"username": "%s", "password": "wrong-password"}' % username  # noqa: UP031
    response = APIClient().post(TOKEN, data=body, content_type="application/json", REMOTE_ADDR=TABLET)

    assert response.status_code == 400
    assert "username" in response.json()


def test_a_spoofed_x_forwarded_for_is_ignored_without_a_proxy(org, at_t0):
    statuses = [
        sign_in("frontline1", "wrong-password", **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(5)
    ]

    assert statuses == [400] * 4 + [429]


@pytest.fixture
def compose_proxy(settings) -> str:
    """Settings as Compose gives them to the web service; the proxy's address."""
    settings.TRUSTED_PROXIES = compose_trusted_proxies()
    return str(settings.TRUSTED_PROXIES[0].network_address)


def test_a_caller_that_reaches_gunicorn_directly_cannot_choose_its_address(org, at_t0, compose_proxy):
    """Issue 26: 40 wrong passwords, a new X-Forwarded-For each, were never locked; then the right one signed in."""
    statuses = [
        sign_in("supervisor1", "wrong-password", ELSEWHERE, **{"X-Forwarded-For": f"10.{n}.0.1"}).status_code
        for n in range(40)
    ]

    assert statuses == [400] * 4 + [429] * 36
    assert sign_in("supervisor1", PASSWORD, ELSEWHERE, **{"X-Forwarded-For": "10.99.0.1"}).status_code == 429


def test_behind_the_proxy_the_client_is_the_address_the_proxy_saw_not_what_it_sent(org, at_t0, compose_proxy):
    def through_the_proxy(password: str, sent_by_the_client: str):
        return sign_in("supervisor1", password, compose_proxy, **{"X-Forwarded-For": f"{sent_by_the_client}, {TABLET}"})

    statuses = [through_the_proxy("wrong-password", f"10.{n}.0.1").status_code for n in range(5)]

    assert statuses == [400] * 4 + [429]
    assert through_the_proxy(PASSWORD, "10.99.0.1").status_code == 429
    # Someone else behind the same proxy is someone else.
    elsewhere = sign_in("supervisor1", PASSWORD, compose_proxy, **{"X-Forwarded-For": ELSEWHERE})
    assert elsewhere.status_code == 200


def test_a_guesser_rotating_ipv6_addresses_inside_its_64_is_locked_like_one_address(org, at_t0):
    statuses = [sign_in("supervisor1", "wrong-password", f"2001:db8:5:6::{n:x}").status_code for n in range(1, 41)]

    assert statuses == [400] * 4 + [429] * 36
    assert sign_in("supervisor1", PASSWORD, "2001:db8:5:6:ffff::1").status_code == 429
    assert sign_in("supervisor1", PASSWORD, "2001:db8:5:7::1").status_code == 200  # another /64, another client


# --- Devices where a person signed in before -----------------------------------------------------------------


def sign_in_on(device: APIClient, username: str, password: str, address: str = TABLET):
    """A sign-in from one browser, which keeps its cookies from one sign-in to the next."""
    return device.post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def test_signing_in_makes_the_device_known_with_a_cookie_no_script_or_other_site_can_use(org, at_t0):
    tablet = APIClient()

    assert sign_in_on(tablet, "supervisor1", PASSWORD).status_code == 200

    cookie = tablet.cookies["signin_device"]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 60 * 60


def test_a_coworker_on_the_stores_wifi_cannot_lock_a_colleague_out_of_the_tablet_they_use(org, at_t0):
    """Issue 26: 30 failures from one address locked every username there, a real user with the right password
    included; and 5 for one username locked that person out of every device at the address."""
    tablet = APIClient()
    assert sign_in_on(tablet, "supervisor1", PASSWORD).status_code == 200

    # A phone on the same Wi-Fi (the same address), where supervisor1 never signed in: guesses, then other names.
    fail("supervisor1", 5)
    for n in range(30):
        sign_in(f"someone{n}", "guess")

    assert sign_in_on(tablet, "supervisor1", PASSWORD).status_code == 200
    # Devices nobody signed in on wait at that address, as before: a guesser can make no device known.
    assert sign_in("supervisor1", PASSWORD).status_code == 429
    assert sign_in("frontline2", PASSWORD).status_code == 429


def test_wrong_passwords_on_a_known_device_lock_that_username_there_only(org, at_t0):
    tablet, other_tablet = APIClient(), APIClient()
    for device in (tablet, other_tablet):
        assert sign_in_on(device, "frontline1", PASSWORD).status_code == 200

    statuses = [sign_in_on(tablet, "frontline1", "wrong-password").status_code for _ in range(5)]
    at_t0.shift(timedelta(minutes=1))
    locked = sign_in_on(tablet, "frontline1", PASSWORD)

    assert statuses == [400] * 4 + [429]
    assert (locked.status_code, locked.json()["retry_after"]) == (429, 14 * 60)
    assert locked.json()["code"] == "signin_locked"
    assert sign_in_on(other_tablet, "frontline1", PASSWORD).status_code == 200
    assert sign_in_on(tablet, "frontline2", PASSWORD).status_code == 200
    at_t0.shift(timedelta(minutes=14, seconds=1))
    assert sign_in_on(tablet, "frontline1", PASSWORD).status_code == 200


def test_a_try_while_locked_on_a_known_device_does_not_extend_the_wait(org, at_t0):
    tablet = APIClient()
    sign_in_on(tablet, "frontline1", PASSWORD)
    for _ in range(5):
        sign_in_on(tablet, "frontline1", "wrong-password")
    at_t0.shift(timedelta(minutes=10))

    assert sign_in_on(tablet, "frontline1", "wrong-password").json()["retry_after"] == 5 * 60
    at_t0.shift(timedelta(minutes=5, seconds=1))
    assert sign_in_on(tablet, "frontline1", PASSWORD).status_code == 200


def test_a_device_is_known_only_to_the_usernames_signed_in_on_it_and_a_forged_cookie_to_none(org, at_t0):
    tablet = APIClient()
    sign_in_on(tablet, "frontline2", PASSWORD)
    forged = APIClient()
    forged.cookies["signin_device"] = tablet.cookies["signin_device"].value.replace("frontline2", "frontline1")
    fail("frontline1", 5)  # from a phone at the same address

    assert sign_in_on(tablet, "frontline1", PASSWORD).status_code == 429  # frontline1 never signed in on it
    assert sign_in_on(forged, "frontline1", PASSWORD).status_code == 429
    assert sign_in_on(tablet, "frontline2", PASSWORD).status_code == 200


def test_a_guesser_spreading_one_username_over_many_addresses_is_stopped_at_its_ceiling(org, at_t0, settings):
    settings.SIGNIN_USERNAME_FAILURE_LIMIT = 12
    tablet = APIClient()
    sign_in_on(tablet, "supervisor1", PASSWORD)
    addresses = [f"198.51.100.{n}" for n in range(4)]

    guesses = [sign_in("supervisor1", "guess", addresses[n % 4]).status_code for n in range(12)]  # 3 each: under 5

    assert guesses == [400] * 11 + [429]
    assert sign_in("supervisor1", PASSWORD, "203.0.113.99").status_code == 429  # a new device, anywhere
    assert sign_in_on(tablet, "supervisor1", PASSWORD).status_code == 200  # where they signed in before
    assert sign_in("frontline1", PASSWORD, addresses[0]).status_code == 200  # other usernames at those addresses
    at_t0.shift(timedelta(minutes=15, seconds=1))
    assert sign_in("supervisor1", PASSWORD, "203.0.113.99").status_code == 200


def test_the_lockout_reads_in_chinese(org, at_t0):
    fail("frontline1", 5)

    response = sign_in("frontline1", PASSWORD, **{"Accept-Language": "zh-hans"})

    assert response.json()["detail"] == "登录失败次数过多：请 15 分钟后再试。"
    assert response.json()["code"] == "signin_locked"


def test_the_schema_documents_the_lockout(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    locked = schema["paths"][TOKEN]["post"]["responses"]["429"]

    assert "Retry-After" in locked["headers"]
    properties = locked["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][properties]["properties"]) == {"code", "detail", "retry_after"}


# --- The admin's sign-in, through django.contrib.auth like the pages' ---------------------------


def admin_sign_in(client: Client, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": "admin", "password": password}, REMOTE_ADDR=TABLET)


def test_the_admin_login_locks_out_after_five_failures(org, at_t0):
    client = Client()
    statuses = [admin_sign_in(client, "wrong-password").status_code for _ in range(5)]

    right = admin_sign_in(client, PASSWORD)

    assert statuses == [200] * 4 + [429]  # the form again, then the lockout
    assert right.status_code == 429
    assert right["Content-Type"] == "text/plain; charset=utf-8"
    assert right.content.decode() == "Too many failed sign-ins: try again in 15 minutes."
    assert right["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out: sent to the login


def test_the_admin_login_works_after_the_cool_off(org, at_t0):
    client = Client()
    for _ in range(5):
        admin_sign_in(client, "wrong-password")
    at_t0.shift(timedelta(minutes=15, seconds=1))

    response = admin_sign_in(client, PASSWORD)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_failures_count_across_the_admin_and_the_token_endpoint(org, at_t0):
    client = Client()
    for _ in range(3):
        admin_sign_in(client, "wrong-password")

    assert fail("admin", 2) == [400, 429]
