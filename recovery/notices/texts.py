"""What notifications say when written (the stored text: Chinese first, as on the floor, then English; each reader
reads them in their own language, ``reading``), and the survey's email. Texts only, no decisions."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext

from complaints.models import Complaint, Deadline, DeadlineStep
from recovery.models import ApprovalRequest, SurveyInvitation
from staff.models import Store, User


def _customer(complaint: Complaint) -> tuple[str, str]:
    customer = complaint.customer
    name = (customer.name or customer.phone or customer.email) if customer else ""
    return name or "顾客", name or "the customer"


def _local(moment: datetime, store: Store) -> str:
    return timezone.localtime(moment, store.zone).strftime("%m-%d %H:%M")


STEP_WORDS = {
    DeadlineStep.APOLOGIZE: ("道歉", "Apologize to"),
    DeadlineStep.RESPOND: ("回应", "Respond to"),
    DeadlineStep.FOLLOW_UP: ("回访", "Follow up with"),
}

STEP_NOUNS = {
    DeadlineStep.APOLOGIZE: "the apology",
    DeadlineStep.RESPOND: "the response",
    DeadlineStep.FOLLOW_UP: "the follow-up",
}


def reminder_text(complaint: Complaint, deadline: Deadline) -> str:
    zh_name, en_name = _customer(complaint)
    zh_verb, en_verb = STEP_WORDS[deadline.step]
    due = _local(deadline.due_at, complaint.store)
    if deadline.step == DeadlineStep.FOLLOW_UP:
        return f"请{zh_verb}{zh_name}（{complaint.reference}） / {en_verb} {en_name} about {complaint.reference}"
    return (
        f"请于 {due} 前向{zh_name}{zh_verb}（{complaint.reference}） / "
        f"{en_verb} {en_name} about {complaint.reference} by {due}"
    )


def escalation_text(complaint: Complaint, deadlines: list[Deadline], level: int) -> str:
    """One notice for every step of ``complaint`` that reached ``level`` at once."""
    store = complaint.store
    zh = "、".join(f"应于 {_local(d.due_at, store)} 前{STEP_WORDS[d.step][0]}" for d in deadlines)
    first, *others = deadlines
    en = f"{STEP_NOUNS[first.step]} was due by {_local(first.due_at, store)}" + "".join(
        f" and {STEP_NOUNS[d.step]} by {_local(d.due_at, store)}" for d in others
    )
    return (
        f"{complaint.reference} 已超时：{zh}，仍未完成（升级第 {level} 级） / "
        f"{complaint.reference} is overdue: {en} (escalation level {level})"
    )


def _approval_total(approval: ApprovalRequest) -> str:
    total = sum((action.amount for action in approval.actions.all()), Decimal(0))
    return f"{total} {approval.store.currency}"


def approval_text(complaint: Complaint, approval: ApprovalRequest, deadline: Deadline, *, sent_up: bool) -> str:
    total, due = _approval_total(approval), _local(deadline.due_at, complaint.store)
    who = approval.requested_by.username
    zh, en = ("已转给你审批", "Sent up to you to decide") if sent_up else ("待审批", "Approval needed")
    return (
        f"{zh}：{complaint.reference} 补偿 {total}（{who} 申请，请于 {due} 前处理） / "
        f"{en}: {total} for {complaint.reference}, asked by {who}; decide by {due}"
    )


def approval_decided_text(complaint: Complaint, approval: ApprovalRequest, *, decided_by: User) -> str:
    total, who = _approval_total(approval), decided_by.username
    if approval.status == "approved":
        return (
            f"已批准：{complaint.reference} 补偿 {total}（{who} 批准），投诉已回应 / "
            f"Approved: {total} for {complaint.reference} by {who}; the complaint is responded"
        )
    reason = approval.decision_note
    return (
        f"未批准：{complaint.reference} 补偿 {total}（{who}：{reason}），请另行回应顾客 / "
        f"Not approved: {total} for {complaint.reference} by {who} ({reason}); respond to the customer otherwise"
    )


def pin_locked_text(complaint: Complaint, *, tablet_of: User, until: datetime) -> str:
    who, till = tablet_of.username, _local(until, complaint.store)
    return (
        f"审批 PIN 已锁定：在 {who} 的平板上为你输错 5 次（{complaint.reference}），该平板上的当面审批锁定至 {till}；"
        f"若不是你本人输入，请告知上级 / "
        f"Approval PIN locked: 5 wrong PINs were typed for you on {who}'s tablet ({complaint.reference}); "
        f"approving in person there is locked until {till}. If it was not you, tell your manager"
    )


# --- The follow-up survey ------------------------------------------------------------------------


def survey_outcome(solved: bool) -> str:
    """The follow-up's outcome when the customer answered the survey themselves."""
    return "顾客问卷：问题已解决 / Survey: solved" if solved else "顾客问卷：问题未解决 / Survey: not solved"


