"""Complaint pages: my open complaints, logging one, and the guided flow of one complaint."""

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import selectors, states
from complaints.customers import normalize_phone
from complaints.filters import ComplaintFilter
from complaints.models import Complaint, ComplaintStatus, Stage
from complaints.services import intake, steps
from core.errors import ApplicationError
from recovery.actions import available_actions
from recovery.approvals import selectors as approval_selectors
from recovery.compensation import grants
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.policies import Line, left_for_customer, left_today
from recovery.customers import selectors as customer_selectors
from recovery.models import CompensationKind
from recovery.surveys import invitations
from recovery.surveys import selectors as survey_selectors
from staff.models import ROLE_AS_PERSON, ROLE_RANK, Role, User, role_above
from staff.selectors import staff_for_store
from web import forms
from web.idempotency import once
from web.refusals import Refusal, refuse, take_refusal
from web.signin import signed_in
from web.timeline import deliveries, latest_rejection, timeline

# The stage a new complaint starts with is the one this employee used last (kept in the session).
LAST_STAGE = "web:last_stage"
CUSTOMER_HISTORY_DAYS = 30


HOME_LIST_SIZE = 50


@signed_in
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My open complaints, or what the search box found among my stores' complaints (newest first)."""
    search_form = forms.ComplaintSearchForm(request.GET)
    pending = (
        approval_selectors.approvals_visible_to(request.user).filter(status="pending").count()
        if request.user.has_role_at_least(Role.SUPERVISOR)
        else None
    )
    context = {"search_form": search_form, "pending_approvals": pending, "list_size": HOME_LIST_SIZE}
    if not search_form.is_valid():
        return render(request, "web/home.html", context | {"complaints": None}, status=400)
    if query := search_form.cleaned_data["search"]:
        # What the words match is the complaint list's search (the API's and the board's too).
        found = ComplaintFilter({"search": query}, queryset=selectors.complaints_visible_to(request.user)).qs
        found = found.order_by("-created_at", "-pk")
        return render(request, "web/home.html", context | {"query": query, "complaints": found[:HOME_LIST_SIZE]})
    mine = (
        selectors.complaints_visible_to(request.user)
        .filter(assignee=request.user)
        .exclude(status=ComplaintStatus.CLOSED)
        .order_by(F("next_due_at").asc(nulls_last=True), "created_at")
    )
    return render(request, "web/home.html", context | {"complaints": mine[:HOME_LIST_SIZE]})


@signed_in
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = forms.ComplaintForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                complaint = _log(request, form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, error.detail)
                status = error.status_code
            except ValidationError as error:
                forms.errors_from(form, error)
            else:
                request.session[LAST_STAGE] = complaint.stage
                return redirect("web:complaint", complaint_id=complaint.pk)
        return refuse(request, to=reverse("web:complaint-new"), status=status, refused={"new": form})
    if refusal := take_refusal(request):
        return _render_new(request, refusal.bind("new", forms.ComplaintForm), status=refusal.status)
    initial = {"id": uuid.uuid4(), "stage": request.session.get(LAST_STAGE, Stage.IN_SALE)}
    return _render_new(request, forms.ComplaintForm(initial=initial))


def _log(request: HttpRequest, data: dict) -> Complaint:
    customer = {"name": data["customer_name"], "phone": data["customer_phone"], "email": data["customer_email"]}
    complaint, _created = intake.complaint_log(
        actor=request.user,
        id=data["id"],
        channel=data["channel"],
        category=data["category"],
        severity=data["severity"],
        stage=data["stage"],
        description=data["description"],
        customer=customer if any(customer.values()) else None,
        contact_consent=data["contact_consent"],
    )
    return complaint


def _render_new(request: HttpRequest, form: forms.ComplaintForm, *, status: int = 200) -> HttpResponse:
    return render(request, "web/complaint_new.html", {"form": form}, status=status)


