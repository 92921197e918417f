"""The complaint's state machine: which step may be taken from which status, and where it leads.

This table is the one home of the flow's rules; services consult it and nothing else does.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from complaints.models import ClosureCode, ComplaintStatus

S = ComplaintStatus


@dataclass(frozen=True)
class Step:
    name: str  # as in the URL: POST /complaints/{id}/<name>/, or /approvals/{id}/<name>/
    sources: frozenset[str]
    # None: the step leaves the status as it is ("compensation" within limits), or its service
    # decides among fixed choices ("reject" returns to where the approval was requested).
    target: str | None


# Open statuses from which a complaint may be closed without the full flow: only as withdrawn
# or a duplicate, since skipping the follow-up is the most common failure of service recovery.
EARLY_CLOSE_SOURCES = frozenset({S.NEW, S.APOLOGIZED, S.RESPONDED, S.REOPENED})
EARLY_CLOSURE_CODES = frozenset({ClosureCode.WITHDRAWN, ClosureCode.DUPLICATE})
RESPOND_SOURCES = frozenset({S.APOLOGIZED, S.REOPENED})
COMPENSATE_SOURCES = frozenset({S.RESPONDED, S.FOLLOWED_UP})
FOLLOW_UP_SOURCES = frozenset({S.RESPONDED})

STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step("apologize", frozenset({S.NEW}), S.APOLOGIZED),
        # A reopened complaint re-enters the flow at the response.
        Step("respond", RESPOND_SOURCES, S.RESPONDED),
        # More compensation after the response (the follow-up found the customer still unhappy).
        Step("compensation", COMPENSATE_SOURCES, None),
        Step("follow-up", FOLLOW_UP_SOURCES, S.FOLLOWED_UP),
        # Send the customer the follow-up survey: whenever the follow-up could be taken. The status
        # stays; the customer's answer is the follow-up.
        Step("survey", FOLLOW_UP_SOURCES, None),
        Step("close", frozenset({S.FOLLOWED_UP}) | EARLY_CLOSE_SOURCES, S.CLOSED),
        # A closed complaint that comes back, or one whose follow-up found it not put right (the
        # customer said so in the survey): either way it re-enters the flow at the response.
        Step("reopen", frozenset({S.CLOSED, S.FOLLOWED_UP}), S.REOPENED),
        # Decisions on compensation above the employee's limits (POST /approvals/{id}/...).
        Step("approve", frozenset({S.AWAITING_APPROVAL}), S.RESPONDED),
        Step("reject", frozenset({S.AWAITING_APPROVAL}), None),
    ]
}

# Where a compensation above the employee's limits waits for a decision, and where a rejection
# returns the complaint to (the status it was requested from, to respond otherwise).
APPROVAL_SOURCES = RESPOND_SOURCES | COMPENSATE_SOURCES


# What each step is called in messages and pages, in the reader's language (the URL keeps the name).
STEP_LABELS = {
    "listen": _("listen"),
    "apologize": _("apologize"),
    "respond": _("respond"),
    "compensation": _("grant compensation"),
    "follow-up": _("follow up"),
    "survey": _("send the survey"),
    "close": _("close"),
    "reopen": _("reopen"),
    "approve": _("approve"),
    "reject": _("reject"),
    "assign": _("assign"),
    "hold": _("put on hold"),
    "resume": _("resume"),
    "severity": _("change the severity"),
}


def step_label(step_name: str) -> str:
    return str(STEP_LABELS.get(step_name, step_name))


# How far along the main flow (listen → apologize → respond → follow up → close) each status is:
# the number of its steps done. A reopened complaint is back before the response.
PROGRESS = {
    S.NEW: 1,
    S.APOLOGIZED: 2,
    S.AWAITING_APPROVAL: 2,
    S.REOPENED: 2,
    S.RESPONDED: 3,
    S.FOLLOWED_UP: 4,
    S.CLOSED: 5,
}


def progress(status: str) -> int:
    return PROGRESS[status]


def status_label(status: str) -> str:
    """A status as it reads mid-sentence ("awaiting approval"): labels are capitalised for lists."""
    return str(ComplaintStatus(status).label).lower() if status in ComplaintStatus.values else status


def allowed_steps(status: str) -> list[str]:
    """The steps that may be taken from ``status``, in the order of the flow."""
    return [step.name for step in STEPS.values() if status in step.sources]


def can_take(step_name: str, status: str) -> bool:
    return status in STEPS[step_name].sources


def closure_needs_follow_up(closure_code: str) -> bool:
    return closure_code not in EARLY_CLOSURE_CODES
