"""The follow-up survey: sending a customer a signed link, reading it back, and their answer.

The link is signed with Django's ``signing`` (salted for this use) and carries the complaint's id and
the invitation's nonce; nothing in it can be changed without breaking the signature. Answering is the
follow-up step taken by the customer; "not solved" or a low score reopens the complaint and tells the
store's supervisors.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.customer_messages import customer_sms_enqueue
from complaints.events import event_record
from complaints.locks import complaint_lock_as_system, complaint_lock_for_step
from complaints.models import Complaint, ComplaintStatus, DeadlineStep, EventKind
from complaints.selectors import customer_contactable
from complaints.services import steps
from complaints.services.customers import customer_language_note
from core.queue import enqueue_on_commit
from outbox.models import SmsKind
from recovery.models import NotificationKind, SurveyInvitation
from recovery.notices import notifications, texts
from recovery.surveys.errors import (
    NoContactConsent,
    SurveyAlreadyAnswered,
    SurveyClosed,
    SurveyLinkExpired,
    SurveyLinkInvalid,
)
from staff.models import Role, User
from staff.selectors import staff_of_role_for_store

SALT = "recovery.survey"
# A score this low, or "not solved", sends the complaint back to the response.
UNHAPPY_SCORE = 2


def survey_token(invitation: SurveyInvitation) -> str:
    """The signed part of the link: the same for an invitation every time, so the QR code can be drawn again."""
    return signing.Signer(salt=SALT).sign_object({"complaint": str(invitation.complaint_id), "nonce": invitation.nonce})


def survey_url(invitation: SurveyInvitation) -> str:
    return settings.SITE_URL + reverse("web:survey", kwargs={"token": survey_token(invitation)})


@transaction.atomic
def survey_send(*, complaint: Complaint, actor: User, now: datetime | None = None) -> SurveyInvitation:
    """A new survey link for the customer: emailed when they gave an email, texted when they gave a phone, and
    shown on the tablet as a QR code.

    Whoever may record the follow-up may send it, when the follow-up may be taken and the customer
    agreed to be contacted at a phone or email they gave.
    """
    complaint = complaint_lock_for_step(complaint, actor=actor, step="survey")
    customer = complaint.customer
    if not customer_contactable(complaint):
        raise NoContactConsent()
    now = now or timezone.now()
    invitation = SurveyInvitation.objects.create(
        complaint=complaint,
        nonce=secrets.token_hex(16),
        sent_by=actor,
        sent_at=now,
        expires_at=now + timedelta(days=settings.SURVEY_LINK_MAX_AGE_DAYS),
        responded_at=complaint.responded_at,
        emailed_to=customer.email,
        email_next_try_at=now + notifications.EMAIL_LEASE if customer.email else None,
    )
    # The address stays out of the event: the log is kept for good, contact data is not.
    event_record(
        complaint=complaint,
        kind=EventKind.SURVEY_SENT,
        actor=actor,
        at=now,
        data={
            "survey": invitation.pk,
            "emailed": bool(invitation.emailed_to),
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    if invitation.emailed_to:
        enqueue_on_commit("recovery.tasks.send_survey_email", invitation.pk)
    customer_sms_enqueue(
        complaint, kind=SmsKind.SURVEY_INVITATION, link=survey_url(invitation), now=now, cause=str(invitation.pk)
    )
    return invitation


def survey_email_send(invitation_id: int, *, now: datetime) -> bool:
    """Email the link, once (a second delivery of the task finds it sent); returns whether it sent it.

    One email a transaction, its row locked meanwhile: a worker killed between the server's "accepted" and
    the commit sends it again later (the sweep's lease), with the same Message-ID.
    """
    with transaction.atomic():
        invitation = (
            _emails_unsent()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("complaint__store", "complaint__category", "complaint__customer")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            return False
        subject, body = texts.survey_email(invitation, url=survey_url(invitation))
        message = notifications.NotificationEmail(
            subject=subject,
            body=body,
            to=[invitation.emailed_to],
            headers={"Message-ID": notifications.message_id("survey", invitation.pk, invitation.sent_at)},
        )
        with mailers.default as mail:
            mail.send_messages([message])
        invitation.emailed_at = now
        invitation.email_next_try_at = None
        invitation.save(update_fields=["emailed_at", "email_next_try_at"])
    return True


def survey_emails_claim(*, now: datetime, limit: int) -> list[int]:
    """Survey emails whose task may have been lost (the broker down when the link was sent, the worker
    killed): leased again, to be handed out by the sweep. Not once the link expired or was answered."""
    return notifications.email_leases_take(_emails_unsent().filter(expires_at__gt=now), now=now, limit=limit)


def _emails_unsent():
    return (
        SurveyInvitation.objects.select_related("complaint__store", "complaint__category")
        .filter(emailed_at__isnull=True, answered_at__isnull=True)
        .exclude(emailed_to="")
    )


def survey_refusal(invitation: SurveyInvitation, complaint: Complaint, *, now: datetime) -> Exception | None:
    """Why the customer may not answer ``invitation`` now, as the error to show; None when they may."""
    if invitation.answered_at is not None:
        return SurveyAlreadyAnswered()
    if complaint.status != ComplaintStatus.RESPONDED or complaint.responded_at != invitation.responded_at:
        return SurveyClosed()
    if now >= invitation.expires_at:
        return SurveyLinkExpired()
    return None


def survey_open(*, token: str, now: datetime | None = None) -> SurveyInvitation:
    """The invitation a link names, with its complaint, store and category, if it may be answered now.

    Raises the reason it may not: the link is not ours or was changed, it expired, it was answered,
    or the complaint is no longer waiting for it.
    """
    invitation = _invitation_of(token)
    refusal = survey_refusal(invitation, invitation.complaint, now=now or timezone.now())
    if refusal is not None:
        raise refusal
    return invitation


def _invitation_of(token: str, *, lock: bool = False) -> SurveyInvitation:
    try:
        claims = signing.Signer(salt=SALT).unsign_object(token)
    except signing.BadSignature as exc:
        raise SurveyLinkInvalid() from exc
    invitations = SurveyInvitation.objects.select_related("complaint__store", "complaint__category")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(nonce=str(claims.get("nonce", ""))).first()
    if invitation is None or str(invitation.complaint_id) != claims.get("complaint"):
        raise SurveyLinkInvalid()
    return invitation


@transaction.atomic
def survey_answer(
    *, token: str, solved: bool, score: int, comment: str = "", language: str = "", now: datetime | None = None
) -> SurveyInvitation:
    """The customer's answer: recorded on the invitation and as the follow-up, by the customer, who read the survey
    in ``language`` (their phone's: what is written to them later is in it).

    Not solved, or a score of ``UNHAPPY_SCORE`` or less, reopens the complaint (back to the response)
    and tells the store's supervisors, in the inbox and by email.
    """
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose a score from 1 to 5.")})
    now = now or timezone.now()
    # Lock order: the complaint first, then the invitation (complaints/locks.py).
    invitation = _invitation_of(token)
    complaint = complaint_lock_as_system(invitation.complaint_id)
    invitation = _invitation_of(token, lock=True)
    refusal = survey_refusal(invitation, complaint, now=now)
    if refusal is not None:
        raise refusal
    invitation.answered_at, invitation.solved, invitation.score, invitation.comment = now, solved, score, comment
    invitation.save(update_fields=["answered_at", "solved", "score", "comment"])
    customer_language_note(customer_id=complaint.customer_id, language=language)
    via = {"via": "survey", "survey": invitation.pk, "solved": solved}
    complaint = steps.complaint_follow_up(
        complaint=complaint,
        actor=None,
        outcome=texts.survey_outcome(solved),
        satisfaction=score,
        note=comment,
        customer_via=via,
        now=now,
    )
    if not solved or score <= UNHAPPY_SCORE:
        complaint = steps.complaint_reopen(
            complaint=complaint,
            actor=None,
            reason=texts.survey_reopen_reason(solved=solved, score=score),
            customer_via=via,
            now=now,
        )
        _tell_supervisors(complaint, invitation, now=now)
    return invitation


def _tell_supervisors(complaint: Complaint, invitation: SurveyInvitation, *, now: datetime) -> None:
    """The store's supervisors (its region's managers where it has none) hear of the unhappy answer."""
    recipients = list(staff_of_role_for_store(complaint.store, Role.SUPERVISOR)) or list(
        staff_of_role_for_store(complaint.store, Role.MANAGER)
    )
    # The notice belongs to the fresh response deadline the reopen opened. At level 0, beside the
    # assignee's reminder: the supervisors' own level (1) stays free for telling them if it runs late.
    deadline = complaint.deadlines.get(step=DeadlineStep.RESPOND, closed_at__isnull=True)
    emails = notifications.notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=0,
        kind=NotificationKind.SURVEY_UNSATISFIED,
        text=texts.survey_unsatisfied_text(complaint, invitation),
        recipients=recipients,
        now=now,
    )
    notifications.notifications_email_on_commit(emails, now=now)