@signed_in
@require_GET
def customer_history(request: HttpRequest) -> HttpResponse:
    """What a known phone number's customer complained about and was given lately (a fragment)."""
    try:
        phone = normalize_phone(request.GET.get("customer_phone", ""))
    except ValidationError:
        phone = ""
    since = timezone.now() - timedelta(days=CUSTOMER_HISTORY_DAYS)
    earlier = (
        selectors.complaints_visible_to(request.user).filter(customer__phone=phone, created_at__gte=since)
        if phone
        else Complaint.objects.none()
    )
    earlier = list(earlier.order_by("-created_at")[:10])
    granted = compensation_selectors.customer_granted_since(earlier[0].customer, since=since) if earlier else None
    return render(
        request,
        "web/partials/customer_history.html",
        {"earlier": earlier, "granted": granted, "days": CUSTOMER_HISTORY_DAYS},
    )


# --- One complaint and its steps -------------------------------------------------------------------


@signed_in
@require_GET
def compensation_check(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """While the employee types compensation: within their limits, refused, or for whom to approve (a fragment)."""
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
    lines_form = forms.CompensationLines(request.GET, prefix="lines")
    lines = [
        Line(kind=line["kind"], amount=line["amount"])
        for line in (forms.compensation_lines(lines_form) if lines_form.is_valid() else [])
    ]
    preview = compensation_selectors.grant_preview(user=request.user, complaint=complaint, lines=lines)
    context = {
        "lines": lines,
        "preview": preview,
        "exceeded": [excess.as_dict() for excess in preview.exceeded],
        "approver": ROLE_AS_PERSON.get(preview.approver_role),
        "currency": complaint.store.currency,
    }
    return render(request, "web/partials/limit_check.html", context)


@signed_in
@require_GET
def complaint_page(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    if refusal := take_refusal(request):
        # A form of this page was refused: shown again, once, with what was typed and why.
        bound = _refused_forms(complaint, refusal)
        context = _flow_context(request, complaint, bound=bound) | {"refused_step": refusal.about}
        return render(request, "web/complaint.html", context, status=refusal.status)
    return render(request, "web/complaint.html", _flow_context(request, complaint))


def _refused_forms(complaint: Complaint, refusal: Refusal) -> dict:
    pending = approval_selectors.pending_approval_of(complaint)
    makers = {name: make for name, (make, _act) in STEP_FORMS.items()} | {
        "lines": lambda data: forms.CompensationLines(data, prefix="lines"),
        "in-person": lambda data: forms.InPersonDecisionForm(
            data, approvers=approval_selectors.approvers_in_person(pending) if pending else User.objects.none()
        ),
        "assign": lambda data: forms.AssignForm(data, staff=staff_for_store(complaint.store)),
    }
    return {name: refusal.bind(name, make) for name, make in makers.items() if refusal.has(name)}


@signed_in
@require_GET
def complaint_photo(request: HttpRequest, complaint_id: uuid.UUID, photo_id: int) -> FileResponse:
    """A photo the customer sent, for staff who may see its complaint (404 otherwise, as if absent)."""
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
    photo = next((photo for photo in selectors.complaint_photos(complaint) if photo.pk == photo_id), None)
    if photo is None:
        raise Http404
    try:
        response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    except FileNotFoundError as exc:  # the media folder lost it: the page says "not found", not a 500
        raise Http404 from exc
    response["Cache-Control"] = "private, max-age=3600"
    return response


@signed_in
@require_GET
def complaint_watch(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    """Polled while the page waits on someone else (an approval): nothing (204) until the status
    moves, then the page's new main part, so the employee sees the decision without reloading."""
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    if complaint.status == request.GET.get("status"):
        return HttpResponse(status=204)
    response = render(request, "web/complaint.html", _flow_context(request, complaint))
    response["HX-Retarget"] = "#complaint"
    response["HX-Reswap"] = "outerHTML"
    response["HX-Reselect"] = "#complaint"
    return response


def _flow_context(request: HttpRequest, complaint: Complaint, bound: dict | None = None) -> dict:
    """Everything the flow page shows, with a fresh form for each step allowed now (``bound``
    replaces the one that was just sent back with its errors)."""
    user = request.user
    report = compensation_selectors.limits_report(user=user, store=complaint.store, customer=complaint.customer)
    pending = approval_selectors.pending_approval_of(complaint)
    actions = available_actions(user=user, complaint=complaint, pending=pending)
    allowed = list(actions.steps)
    step_forms = {name: make() for name, (make, _act) in STEP_FORMS.items() if name in allowed}
    step_forms["hold"] = forms.HoldForm() if actions.hold else None
    step_forms["resume"] = forms.ResumeForm() if actions.resume else None
    if actions.decide_in_person:
        step_forms["in-person"] = forms.InPersonDecisionForm(approvers=approval_selectors.approvers_in_person(pending))
    if actions.reassign:
        step_forms["assign"] = forms.AssignForm(
            staff=staff_for_store(complaint.store), initial={"assignee": complaint.assignee_id}
        )
    if "respond" in step_forms or "compensation" in step_forms:
        # Offered: only what this employee's role may grant at all; who may grant the rest is said beside it.
        step_forms["lines"] = forms.CompensationLines(
            prefix="lines", form_kwargs={"kinds": report.limits.allowed_kinds}
        )
    # A refused form that the page shows comes back with what was typed and why; one it does not
    # show (a step not allowed now) leaves its reason at the top of the page.
    events = list(complaint.events.all())
    refusal = []
    for name, form in (bound or {}).items():
        if name in step_forms:
            step_forms[name] = form
        elif form is not None and hasattr(form, "non_field_errors"):
            refusal += form.non_field_errors()
    return {
        "complaint": complaint,
        # While a request waits, the flow is where it was asked from: more compensation after the response
        # leaves the response done.
        "progress": states.progress(pending.complaint_status_before if pending else complaint.status),
        "flow": FLOW,
        "allowed": allowed,
        # Keyed for templates, which cannot look up "follow-up".
        "forms": {name.replace("-", "_"): form for name, form in step_forms.items()},
        "compensation": list(compensation_selectors.compensation_of(complaint)),
        "guideline": compensation_selectors.guideline_for(complaint),
        "limits": report.limits,
        "kinds_for_others": _kinds_for_others(complaint, report.limits),
        # Who approves above the employee's own limits: someone of a higher role (none above an admin).
        "approver_above": ROLE_AS_PERSON.get(role_above(user.role)),
        "left_today": left_today(report.limits, report.usage),
        "left_for_customer": left_for_customer(report.limits, report.usage),
        "pending": pending,
        "customer_flags": customer_selectors.customer_flags(complaint.customer),
        "may_decide": actions.decide,
        "events": events,
        "timeline": timeline(complaint, events),
        "deliveries": deliveries(complaint),
        # Why the last request was not approved, where the employee responds again.
        "rejection": latest_rejection(events) if "respond" in allowed else None,
        "photos": selectors.complaint_photos(complaint),
        "refusal": refusal,
        "hold_choices": _hold_choices(complaint) if step_forms.get("hold") else [],
        **_survey_context(complaint),
        "may_contact": actions.contact,
    }


def _kinds_for_others(complaint: Complaint, limits) -> list[tuple[str, str]]:
    """The kinds the employee's role may not grant, each with the nearest role that may (as a person)."""
    by_role = compensation_selectors.limits_by_role(complaint.store)
    roles = sorted(by_role, key=lambda role: ROLE_RANK[role])
    others = []
    for kind, label in CompensationKind.choices:
        if kind in limits.allowed_kinds:
            continue
        role = next((role for role in roles if kind in by_role[role].allowed_kinds), None)
        if role is not None:
            others.append((label, ROLE_AS_PERSON.get(role, role)))
    return others


def _hold_choices(complaint: Complaint) -> list[tuple[str, str]]:
    """Quick times to resume by, in the store's zone as the hold's field takes them."""
    now = timezone.localtime(timezone.now(), complaint.store.zone).replace(second=0, microsecond=0)
    choices = [
        (_("In 30 minutes"), now + timedelta(minutes=30)),
        (_("In 1 hour"), now + timedelta(hours=1)),
        (_("Tomorrow, same time"), now + timedelta(days=1)),
    ]
    return [(label, f"{moment:%Y-%m-%dT%H:%M}") for label, moment in choices]


def _survey_context(complaint: Complaint) -> dict:
    """The last survey link sent, and whether the customer may still answer it (then the page shows its QR code)."""
    survey = survey_selectors.survey_latest_of(complaint)
    answerable = survey is not None and invitations.survey_refusal(survey, complaint, now=timezone.now()) is None
    return {"survey": survey, "survey_url": invitations.survey_url(survey) if answerable else None}


# The main flow as the step bar shows it: (step, label); listening is logging the complaint.
FLOW = [
    ("listen", states.STEP_LABELS["listen"]),
    ("apologize", states.STEP_LABELS["apologize"]),
    ("respond", states.STEP_LABELS["respond"]),
    ("follow-up", states.STEP_LABELS["follow-up"]),
    ("close", states.STEP_LABELS["close"]),
]


@signed_in
@require_POST
def complaint_step(request: HttpRequest, complaint_id: uuid.UUID, step: str) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
    make, act = STEP_FORMS[step]
    form = make(request.POST)
    lines = forms.CompensationLines(request.POST, prefix="lines") if step in ("respond", "compensation") else None
    if not form.is_valid() or (lines is not None and not lines.is_valid()):
        return render_refused(request, complaint, step, form, lines, status=400)
    try:
        return once(request, lambda: _act_and_redirect(request, complaint, act, form, lines))
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return render_refused(request, complaint, step, form, lines, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return render_refused(request, complaint, step, form, lines, status=400)


def _act_and_redirect(request, complaint, act: Callable, form, lines) -> HttpResponse:
    data = dict(form.cleaned_data)
    data.pop(forms.FORM_KEY, None)
    if lines is not None:
        data["compensation"] = forms.compensation_lines(lines)
    act(request, complaint, data)
    status = Complaint.objects.values_list("status", flat=True).get(pk=complaint.pk)
    messages.success(
        request,
        _("Done: %(reference)s is now %(status)s.")
        % {"reference": complaint.reference, "status": ComplaintStatus(status).label},
    )
    return redirect(reverse("web:complaint", kwargs={"complaint_id": complaint.pk}))


def render_refused(request, complaint, step, form, lines=None, *, status: int) -> HttpResponse:
    """Back to the flow page, where the form that was refused shows why (and what was typed)."""
    return refuse(
        request,
        to=reverse("web:complaint", kwargs={"complaint_id": complaint.pk}),
        status=status,
        refused={step: form, "lines": lines},
        about=step,
    )


# step: (make its form from POST data or nothing, act on the cleaned data)
STEP_FORMS: dict[str, tuple[Callable, Callable]] = {
    "apologize": (
        forms.ApologizeForm,
        lambda request, complaint, data: steps.complaint_apologize(complaint=complaint, actor=request.user, **data),
    ),
    "respond": (
        forms.RespondForm,
        lambda request, complaint, data: grants.complaint_respond_with_compensation(
            complaint=complaint, actor=request.user, **data
        ),
    ),
    "compensation": (
        forms.CompensateForm,
        lambda request, complaint, data: grants.complaint_compensate(complaint=complaint, actor=request.user, **data),
    ),
    "follow-up": (
        forms.FollowUpForm,
        lambda request, complaint, data: steps.complaint_follow_up(complaint=complaint, actor=request.user, **data),
    ),
    "survey": (
        forms.SurveySendForm,
        lambda request, complaint, data: invitations.survey_send(complaint=complaint, actor=request.user),
    ),
    "close": (
        forms.CloseForm,
        lambda request, complaint, data: steps.complaint_close(complaint=complaint, actor=request.user, **data),
    ),
    "reopen": (
        forms.ReopenForm,
        lambda request, complaint, data: steps.complaint_reopen(complaint=complaint, actor=request.user, **data),
    ),
    "hold": (
        forms.HoldForm,
        lambda request, complaint, data: steps.complaint_hold(complaint=complaint, actor=request.user, **data),
    ),
    "resume": (
        forms.ResumeForm,
        lambda request, complaint, data: steps.complaint_resume(complaint=complaint, actor=request.user),
    ),
}
