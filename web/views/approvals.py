"""Deciding compensation above an employee's limits: the approver's queue, and in person on the employee's tablet."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors as complaint_selectors
from core.errors import ApplicationError
from recovery.approvals import decisions, pins
from recovery.approvals import selectors as approval_selectors
from recovery.customers import selectors as customer_selectors
from recovery.models import ApprovalRequest, ApprovalStatus
from staff.models import ROLE_AS_PERSON, Role
from web import forms
from web.idempotency import once
from web.refusals import refuse, take_refusal
from web.signin import signed_in
from web.views.complaints import approvers_at_hand, render_refused


@signed_in
@require_GET
def approval_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role_at_least(Role.SUPERVISOR):
        raise PermissionDenied
    # A decision refused a moment ago comes back on its request's card, with what was typed and why.
    refused = take_refusal(request)
    form = refused.bind("decision", forms.DecisionForm) if refused else None
    pending = approval_selectors.approval_queue(request.user).filter(status=ApprovalStatus.PENDING)
    rows = [
        (
            approval,
            form if refused is not None and str(approval.pk) == refused.about else forms.DecisionForm(),
            customer_selectors.CustomerFlags.of(approval) if approval.complaint.customer_id else None,
        )
        for approval in pending
    ]
    # A request no longer in the queue (decided meanwhile) says why at the top.
    shown = refused is None or any(str(approval.pk) == refused.about for approval, _form, _flags in rows)
    refusal = [] if shown else form.non_field_errors()
    status = refused.status if refused else 200
    return render(request, "web/approvals.html", {"approvals": rows, "refusal": refusal}, status=status)


def _refuse_decision(request: HttpRequest, approval: ApprovalRequest, form, *, status: int) -> HttpResponse:
    return refuse(
        request, to=reverse("web:approvals"), status=status, refused={"decision": form}, about=str(approval.pk)
    )


@signed_in
@require_POST
def approval_decide(request: HttpRequest, approval_id: uuid.UUID, decision: str) -> HttpResponse:
    """The approver decides from their own device, in the queue."""
    approval = approval_selectors.approval_get(user=request.user, approval_id=approval_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        return _refuse_decision(request, approval, form, status=400)
    try:
        then = reverse("web:approvals")
        return once(request, lambda: _decide(request, approval, decision, form.cleaned_data, then=then))
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return _refuse_decision(request, approval, form, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return _refuse_decision(request, approval, form, status=400)


@signed_in
@require_POST
def approval_decide_in_person(request: HttpRequest, complaint_id: uuid.UUID, decision: str) -> HttpResponse:
    """An approver standing by decides on the employee's tablet, with their PIN."""
    complaint = complaint_selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
    approval = approval_selectors.pending_approval_of(complaint)
    if approval is None:
        messages.info(request, _("This request was already decided."))
        return redirect("web:complaint", complaint_id=complaint.pk)
    form = forms.InPersonDecisionForm(request.POST, approvers=approvers_at_hand(complaint, approval))
    if not form.is_valid():
        return render_refused(request, complaint, "in-person", form, status=400)
    data = form.cleaned_data
    try:
        # Its own transaction: a wrong PIN counts even though the decision is refused.
        pins.approval_pin_verify(approver=data["approver"], pin=data["pin"])
        then = reverse("web:complaint", kwargs={"complaint_id": complaint.pk})
        return once(request, lambda: _decide(request, approval, decision, data, then=then))
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return render_refused(request, complaint, "in-person", form, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return render_refused(request, complaint, "in-person", form, status=400)


def _decide(request: HttpRequest, approval: ApprovalRequest, decision: str, data: dict, *, then: str) -> HttpResponse:
    approver = data.get("approver")
    actor, tablet_of = (approver, request.user) if approver is not None else (request.user, None)
    if decision == "approve":
        outcome = decisions.approval_approve(
            approval=approval, actor=actor, note=data["note"], in_person_on_tablet_of=tablet_of
        )
        if outcome.escalated_to is not None:
            messages.warning(
                request,
                _("This is over your own limits, so it was sent up to %(approver)s to decide.")
                % {"approver": ROLE_AS_PERSON[outcome.escalated_to]},
            )
        else:
            messages.success(request, _("Approved %(reference)s.") % {"reference": approval.complaint.reference})
    else:
        decisions.approval_reject(approval=approval, actor=actor, reason=data["note"], in_person_on_tablet_of=tablet_of)
        messages.success(
            request,
            _("Not approved %(reference)s: back to %(who)s to respond another way.")
            % {
                "reference": approval.complaint.reference,
                "who": approval.requested_by.get_full_name() or approval.requested_by.username,
            },
        )
    return redirect(then)