def survey_reopen_reason(*, solved: bool, score: int) -> str:
    zh, en = ("已解决", "solved") if solved else ("未解决", "not solved")
    return f"顾客问卷：{zh}，评分 {score}/5 / Survey: {en}, score {score}/5"


def survey_unsatisfied_text(complaint: Complaint, invitation: SurveyInvitation) -> str:
    zh, en = ("已解决", "solved") if invitation.solved else ("未解决", "not solved")
    comment = f"：“{invitation.comment}”" if invitation.comment else ""
    comment_en = f': "{invitation.comment}"' if invitation.comment else ""
    return (
        f"顾客不满意：{complaint.reference} 回访问卷答“{zh}”，评分 {invitation.score}/5{comment}，"
        "投诉已重新打开，请再次回应 / "
        f"Customer not satisfied: the survey on {complaint.reference} says {en}, score {invitation.score}/5"
        f"{comment_en}; the complaint is reopened, respond again"
    )


def survey_email(invitation: SurveyInvitation, *, url: str) -> tuple[str, str]:
    """The subject and body of the email that brings the customer the survey link, in the language they read (their
    phone's, once known); not known, in both: Chinese first, then English."""
    customer = invitation.complaint.customer
    if customer is not None and customer.language:
        with translation.override(customer.language):
            return _survey_email_in_one_language(invitation, url=url)
    with translation.override("zh-hans"):
        zh_subject, zh_body = _survey_email_in_one_language(invitation, url=url)
    with translation.override("en"):
        en_subject, en_body = _survey_email_in_one_language(invitation, url=url)
    return f"{zh_subject} / {en_subject}", f"{zh_body}\n{en_body}"


def _survey_email_in_one_language(invitation: SurveyInvitation, *, url: str) -> tuple[str, str]:
    complaint = invitation.complaint
    until = timezone.localtime(invitation.expires_at, complaint.store.zone).strftime("%Y-%m-%d")
    words = {"store": complaint.store.name, "reference": complaint.reference, "url": url, "until": until}
    subject = gettext("%(store)s: was your problem solved? (%(reference)s)") % words
    body = (
        gettext(
            "Hello,\n\nThank you for telling us about the problem you had at %(store)s (reference %(reference)s). "
            "Was it solved? Tell us in a minute:\n\n%(url)s\n\nThis link works until %(until)s, for one answer.\n"
        )
        % words
    )
    return subject, body


def customer_waiting_text(complaint: Complaint) -> str:
    """A customer still in the store complained on its QR form: someone can go to them now."""
    zh_name, en_name = _customer(complaint)
    en_name = en_name[0].upper() + en_name[1:]
    return (
        f"{zh_name}仍在店内，刚通过二维码表单投诉（{complaint.reference}），请马上过去 / "
        f"{en_name} is still in the store and just complained on the QR form ({complaint.reference}): go to them now"
    )
