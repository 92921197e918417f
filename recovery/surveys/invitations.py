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
from complaints.status_links import status_url
from outbox.email import PlainEmail, email_key, message_id
from outbox.models import Channel, OutboxMessage, SmsKind
from outbox.sending import SendFailed, outbox_enqueue
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
# The outbox's kind of the survey's email (its payload names the invitation).
EMAIL_KIND = "survey_invitation"
# A score this low, or "not solved", sends the complaint back to the response.
UNHAPPY_SCORE = 2


def survey_token(invitation: SurveyInvitation) -> str:
    """The signed part of the link: the same for an invitation every time, so the QR code can be drawn again."""
    return signing.Signer(salt=SALT).sign_object({"complaint": str(invitation.complaint_id), "nonce": invitation.nonce})


def survey_url(invitation: SurveyInvitation) -> str:
    return settings.SITE_URL + reverse("web:survey", kwargs={"token": survey_token(invitation)})


@transaction.atomic
def survey_send(*, complaint: Complaint, actor: User, now: datetime | None = None) -> SurveyInvitation:
    """A new survey link for the customer: emailed when they gave an email, shown on the tablet as a QR code, and
    when they gave a phone, texted as their status link (whose page shows the survey while it may be answered).

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
        outbox_enqueue(
            channel=Channel.EMAIL,
            destination=invitation.emailed_to,
            kind=EMAIL_KIND,
            idempotency_key=email_key(EMAIL_KIND, invitation.pk),
            payload={"survey": invitation.pk},
            complaint_id=complaint.pk,
            send_now=True,
            now=now,
        )
    # By text, the status link: it shows the survey while it may be answered, and at a third of the survey link's
    # length it keeps the message to two parts (the signed link alone is over 100 characters).
    customer_sms_enqueue(
        complaint, kind=SmsKind.SURVEY_INVITATION, link=status_url(complaint), now=now, cause=str(invitation.pk)
    )
    return invitation


def survey_email(message: OutboxMessage, *, now: datetime) -> PlainEmail:
    """The survey's email (the outbox's renderer of ``EMAIL_KIND``), while the link may be answered: once it was
    answered, expired or no longer applies, it is not sent."""
    invitation = (
        SurveyInvitation.objects.select_related("complaint__store", "complaint__category", "complaint__customer")
        .filter(pk=message.payload.get("survey"))
        .first()
    )
    if invitation is None:
        raise SendFailed("no_survey", "the survey is gone", retry=False)
    if (refusal := survey_refusal(invitation, invitation.complaint, now=now)) is not None:
        raise SendFailed(refusal.code, "the link may no longer be answered", retry=False)
    subject, body = texts.survey_email(invitation, url=survey_url(invitation))
    return PlainEmail(
        subject=subject,
        body=body,
        headers={"Message-ID": message_id("survey", invitation.pk, invitation.sent_at)},
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
    notifications.notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=0,
        kind=NotificationKind.SURVEY_UNSATISFIED,
        text=texts.survey_unsatisfied_text(complaint, invitation),
        recipients=recipients,
        now=now,
    )
