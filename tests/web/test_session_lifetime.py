"""A session on a shared tablet lasts a shift, and ends when nobody uses it (issue 26, item 10): it lasted 14 days."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from core.sessions import BACKGROUND_REFRESH_HEADER
from tests.helpers import T0

PASSWORD = "test-pass-123"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def signed_in_at_t0(username: str = "frontline1") -> Client:
    client = Client()
    response = client.post("/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_session_left_alone_for_half_an_hour_ends(org, clock):
    tablet = signed_in_at_t0()
    clock.shift(timedelta(minutes=29))
    assert tablet.get("/").status_code == 200

    clock.shift(timedelta(minutes=30, seconds=1))
    response = tablet.get("/")

    assert (response.status_code, response["Location"]) == (302, "/sign-in/?next=/")
    assert tablet.get("/inbox/").status_code == 302  # it stays ended


def test_a_pages_own_refresh_does_not_keep_a_session_alive(org, clock, api):
    complaint = api(org.frontline1).log().json()["id"]
    tablet = signed_in_at_t0()
    watch = f"/complaints/{complaint}/watch/?status=new"
    page = f"/complaints/{complaint}/"
    background = {"HX-Request": "true", BACKGROUND_REFRESH_HEADER: "1", "HX-Current-URL": f"http://testserver{page}"}

    for _ in range(10):
        clock.shift(timedelta(minutes=3))
        assert tablet.get(watch, headers=background).status_code == 204
    clock.shift(timedelta(minutes=1))
    ended = tablet.get(watch, headers=background)

    # The page left open goes to the sign-in page by itself, and back to itself after signing in.
    assert ended.status_code == 200
    assert ended["HX-Redirect"] == f"/sign-in/?next={page}"
    assert tablet.get(page).status_code == 302


def test_a_person_using_the_tablet_keeps_it_for_a_shift_and_no_longer(org, clock):
    tablet = signed_in_at_t0()
    for _ in range(11 * 4 + 3):  # a tap every quarter of an hour, for 11 h 45 min
        clock.shift(timedelta(minutes=15))
        assert tablet.get("/").status_code == 200

    clock.shift(timedelta(minutes=15, seconds=1))  # 12 h since signing in

    assert tablet.get("/").status_code == 302


def test_the_session_cookie_itself_lasts_a_shift_not_two_weeks(org, clock):
    client = Client()
    response = client.post("/sign-in/", {"username": "frontline1", "password": PASSWORD})

    assert response.cookies["sessionid"]["max-age"] == 12 * 60 * 60
