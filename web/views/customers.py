"""A customer's page: their complaints in your stores, compensation, satisfaction, flags and tier (set here)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors as complaint_selectors
from complaints.services import customers
from core.errors import ApplicationError
from recovery.customers import selectors as customer_selectors
from staff.models import Role
from web import forms
from web.idempotency import once
from web.refusals import refuse, take_refusal
from web.signin import signed_in


@signed_in
@require_GET
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    if refusal := take_refusal(request):
        form = refusal.bind("tier", lambda data: forms.TierForm(data, tiers=complaint_selectors.customer_tiers()))
        return _render(request, customer_id, form, status=refusal.status)
    return _render(request, customer_id)


def _refuse(request: HttpRequest, customer_id: int, form, *, status: int) -> HttpResponse:
    to = reverse("web:customer", kwargs={"customer_id": customer_id})
    return refuse(request, to=to, status=status, refused={"tier": form})


def _render(request: HttpRequest, customer_id: int, form: forms.TierForm | None = None, *, status: int = 200):
    history = customer_selectors.customer_history(user=request.user, customer_id=customer_id)
    if form is None and request.user.has_role_at_least(Role.SUPERVISOR):
        form = forms.TierForm(tiers=complaint_selectors.customer_tiers(), initial={"tier": history.tier})
    return render(request, "web/customer.html", {"history": history, "form": form}, status=status)


@signed_in
@require_POST
def customer_tier(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = complaint_selectors.customer_get(user=request.user, customer_id=customer_id)
    form = forms.TierForm(request.POST, tiers=complaint_selectors.customer_tiers())
    if not form.is_valid():
        return _refuse(request, customer_id, form, status=400)

    def act() -> HttpResponse:
        customers.customer_tier_set(
            customer=customer, tier=form.cleaned_data["tier"], reason=form.cleaned_data["reason"], actor=request.user
        )
        return redirect(reverse("web:customer", kwargs={"customer_id": customer_id}))

    try:
        return once(request, act)
    except ApplicationError as error:
        form.add_error(None, error.detail)
        return _refuse(request, customer_id, form, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return _refuse(request, customer_id, form, status=400)
