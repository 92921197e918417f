"""Two beats at once (issue 26, faults): two beat processes that both fire the sweep at the same moment, each sweep
taken by its own Celery worker process, side by side. Reminders and escalations are decided once, each email
reaches the SMTP server (aiosmtpd on loopback) once, and a third beat at that moment finds nothing to do.
"""

from collections import Counter

import pytest
from django.utils import timezone

from complaints.models import ComplaintEvent, Deadline, EventKind
from config.celery import app
from recovery import tasks
from recovery.models import Notification
from tests.faults.common import broker_empty, pending_emails, queue_drained, wait_until, workers_waiting
from tests.helpers import emails_sent
from tests.recovery.test_worker import log_minutes_ago

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

COMPLAINTS = 16


def swept_state() -> tuple:
    return (
        sorted(Deadline.objects.values_list("pk", "level", "reminded_at", "next_check_at")),
        Notification.objects.count(),
        ComplaintEvent.objects.count(),
    )


def test_two_beats_at_once_decide_each_reminder_and_escalation_once_and_send_each_email_once(
    org, sla, smtp, processes, tmp_path
):
    # Critical, in person: the apology is due in 5 minutes, its first escalation then, the second 10 minutes later.
    # Half of them 80% due (a reminder each), half 7 minutes overdue (one level each: the next is 8 minutes off).
    for n in range(COMPLAINTS):
        log_minutes_ago(org, 4.5 if n % 2 else 12, customer={"phone": f"+86 138 0000 {n:04d}"})
    moment = timezone.now().isoformat()
    broker_empty(app)
    with open(tmp_path / "workers.log", "w") as log:
        for _ in range(2):
            processes.worker(log, TEST_WORKER_EMAIL_URL=smtp.url)

    wait_until(lambda: workers_waiting(app, workers=2), timeout=30, what="both workers waiting for tasks")
    tasks.sweep_due.delay(moment)  # beat one
    tasks.sweep_due.delay(moment)  # beat two, at the same moment
    wait_until(lambda: queue_drained(app), timeout=50, what="both sweeps and their emails done")
    first = swept_state()
    tasks.sweep_due.delay(moment)  # a third beat at that moment
    wait_until(lambda: queue_drained(app), timeout=30, what="the third sweep done")

    notices = list(Notification.objects.values_list("deadline_id", "level", "kind", "recipient_id"))
    escalations = Counter(
        (complaint_id, data["step"], data["level"])
        for complaint_id, data in ComplaintEvent.objects.filter(kind=EventKind.ESCALATED).values_list(
            "complaint_id", "data"
        )
    )
    kinds = Counter(kind for _, _, kind, _ in notices)
    print(
        f"\ntwo beats at once: {len(notices)} notices ({dict(kinds)}), {sum(escalations.values())} escalations, "
        f"{len(smtp.message_ids)} emails received, {smtp.duplicated()} duplicated, {pending_emails()} unsent"
    )
    assert (kinds["reminder"] >= COMPLAINTS // 2, kinds["escalation"] >= COMPLAINTS // 2) == (True, True), kinds
    assert len(notices) == len(set(notices)), "a level of a deadline was told twice"
    assert max(escalations.values()) == 1, escalations.most_common(3)
    assert sum(Deadline.objects.values_list("level", flat=True)) == sum(escalations.values())
    assert pending_emails() == 0  # nothing lost
    assert len(smtp.message_ids) == emails_sent() == len(notices)
    assert smtp.duplicated() == 0  # nothing sent twice
    assert swept_state() == first  # the third beat did nothing
