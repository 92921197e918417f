"""A complaint from the public QR form by a customer still in the store reaches its assignee at once."""

import pytest

from recovery.models import Notification
from recovery.notices.in_store import public_complaint_log
from tests.helpers import T0, email_of


def log(org, *, still_in_store: bool):
    return public_complaint_log(
        store=org.s1, description="面条是凉的", still_in_store=still_in_store, contact="", now=T0
    )


@pytest.mark.django_db
def test_a_customer_still_in_the_store_is_a_notice_and_an_email_to_the_assignee_at_once(org, sla):
    complaint = log(org, still_in_store=True)

    notice = Notification.objects.get()
    assert (notice.recipient, notice.complaint, notice.created_at) == (org.supervisor1, complaint, T0)
    assert email_of(notice).status == "queued"  # supervisor1 has an email address
    assert complaint.reference in notice.text
    assert "仍在店内" in notice.text


@pytest.mark.django_db
def test_a_customer_who_has_left_waits_for_the_usual_reminders(org, sla):
    log(org, still_in_store=False)

    assert Notification.objects.count() == 0
