"""The store board for supervisors and above: open, overdue and escalated complaints, and who has them."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors
from complaints.filters import ComplaintFilter
from complaints.models import OPEN_STATUSES
from complaints.services import steps
from core.errors import ApplicationError
from staff.models import Role
from staff.selectors import staff_for_store, stores_visible_to
from web import forms
from web.idempotency import once
from web.views.complaints import render_refused

BOARD_SIZE = 100


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role_at_least(Role.SUPERVISOR):
        raise PermissionDenied
    stores = list(stores_visible_to(request.user).order_by("code"))
    form = forms.BoardFilterForm(request.GET, stores=stores)
    chosen = {name: value for name, value in request.GET.items() if name in form.fields and value}
    complaints = ComplaintFilter(chosen, queryset=selectors.complaints_visible_to(request.user)).qs
    if "status" not in chosen:
        complaints = complaints.filter(status__in=OPEN_STATUSES)
    complaints = complaints.order_by(F("next_due_at").asc(nulls_last=True), "created_at")
    return render(
        request,
        "web/board.html",
        {"form": form, "complaints": complaints[:BOARD_SIZE], "board_size": BOARD_SIZE, "many_stores": len(stores) > 1},
    )


@login_required
@require_POST
def complaint_assign(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """Take over (assign to me) or reassign, supervisors and above."""
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
    form = forms.AssignForm(request.POST, staff=staff_for_store(complaint.store))
    if not form.is_valid():
        return render_refused(request, complaint, "assign", form, status=400)
    try:
        return once(request, lambda: _assign(request, complaint, form.cleaned_data["assignee"]))
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return render_refused(request, complaint, "assign", form, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return render_refused(request, complaint, "assign", form, status=400)


def _assign(request: HttpRequest, complaint, assignee) -> HttpResponse:
    steps.complaint_assign(complaint=complaint, actor=request.user, assignee=assignee)
    return redirect("web:complaint", complaint_id=complaint.pk)
