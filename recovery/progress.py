"""What a customer's status page (/s/<token>/) shows of their complaint, in plain words.

Only what the customer may know: the reference, the store's name, when each step happened (received, apologized,
responded, what they were granted, followed up, closed, reopened) and the survey's link when it is theirs to
answer. Never who did it (no staff names), nothing anyone typed (notes, resolutions, reasons: the events' data is
not read at all), no other complaint, and no amount but those granted to them. ``tests/web/test_status_page.py``
lists what the page may show.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, ComplaintStatus, EventKind
from core.i18n import money_text
from recovery.models import CompensationAction, CompensationStatus, SurveyInvitation
from recovery.surveys.invitations import survey_refusal, survey_token
from staff.models import Store


@dataclass(frozen=True)
class ProgressStep:
    at: datetime
    text: str


@dataclass(frozen=True)
class CustomerProgress:
    reference: str
    store: Store
    now_text: str  # where it stands now, in one sentence
    steps: list[ProgressStep]
    survey_url: str | None


# The link opens until the complaint has been closed (and not reopened) this long.
STATUS_LINK_DAYS_AFTER_CLOSE = 30


def status_link_is_expired(complaint: Complaint, *, now: datetime | None = None) -> bool:
    """Whether the link no longer opens: the complaint has been closed for ``STATUS_LINK_DAYS_AFTER_CLOSE`` days."""
    return (
        complaint.status == ComplaintStatus.CLOSED
        and complaint.closed_at is not None
        and (now or timezone.now()) >= complaint.closed_at + timedelta(days=STATUS_LINK_DAYS_AFTER_CLOSE)
    )


# What each event says to the customer: the kinds they hear of, nothing of the others (assigned, escalated, held…).
def _step_texts() -> dict[str, str]:
    return {
        EventKind.LOGGED: _("We received your complaint."),
        EventKind.APOLOGIZED: _("We apologized to you."),
        EventKind.APPROVAL_REQUESTED: _("We asked for approval of what we offer you."),
        EventKind.RESPONDED: _("We dealt with your complaint."),
        EventKind.FOLLOWED_UP: _("We checked with you that it was put right."),
        EventKind.CLOSED: _("Your complaint was closed."),
        EventKind.REOPENED: _("We are looking at your complaint again."),
    }


def _now_texts() -> dict[str, str]:
    return {
        ComplaintStatus.NEW: _("We have your complaint and are looking into it."),
        ComplaintStatus.APOLOGIZED: _("We are working on putting it right."),
        ComplaintStatus.AWAITING_APPROVAL: _("We are getting approval for what we offer you."),
        ComplaintStatus.RESPONDED: _("We have dealt with it. Tell us whether it was put right."),
        ComplaintStatus.FOLLOWED_UP: _("We have checked with you. It will be closed soon."),
        ComplaintStatus.CLOSED: _("Your complaint is closed. Thank you for telling us."),
        ComplaintStatus.REOPENED: _("We are looking at your complaint again."),
    }


def customer_progress(complaint: Complaint, *, now: datetime | None = None) -> CustomerProgress:
    """The page's content for ``complaint`` (found by its status link), in the active language."""
    now = now or timezone.now()
    texts = _step_texts()
    steps = [
        ProgressStep(at=at, text=texts[kind])
        for kind, at in ComplaintEvent.objects.filter(complaint=complaint, kind__in=list(texts))
        .order_by("at", "id")
        .values_list("kind", "at")
    ]
    for action in CompensationAction.objects.filter(
        complaint=complaint, status=CompensationStatus.GRANTED, granted_at__isnull=False
    ).order_by("granted_at", "id"):
        steps.append(ProgressStep(at=action.granted_at, text=_granted_text(action)))
    steps.sort(key=lambda step: step.at)
    return CustomerProgress(
        reference=complaint.reference,
        store=complaint.store,
        now_text=_now_texts().get(complaint.status, ""),
        steps=steps,
        survey_url=_survey_due_url(complaint, now=now),
    )


def _granted_text(action: CompensationAction) -> str:
    kind = action.get_kind_display()
    if not action.amount:
        return _("We gave you: %(kind)s.") % {"kind": kind}
    amount = money_text(action.amount, action.currency)
    return _("We gave you: %(kind)s, %(amount)s.") % {"kind": kind, "amount": amount}


def _survey_due_url(complaint: Complaint, *, now: datetime) -> str | None:
    """The survey's page while the latest link sent may still be answered; else None."""
    if complaint.status != ComplaintStatus.RESPONDED:
        return None
    invitation = (
        SurveyInvitation.objects.filter(complaint=complaint, expires_at__gt=now, answered_at__isnull=True)
        .order_by("-sent_at", "-id")
        .first()
    )
    if invitation is None or survey_refusal(invitation, complaint, now=now) is not None:
        return None
    # A path: the survey is on the same site as this page, whatever address it was reached by.
    return reverse("web:survey", kwargs={"token": survey_token(invitation)})
