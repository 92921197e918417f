"""Alerts to the store's work chat groups (``integrations.chat``: DingTalk and WeCom robots): an approval to decide,
a complaint overdue or escalated, a customer still in the store. Each written to the outbox in the transaction of
its cause, in each group's language, with a link to the product's own page (sign-in as usual).

A group chat is read by many: an alert names the complaint by its reference and the requester by name, never the
customer (no name, phone or email) nor what anyone typed.
"""

import math
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.models import Complaint, Deadline, DeadlineStep
from core.bulk_rows import NewRow
from core.i18n import money_text
from integrations.chat import ChatAlert, ChatRobot, chat_alert_rows, chat_alerts_enqueue
from recovery.models import ApprovalRequest

STEP_NAMES = {
    DeadlineStep.APOLOGIZE: lambda: _("the apology"),
    DeadlineStep.RESPOND: lambda: _("the response"),
    DeadlineStep.FOLLOW_UP: lambda: _("the follow-up"),
    DeadlineStep.APPROVAL: lambda: _("the approval"),
}


def _link(complaint: Complaint) -> str:
    return settings.SITE_URL + reverse("web:complaint", kwargs={"complaint_id": complaint.pk})


def _clock(moment: datetime, complaint: Complaint) -> str:
    return timezone.localtime(moment, complaint.store.zone).strftime("%H:%M")


def approval_chat_enqueue(
    complaint: Complaint, approval: ApprovalRequest, deadline: Deadline, *, sent_up: bool, now: datetime
) -> list[int]:
    """The store's groups hear of a request to decide: the amount, who asked, the time left, a link to decide."""
    total = sum((action.amount for action in approval.actions.all()), start=0)
    requester = approval.requested_by.get_full_name() or approval.requested_by.username
    minutes = max(0, math.ceil((deadline.due_at - now).total_seconds() / 60))

    def alert() -> ChatAlert:
        title = _("Sent up to decide: %(amount)s") if sent_up else _("Approval needed: %(amount)s")
        amount = money_text(total, approval.store.currency)
        return ChatAlert(
            title=title % {"amount": amount},
            lines=[
                _("Complaint %(reference)s, %(store)s")
                % {"reference": complaint.reference, "store": complaint.store.name},
                _("Compensation: %(amount)s, asked by %(requester)s") % {"amount": amount, "requester": requester},
                ngettext(
                    "Decide within %(minutes)d minute (by %(time)s).",
                    "Decide within %(minutes)d minutes (by %(time)s).",
                    minutes,
                )
                % {"minutes": minutes, "time": _clock(deadline.due_at, complaint)},
            ],
            link=_link(complaint),
            link_text=_("Open to decide"),
        )

    return chat_alerts_enqueue(
        store=complaint.store,
        kind="approval_requested",
        cause=f"{approval.pk}:{deadline.pk}:{deadline.cycle}",
        alert=alert,
        complaint_id=complaint.pk,
        now=now,
    )


def escalation_chat_rows(
    complaint: Complaint, deadlines: list[Deadline], level: int, *, now: datetime, robots: list[ChatRobot]
) -> list[NewRow]:
    """The store's groups hear of a complaint overdue (level 1) or escalated further, at once: the messages, for
    the sweep to write with its batch (``robots``: the active ones, read once a batch)."""

    def alert() -> ChatAlert:
        if level <= 1:
            title = _("Overdue: %(reference)s") % {"reference": complaint.reference}
        else:
            title = _("Escalated to level %(level)d: %(reference)s") % {
                "level": level,
                "reference": complaint.reference,
            }
        lines = [
            _("%(step)s was due by %(time)s and is not done.")
            % {"step": STEP_NAMES[d.step]().capitalize(), "time": _clock(d.due_at, complaint)}
            for d in deadlines
        ]
        return ChatAlert(
            title=title, lines=[complaint.store.name, *lines], link=_link(complaint), link_text=_("Open the complaint")
        )

    first = deadlines[0]
    return chat_alert_rows(
        store=complaint.store,
        kind="escalation",
        cause=f"{first.pk}:{first.cycle}:{level}",
        alert=alert,
        complaint_id=complaint.pk,
        now=now,
        robots=robots,
    )


def in_store_chat_enqueue(complaint: Complaint, *, now: datetime) -> list[int]:
    """A customer who complained by the store's QR code is still in the store: the groups hear of it at once."""

    def alert() -> ChatAlert:
        return ChatAlert(
            title=_("Customer still in the store: %(reference)s") % {"reference": complaint.reference},
            lines=[
                _("%(store)s: a complaint about %(category)s came in by the QR code at %(time)s.")
                % {
                    "store": complaint.store.name,
                    "category": complaint.category.name,
                    "time": _clock(complaint.created_at, complaint),
                },
                _("Please go and see the customer now."),
            ],
            link=_link(complaint),
            link_text=_("Open the complaint"),
        )

    return chat_alerts_enqueue(
        store=complaint.store,
        kind="customer_in_store",
        cause=str(complaint.pk),
        alert=alert,
        complaint_id=complaint.pk,
        now=now,
    )
