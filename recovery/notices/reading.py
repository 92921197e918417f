"""Notices as their reader reads them, said at read time in the active language (the reader's: on the pages and
in the API, the one they chose or their browser's; in an email, the recipient's): what happened (a notification's
kind, its complaint, its deadline, the approval it is about), with people's names, money in the store's currency and
times in the store's zone. A request's notice shows its outcome once decided. The stored text (both languages,
written when the notice was made) is what a notice of a kind not known here falls back to."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from complaints.models import Channel, Complaint, DeadlineStep
from core.i18n import money_text
from recovery.models import (
    ApprovalRequest,
    ApprovalStatus,
    CompensationAction,
    Notification,
    NotificationKind,
    SurveyInvitation,
)
from staff.models import User

# What saying a notice reads of its notification: select them with these, or each notice costs queries.
NOTICE_JOINS = ("deadline", "complaint__store", "complaint__customer")


@dataclass(frozen=True)
class Notice:
    notification: Notification
    text: str
    outcome: str = ""  # a request's decision, once made


# The kinds whose notice says what a request asked for (to be decided, or decided).
APPROVAL_ASKED = (NotificationKind.APPROVAL_REQUESTED, NotificationKind.APPROVAL_ESCALATED)
APPROVAL_DECIDED = (NotificationKind.APPROVAL_APPROVED, NotificationKind.APPROVAL_REJECTED)


def notices(notifications: list[Notification]) -> list[Notice]:
    """Each notification as its reader reads it; the requests and surveys read only for the notices that say them
    (a reminder or an escalation needs neither: an email of one costs one query, not four)."""
    asked = {n.complaint_id for n in notifications if n.kind in APPROVAL_ASKED + APPROVAL_DECIDED}
    approvals = (
        list(
            ApprovalRequest.objects.filter(complaint_id__in=asked)
            .select_related("requested_by", "decided_by")
            .prefetch_related(Prefetch("actions", queryset=CompensationAction.objects.order_by("pk")))
            .order_by("created_at")
        )
        if asked
        else []
    )
    surveyed = {n.complaint_id for n in notifications if n.kind == NotificationKind.SURVEY_UNSATISFIED}
    surveys = list(SurveyInvitation.objects.filter(complaint_id__in=surveyed).order_by("sent_at")) if surveyed else []
    return [_notice(n, approvals, surveys) for n in notifications]


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _customer(complaint: Complaint) -> str:
    customer = complaint.customer
    return (customer.name or customer.phone or customer.email) if customer else ""


def _time(moment, complaint: Complaint) -> str:
    return date_format(timezone.localtime(moment, complaint.store.zone), "SHORT_DATETIME_FORMAT")


def _said(text: str, words: dict) -> str:
    """``text`` said with ``words``; a sentence that ends on a time ending in a full stop ("12:10 p.m.") ends on it."""
    said = text % words
    return said[:-1] if said.endswith("..") and not said.endswith("...") else said


def _approval_for(notification: Notification, approvals: list[ApprovalRequest]) -> ApprovalRequest | None:
    """The request a notice is about: its complaint's latest one asked by the time of the notice."""
    asked = [
        a for a in approvals if a.complaint_id == notification.complaint_id and a.created_at <= notification.created_at
    ]
    return asked[-1] if asked else None


def _total(approval: ApprovalRequest, complaint: Complaint) -> str:
    return money_text(sum((action.amount for action in approval.actions.all()), Decimal(0)), complaint.store.currency)


def _notice(notification: Notification, approvals: list, surveys: list) -> Notice:
    complaint, kind, deadline = notification.complaint, notification.kind, notification.deadline
    reference, customer = complaint.reference, _customer(complaint)
    words = {"reference": reference, "customer": customer or _("the customer")}
    if kind in (NotificationKind.REMINDER, NotificationKind.FOLLOW_UP_DUE):
        if complaint.channel == Channel.QR_FORM and notification.created_at == complaint.created_at:
            text = _(
                "%(customer)s is still in the store and just complained on the QR form (%(reference)s): go to them now."
            )
        elif deadline.step == DeadlineStep.FOLLOW_UP:
            text = _("Follow up with %(customer)s about %(reference)s.")
        elif deadline.step == DeadlineStep.APOLOGIZE:
            text = _("Apologize to %(customer)s about %(reference)s by %(due)s.")
        else:
            text = _("Respond to %(customer)s about %(reference)s by %(due)s.")
        return Notice(notification, _said(text, words | {"due": _time(deadline.due_at, complaint)}))
    if kind == NotificationKind.ESCALATION:
        text = _("%(reference)s is overdue: it was due by %(due)s (escalation level %(level)s).")
        return Notice(
            notification, text % (words | {"due": _time(deadline.due_at, complaint), "level": notification.level})
        )
    approval = _approval_for(notification, approvals)
    if approval is not None and kind in APPROVAL_ASKED:
        text = (
            _("Sent up to you to decide: %(total)s for %(reference)s, asked by %(who)s; decide by %(due)s.")
            if kind == NotificationKind.APPROVAL_ESCALATED
            else _("Approval needed: %(total)s for %(reference)s, asked by %(who)s; decide by %(due)s.")
        )
        shown = words | {"total": _total(approval, complaint), "who": _name(approval.requested_by)}
        return Notice(notification, _said(text, shown | {"due": _time(deadline.due_at, complaint)}), _outcome(approval))
    if approval is not None and kind in APPROVAL_DECIDED:
        shown = words | {"total": _total(approval, complaint), "who": _name(approval.decided_by)}
        if kind == NotificationKind.APPROVAL_APPROVED:
            return Notice(notification, _("Approved: %(total)s for %(reference)s by %(who)s.") % shown)
        text = _(
            "Not approved: %(total)s for %(reference)s by %(who)s (“%(reason)s”); respond to the customer another way."
        )
        return Notice(notification, text % (shown | {"reason": approval.decision_note}))
    if kind == NotificationKind.SURVEY_UNSATISFIED:
        answered = [
            s
            for s in surveys
            if s.complaint_id == complaint.pk and s.answered_at and s.answered_at <= notification.created_at
        ]
        if answered:
            survey = answered[-1]
            text = _(
                "The customer is not satisfied: the survey on %(reference)s says %(solved)s, score %(score)s/5; "
                "it is reopened, respond again."
            )
            solved = _("solved") if survey.solved else _("not solved")
            return Notice(notification, text % (words | {"solved": solved, "score": survey.score}))
    return Notice(notification, notification.text)


def _outcome(approval: ApprovalRequest) -> str:
    who = _name(approval.decided_by)
    if approval.status == ApprovalStatus.APPROVED:
        return _("Decided: approved by %(who)s.") % {"who": who}
    if approval.status == ApprovalStatus.REJECTED:
        return _("Decided: not approved by %(who)s (“%(reason)s”).") % {"who": who, "reason": approval.decision_note}
    if approval.status != ApprovalStatus.PENDING:
        return approval.get_status_display()
    return ""
