"""Safe retries: a client-chosen id, and the Idempotency-Key header on every POST."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from core.idempotency import idempotency_claim, idempotency_records_purge, request_digest
from core.models import IdempotencyRecord
from recovery.models import CompensationAction
from tests.helpers import STEP_BODIES, Api, run_at_once

# --- Client-chosen ids ---------------------------------------------------------------------------


def test_creating_twice_with_the_same_id_returns_the_first_and_creates_nothing(org, api):
    complaint_id = str(uuid.uuid4())
    frontline1 = api(org.frontline1)
    first = frontline1.log(id=complaint_id)
    second = frontline1.log(id=complaint_id)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Complaint.objects.count() == 1
    assert ComplaintEvent.objects.count() == 1


def test_retry_after_progress_still_returns_the_complaint_not_a_new_one(org, api):
    complaint_id = str(uuid.uuid4())
    frontline1 = api(org.frontline1)
    frontline1.log(id=complaint_id)
    frontline1.step(complaint_id, "apologize", STEP_BODIES["apologize"])
    retry = frontline1.log(id=complaint_id)
    assert retry.status_code == 200
    assert retry.json()["status"] == "apologized"
    assert Complaint.objects.count() == 1


def test_same_id_with_a_different_body_is_409_id_conflict(org, api):
    complaint_id = str(uuid.uuid4())
    frontline1 = api(org.frontline1)
    frontline1.log(id=complaint_id)
    response = frontline1.log(id=complaint_id, description="Something else entirely")
    assert response.status_code == 409
    assert response.json()["code"] == "id_conflict"
    assert Complaint.objects.get().description == "The soup was cold."


def test_same_id_from_another_store_is_409_and_reveals_nothing(org, api):
    complaint_id = str(uuid.uuid4())
    api(org.frontline1).log(id=complaint_id)
    response = api(org.frontline3).log(id=complaint_id)
    assert response.status_code == 409
    assert set(response.json()) == {"code", "detail"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_id_leave_exactly_one_complaint(org):
    complaint_id = str(uuid.uuid4())
    clients = [Api(org.frontline1) for _ in range(8)]
    responses = run_at_once(8, lambda i: clients[i].log(id=complaint_id))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert {r.json()["id"] for r in responses} == {complaint_id}
    assert {r.json()["reference"] for r in responses} == {Complaint.objects.get().reference}
    assert Complaint.objects.count() == 1
    assert ComplaintEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_share_one_customer_and_get_distinct_references(org):
    clients = [Api(org.frontline1) for _ in range(8)]
    responses = run_at_once(8, lambda i: clients[i].log())
    assert [r.status_code for r in responses] == [201] * 8
    assert len({r.json()["reference"] for r in responses}) == 8
    assert Complaint.objects.values("customer").distinct().count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_steps_on_one_complaint_leave_exactly_one_result(org):
    complaint_id = Api(org.frontline1).log().json()["id"]
    clients = [Api(user) for user in (org.frontline1, org.frontline2, org.supervisor1, org.manager1)] * 2
    responses = run_at_once(8, lambda i: clients[i].step(complaint_id, "apologize", {"note": f"sorry {i}"}))
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 7}
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(body["status"] == "apologized" for body in refused)
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="apologized").count() == 1


# --- Idempotency-Key -----------------------------------------------------------------------------


def test_repeat_with_the_same_key_replays_the_response_without_acting_again(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    first = frontline1.step(complaint_id, "apologize", {"note": "sorry"}, **{"Idempotency-Key": "k-1"})
    frontline1.step(complaint_id, "respond", STEP_BODIES["respond"])
    repeat = frontline1.step(complaint_id, "apologize", {"note": "sorry"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == repeat.status_code == 200
    assert repeat.json() == first.json()
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="apologized").count() == 1


def test_create_with_a_key_twice_creates_one_complaint(org, api):
    frontline1 = api(org.frontline1)
    first = frontline1.client.post(
        "/api/v1/complaints/",
        {"category": "food_quality", "description": "Cold soup"},
        format="json",
        headers={"Idempotency-Key": "create-1"},
    )
    repeat = frontline1.client.post(
        "/api/v1/complaints/",
        {"category": "food_quality", "description": "Cold soup"},
        format="json",
        headers={"Idempotency-Key": "create-1"},
    )
    assert (first.status_code, repeat.status_code) == (201, 201)
    assert repeat.json() == first.json()
    assert Complaint.objects.count() == 1


def test_same_key_with_another_body_is_422(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    frontline1.step(complaint_id, "apologize", {"note": "sorry"}, **{"Idempotency-Key": "k-2"})
    response = frontline1.step(complaint_id, "apologize", {"note": "so sorry"}, **{"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_same_key_on_another_endpoint_is_422(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    frontline1.step(complaint_id, "apologize", {}, **{"Idempotency-Key": "k-3"})
    response = frontline1.step(complaint_id, "respond", {}, **{"Idempotency-Key": "k-3"})
    assert response.status_code == 422


def test_keys_belong_to_one_user(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    first = api(org.frontline1).step(complaint_id, "apologize", {}, **{"Idempotency-Key": "shared"})
    other = api(org.frontline2).step(complaint_id, "apologize", {}, **{"Idempotency-Key": "shared"})
    assert first.status_code == 200
    assert other.status_code == 409
    assert other.json()["code"] == "invalid_transition"


def test_repeat_while_the_first_is_still_running_is_409(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    path = f"/api/v1/complaints/{complaint_id}/apologize/"
    body = b'{"note":"sorry"}'
    # The first request has claimed its key and not finished (it is running in another process).
    digest = request_digest(method="POST", path=path, body=body)
    idempotency_claim(user_id=org.frontline1.pk, key="k-4", digest=digest)

    response = frontline1.client.post(
        path, data=body, content_type="application/json", headers={"Idempotency-Key": "k-4"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "request_in_progress"
    assert Complaint.objects.get(pk=complaint_id).status == "new"


def test_a_request_that_died_does_not_block_its_key_forever(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    path = f"/api/v1/complaints/{complaint_id}/apologize/"
    body = b'{"note":"sorry"}'
    digest = request_digest(method="POST", path=path, body=body)
    with time_machine.travel(timezone.now() - timedelta(minutes=10), tick=False):
        idempotency_claim(user_id=org.frontline1.pk, key="k-5", digest=digest)

    response = frontline1.client.post(
        path, data=body, content_type="application/json", headers={"Idempotency-Key": "k-5"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "apologized"


def test_a_refused_request_frees_its_key_for_the_corrected_one(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    frontline1.step(complaint_id, "apologize", {})
    bad = frontline1.step(complaint_id, "respond", {"note": "forgot it"}, **{"Idempotency-Key": "k-6"})
    good = frontline1.step(complaint_id, "respond", {"resolution": "Refund"}, **{"Idempotency-Key": "k-6"})
    assert (bad.status_code, good.status_code) == (400, 200)


def test_overlong_key_is_400(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    response = frontline1.step(complaint_id, "apologize", {}, **{"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_keys_are_kept_for_a_day_and_then_purged(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    frontline1.step(complaint_id, "apologize", {}, **{"Idempotency-Key": "k-7"})
    with time_machine.travel(timezone.now() + timedelta(hours=24), tick=False):
        assert idempotency_records_purge() == 0
        replay = frontline1.step(complaint_id, "apologize", {}, **{"Idempotency-Key": "k-7"})
        assert replay.status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=49), tick=False):
        assert idempotency_records_purge() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_with_one_key_act_once(org):
    complaint_id = Api(org.frontline1).log().json()["id"]
    clients = [Api(org.frontline1) for _ in range(8)]
    responses = run_at_once(
        8, lambda i: clients[i].step(complaint_id, "apologize", {"note": "sorry"}, **{"Idempotency-Key": "same"})
    )
    codes = Counter(r.status_code for r in responses)
    # One acted; the others were either told it is still running or given its stored response.
    assert set(codes) <= {200, 409}
    assert codes[200] >= 1
    assert all(r.json()["code"] == "request_in_progress" for r in responses if r.status_code == 409)
    assert all(r.json()["status"] == "apologized" for r in responses if r.status_code == 200)
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="apologized").count() == 1


def test_a_key_given_back_between_our_insert_and_our_read_is_taken_not_a_500(org, api):
    """The first request with this key was refused and released it just as the second looked it up."""
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    path = f"/api/v1/complaints/{complaint_id}/apologize/"
    body = b'{"note":"sorry"}'
    idempotency_claim(
        user_id=org.frontline1.pk, key="k-race", digest=request_digest(method="POST", path=path, body=body)
    )
    released = []

    def first_request_releases_its_key(execute, sql, params, many, context):
        # Runs before each statement of the second request: its insert fails on the first's row,
        # and right before it reads that row, the first request (refused) deletes it.
        if not released and sql.startswith("SELECT") and IdempotencyRecord._meta.db_table in sql:
            released.append(True)
            IdempotencyRecord.objects.filter(key="k-race").delete()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(first_request_releases_its_key):
        response = frontline1.client.post(
            path, data=body, content_type="application/json", headers={"Idempotency-Key": "k-race"}
        )

    assert released
    assert response.status_code == 200
    assert response.json()["status"] == "apologized"
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="apologized").count() == 1


class ProcessKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, nothing handles it."""


def test_a_process_killed_before_storing_the_outcome_leaves_no_grant_and_the_retry_grants_once(
    org, api, limits, monkeypatch
):
    from core.rest import idempotency as http_idempotency

    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    assert frontline1.step(complaint_id, "respond", STEP_BODIES["respond"]).status_code == 200
    body, key = STEP_BODIES["compensation"], {"Idempotency-Key": "grant-1"}

    def killed(**kwargs):
        raise ProcessKilled

    with monkeypatch.context() as patch:
        patch.setattr(http_idempotency, "idempotency_complete", killed)
        with pytest.raises(ProcessKilled):
            frontline1.step(complaint_id, "compensation", body, **key)
    assert not CompensationAction.objects.filter(complaint_id=complaint_id).exists()

    retry = frontline1.step(complaint_id, "compensation", body, **key)
    replay = frontline1.step(complaint_id, "compensation", body, **key)

    assert (retry.status_code, replay.status_code) == (200, 200)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert CompensationAction.objects.filter(complaint_id=complaint_id).count() == 1
