"""Signing in on a shared tablet: repeated wrong passwords lock that person out for a while, plainly said."""

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone


def sign_in(client: Client, password: str, username: str = "frontline1"):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_sign_in_page_with_the_time_to_wait(org):
    client = Client()
    wrong = [sign_in(client, "guess").status_code for _ in range(4)]

    fifth = sign_in(client, "guess")
    right = sign_in(client, "test-pass-123")

    assert wrong == [200] * 4  # the form again, with "please enter a correct username and password"
    assert (fifth.status_code, right.status_code) == (429, 429)
    assert "Too many failed sign-ins: try again in 15 minutes." in right.content.decode()
    assert right["Retry-After"] == "900"
    assert client.get("/").status_code == 302  # not signed in


def test_someone_else_on_the_same_tablet_can_still_sign_in(org):
    client = Client()
    for _ in range(5):
        sign_in(client, "guess")

    response = sign_in(client, "test-pass-123", username="frontline2")

    assert (response.status_code, response["Location"]) == (302, "/")


def test_the_lockout_lifts_after_15_minutes(org):
    client = Client()
    for _ in range(5):
        sign_in(client, "guess")

    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1), tick=False):
        response = sign_in(client, "test-pass-123")

    assert response.status_code == 302


def test_the_lockout_is_said_in_chinese(org):
    client = Client(headers={"Accept-Language": "zh-hans"})
    for _ in range(5):
        sign_in(client, "guess")

    response = sign_in(client, "test-pass-123")

    assert "登录失败次数过多：请 15 分钟后再试。" in response.content.decode()


def test_a_coworkers_guesses_on_the_same_wifi_do_not_lock_someone_out_of_their_tablet(org):
    tablet = Client()
    assert sign_in(tablet, "test-pass-123").status_code == 302
    tablet.post("/sign-out/")

    phone = Client()  # the same address (the test client's), a device where frontline1 never signed in
    guesses = [sign_in(phone, "guess").status_code for _ in range(5)]
    back_on_the_tablet = sign_in(tablet, "test-pass-123")

    assert guesses == [200] * 4 + [429]
    assert (back_on_the_tablet.status_code, back_on_the_tablet["Location"]) == (302, "/")
    assert sign_in(phone, "test-pass-123").status_code == 429
