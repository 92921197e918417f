"""Personal data: every field that can hold it is classified (erased, kept, derived), and forgetting a customer
leaves nothing of theirs in any field, file, page or answer."""

import operator
from datetime import timedelta
from functools import reduce

import time_machine
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from complaints.models import Complaint, ComplaintPhoto, Customer
from recovery.customers.personal_data import FIELDS, Erased, field_key, fields_to_classify
from recovery.customers.privacy import customer_anonymize
from recovery.models import SurveyInvitation
from recovery.surveys import invitations
from tests.helpers import MINUTE, T0, jpeg_with_gps
from tests.public.test_public_form import complaint_of, photo_upload, send
from tests.recovery.test_survey import answer
from tests.web.test_pages import signed_in

# The customer, and a mark in every word typed about them: what must be found nowhere once they are forgotten.
NAME, PHONE, EMAIL = "Zyxa Qorn", "139 1234 5678", "zyxa.qorn@example.com"
MARKS = ("zyx", "qorn", "13912345678")


def test_every_field_that_can_hold_personal_data_is_classified_once():
    found = {field_key(field) for model in apps.get_models() for field in fields_to_classify(model)}

    assert sorted(found - FIELDS.keys()) == [], "classify these in recovery/customers/personal_data.py"
    assert sorted(FIELDS.keys() - found) == [], "these are classified but are no such fields"


def field_rows(key: str):
    """The rows of the field named ``key``, its value as text under the name ``value``."""
    label, name = key.rsplit(".", 1)
    model = apps.get_model(label)
    return model.objects.annotate(value=Cast(name, TextField()))


def fields_holding(marks: tuple[str, ...]) -> list[str]:
    """Every classified field with a row that holds any of ``marks``."""
    holds = reduce(operator.or_, (Q(value__icontains=mark) for mark in marks))
    return sorted(key for key in FIELDS if field_rows(key).filter(holds).exists())


def a_customer_with_a_history(org, api, clock) -> tuple[str, Complaint, ComplaintPhoto]:
    """Everything that can be written about a customer: a QR-form complaint with a photo, and one logged at the
    counter with an Idempotency-Key, apologized, responded over the limits, rejected, granted, surveyed (a
    comment), reopened by the answer and on hold; their tier set with a reason, their record changed in the admin.
    Returns the counter complaint's id, the form's complaint and its photo."""
    # On the store's QR form, still in the store, with a photo.
    sent = send(
        org.s1,
        complaint_of(name=NAME, contact=PHONE, description="Zyx: the noodles were cold"),
        photo=photo_upload(jpeg_with_gps((40, 30))),
    )
    assert sent.status_code == 302
    from_form = Complaint.objects.get()
    photo = ComplaintPhoto.objects.get()
    # At the counter, through the API with an Idempotency-Key: the answer is kept for a replay.
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    logged = frontline1.post(
        "/api/v1/complaints/",
        {
            "category": "food_quality",
            "severity": "high",
            "stage": "in_sale",
            "description": "Zyx says the soup was cold",
            "desired_outcome": "Zyx wants the money back",
            "customer": {"name": NAME, "phone": PHONE, "email": EMAIL},
            "contact_consent": True,
        },
        **{"Idempotency-Key": "counter-1"},
    )
    assert logged.status_code == 201, logged.json()
    complaint_id = logged.json()["id"]
    frontline1.step(complaint_id, "apologize", {"note": "Told Zyx we are sorry"})
    asked = frontline1.step(
        complaint_id,
        "respond",
        {
            "resolution": "Zyx gets a new bowl",
            "note": "Zyx asked twice",
            "compensation": [{"kind": "voucher", "amount": "80.00", "note": "Zyx's voucher"}],
        },
    )
    approval = asked.json()["pending_approval"]["id"]
    rejected = supervisor1.post(f"/api/v1/approvals/{approval}/reject/", {"reason": "Zyx has no receipt"})
    assert rejected.status_code == 200, rejected.json()
    granted = frontline1.step(
        complaint_id,
        "respond",
        {
            "resolution": "Zyx gets a fresh soup",
            "compensation": [{"kind": "voucher", "amount": "20.00", "note": "Zyx's small voucher"}],
        },
    )
    assert granted.status_code == 200, granted.json()
    assert frontline1.step(complaint_id, "survey").status_code == 200
    token = invitations.survey_token(SurveyInvitation.objects.get())
    assert answer(token, solved="no", score="1", comment="Zyx: still cold", at=T0 + 5 * MINUTE).status_code == 302
    clock.move_to(T0 + 10 * MINUTE)
    held = frontline1.step(
        complaint_id,
        "hold",
        {"reason": "Zyx brings the receipt", "until": (T0 + timedelta(days=1)).isoformat()},
    )
    assert held.status_code == 200, held.json()
    customer = from_form.customer
    tiered = supervisor1.post(f"/api/v1/customers/{customer.pk}/tier/", {"tier": "A", "reason": "Zyx comes weekly"})
    assert tiered.status_code == 200, tiered.json()
    LogEntry.objects.log_actions(org.admin.pk, [customer], CHANGE, change_message="Changed name.")
    return complaint_id, from_form, photo


def test_forgetting_a_customer_leaves_nothing_of_theirs_in_any_field_file_page_or_answer(
    org, sla, limits, api, rate_limit_redis, public_form_media, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as clock:
        complaint_id, from_form, photo = a_customer_with_a_history(org, api, clock)
    customer = Customer.objects.get(phone="+8613912345678")
    # Every erased field holds something of theirs now: the story above reaches each of them.
    erased = [key for key, handling in FIELDS.items() if isinstance(handling, Erased)]
    assert [key for key in erased if not field_rows(key).exclude(value="").exists()] == []
    assert "recovery.SurveyInvitation.comment" in fields_holding(MARKS)

    with django_capture_on_commit_callbacks(execute=True):
        assert customer_anonymize(customer=customer) is True

    assert fields_holding(MARKS) == []
    assert not ComplaintPhoto.objects.exists()
    assert not photo.image.storage.exists(photo.image.name)
    assert list(Complaint.objects.values_list("intake_digest", flat=True)) == ["", ""]
    # Nothing of theirs is served either: the complaints and the photo's address on the pages, the API's answers.
    pages, supervisor1 = signed_in(org.supervisor1), api(org.supervisor1)
    for complaint in (from_form.pk, complaint_id):
        page = pages.get(f"/complaints/{complaint}/").content.decode().lower()
        detail = supervisor1.get(f"/api/v1/complaints/{complaint}/").content.decode().lower()
        assert [mark for mark in MARKS if mark in page or mark in detail] == []
    assert supervisor1.get(f"/api/v1/complaints/{complaint_id}/").json()["survey"]["comment"] == ""
    assert pages.get(f"/complaints/{from_form.pk}/photos/{photo.pk}/").status_code == 404


def test_a_photo_of_a_forgotten_customer_is_deleted_only_when_the_forgetting_commits(
    org, sla, rate_limit_redis, public_form_media, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0 + MINUTE, tick=False):
        send(org.s1, complaint_of(name=NAME, contact=PHONE), photo=photo_upload(jpeg_with_gps((40, 30))))
    photo = ComplaintPhoto.objects.get()

    with django_capture_on_commit_callbacks(execute=False) as at_commit:
        customer_anonymize(customer=Complaint.objects.get().customer)

    assert photo.image.storage.exists(photo.image.name)  # a rollback would leave the row: its file stays until commit
    for callback in at_commit:
        callback()
    assert not photo.image.storage.exists(photo.image.name)
