"""The store board for supervisors and above: open, overdue and escalated complaints, and who has them."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors
from complaints.errors import InvalidTransition
from complaints.filters import ComplaintFilter
from complaints.models import OPEN_STATUSES, customer_waiting_q
from complaints.services import steps
from core.errors import ApplicationError
from staff.models import Role
from staff.selectors import staff_for_store, stores_visible_to
from web import forms
from web.idempotency import once
from web.signin import signed_in
from web.views.complaints import render_refused

BOARD_SIZE = 100


@signed_in
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role_at_least(Role.SUPERVISOR):
        raise PermissionDenied
    stores = list(stores_visible_to(request.user).order_by("code"))
    form = forms.BoardFilterForm(request.GET, stores=stores)
    # The list's own FilterSet decides what each filter means; it takes the query as a QueryDict
    # (status may be repeated), only the board's filters, and only those given a value.
    chosen = QueryDict(mutable=True)
    for name in form.fields:
        values = [value for value in request.GET.getlist(name) if value]
        if values:
            chosen.setlist(name, values)
    filterset = ComplaintFilter(chosen, queryset=selectors.complaints_visible_to(request.user))
    # Only an open complaint can be taken over (the domain's list of open statuses).
    context = {"form": form, "board_size": BOARD_SIZE, "many_stores": len(stores) > 1, "open_statuses": OPEN_STATUSES}
    if not form.is_valid() or not filterset.is_valid():
        # A filter that cannot be applied says so on its field; the board never silently shows everything.
        for name, messages in filterset.errors.items():
            if name in form.fields and not form.has_error(name):
                form.add_error(name, messages)
        return render(request, "web/board.html", context | {"complaints": None, "refused": True}, status=400)
    complaints = filterset.qs
    if "status" not in chosen:
        complaints = complaints.filter(status__in=OPEN_STATUSES)
    # A customer who said on the QR form that they are still in the store is marked, for someone to go to them now.
    waiting = Case(When(customer_waiting_q(), then=Value(True)), default=Value(False))
    complaints = complaints.annotate(customer_waiting=waiting)
    complaints = complaints.order_by(F("next_due_at").asc(nulls_last=True), "created_at")
    return render(request, "web/board.html", context | {"complaints": complaints[:BOARD_SIZE]})


@signed_in
@require_POST
def complaint_assign(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """Take over (assign to me) or reassign, supervisors and above."""
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
    form = forms.AssignForm(request.POST, staff=staff_for_store(complaint.store))
    if not form.is_valid():
        return render_refused(request, complaint, "assign", form, status=400)
    assignee = form.cleaned_data["assignee"]
    try:
        return once(request, lambda: _assign(request, complaint, assignee))
    except InvalidTransition:
        # Sent from a page drawn before the complaint was closed (a stale board or tab): nothing went wrong that
        # the person could put right, so the page says what happened, as a decided request's stale tab does.
        # (Only a closed complaint cannot be assigned.)
        words = {"reference": complaint.reference}
        if assignee == request.user:
            messages.info(request, _("%(reference)s was closed meanwhile: there is nothing to take over.") % words)
        else:
            messages.info(request, _("%(reference)s was closed meanwhile: it can no longer be reassigned.") % words)
        return redirect("web:complaint", complaint_id=complaint.pk)
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return render_refused(request, complaint, "assign", form, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return render_refused(request, complaint, "assign", form, status=400)


def _assign(request: HttpRequest, complaint, assignee) -> HttpResponse:
    steps.complaint_assign(complaint=complaint, actor=request.user, assignee=assignee)
    if assignee == request.user:
        messages.success(request, _("You took over %(reference)s.") % {"reference": complaint.reference})
    else:
        messages.success(
            request,
            _("%(reference)s is now with %(who)s.")
            % {"reference": complaint.reference, "who": assignee.get_full_name() or assignee.username},
        )
    return redirect("web:complaint", complaint_id=complaint.pk)
