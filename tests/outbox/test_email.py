"""Emails through the outbox to a real SMTP server (aiosmtpd): a refusal for now is tried again later, a refusal
for good is given up, with the server's code on the row."""

import pytest

from outbox.models import MessageStatus
from recovery.models import Notification, NotificationKind
from recovery.notices import notifications
from staff.models import Role
from tests.factories import UserFactory
from tests.helpers import MINUTE, T0, Api, email_of, log_at, outbox_send_here

pytestmark = pytest.mark.django_db


def test_a_greylisted_address_gets_its_email_later_and_an_unknown_one_is_given_up(org, sla, smtp):
    gone = UserFactory(username="gone", email="gone@example.com", role=Role.SUPERVISOR, store=org.s1)
    complaint = org.s1.complaints.get(pk=log_at(Api(org.frontline1), T0))
    smtp.refusals = {
        org.supervisor1.email: ["450 4.2.0 Greylisted, try again later"],
        gone.email: ["550 5.1.1 No such user"] * 3,
    }
    notifications.notifications_create(
        complaint=complaint,
        deadline=complaint.deadlines.first(),
        level=1,
        kind=NotificationKind.ESCALATION,
        text="",
        recipients=[org.supervisor1, gone],
        now=T0,
    )
    told, lost = (email_of(Notification.objects.get(recipient=user)) for user in (org.supervisor1, gone))

    outbox_send_here(T0)
    told.refresh_from_db()
    lost.refresh_from_db()
    assert (told.status, told.error_code, told.next_attempt_at > T0) == (
        MessageStatus.FAILED,
        "SMTPRecipientsRefused",
        True,
    )
    assert (lost.status, lost.error_code, lost.next_attempt_at) == (
        MessageStatus.GIVEN_UP,
        "SMTPRecipientsRefused",
        None,
    )
    assert "550" in lost.error_message
    assert smtp.messages == []

    outbox_send_here(T0 + 5 * MINUTE)  # the retry's backoff has passed
    told.refresh_from_db()
    assert told.status == MessageStatus.SENT
    assert [message["To"] for message in smtp.messages] == [org.supervisor1.email]
