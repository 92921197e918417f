"""core.signin: what a page asks about a lockout, and what a locked-out sign-in is answered."""

import json
from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from core.signin import SigninLocked, lockout_response, signin_lockout_remaining
from tests.factories import PASSWORD

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def request_from(address: str = "203.0.113.10", **meta: str):
    return RequestFactory().post("/sign-in/", REMOTE_ADDR=address, **meta)


def sign_in(password: str):
    """A page's sign-in: authenticate(request=...) on a fresh request from the same tablet."""
    request = request_from()
    return request, authenticate(request=request, username="frontline1", password=password)


def test_a_page_is_told_how_long_the_username_must_wait(org):
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(4):
            request, user = sign_in("wrong")
            assert user is None
            assert signin_lockout_remaining(request, "frontline1") is None
        request, _user = sign_in("wrong")
        assert signin_lockout_remaining(request, "frontline1") == timedelta(minutes=15)

        traveller.shift(timedelta(minutes=5))
        request, user = sign_in(PASSWORD)
        assert user is None
        assert signin_lockout_remaining(request, "frontline1") == timedelta(minutes=10)
        assert signin_lockout_remaining(request, "frontline2") is None


def test_a_page_that_answers_the_lockout_itself_keeps_its_answer(org):
    for _ in range(5):
        request, _user = sign_in("wrong")
    own = HttpResponse("Wait a bit", status=429)

    assert lockout_response(request, own, {"username": "frontline1"}) is own
    replaced = lockout_response(request, HttpResponse("The form again"), {"username": "frontline1"})
    assert (replaced.status_code, replaced["Retry-After"]) == (429, "900")
    assert replaced.content.decode() == "Too many failed sign-ins: try again in 15 minutes."


def test_under_the_api_the_lockout_is_the_json_error(org):
    for _ in range(5):
        authenticate(request=(request := request_from()), username="frontline1", password="wrong")
    request.path = "/api/v1/auth/login/"

    response = lockout_response(request, HttpResponse("The form again"), {"username": "frontline1"})

    assert response.status_code == 429
    assert json.loads(response.content) == {
        "code": "signin_locked",
        "detail": "Too many failed sign-ins: try again in 15 minutes.",
        "retry_after": 900,
    }


def test_the_wait_is_in_whole_minutes_rounded_up_and_in_the_readers_language():
    with translation.override("en"):
        assert SigninLocked(remaining=timedelta(seconds=30)).as_dict() == {
            "code": "signin_locked",
            "detail": "Too many failed sign-ins: try again in 1 minute.",
            "retry_after": 30,
        }
        assert SigninLocked(remaining=timedelta(minutes=14, seconds=1)).detail.endswith("in 15 minutes.")
    with translation.override("zh-hans"):
        assert str(SigninLocked.default_detail) == "登录失败次数过多：请稍后再试。"
        assert SigninLocked(remaining=timedelta(minutes=3)).detail == "登录失败次数过多：请 3 分钟后再试。"
