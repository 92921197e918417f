"""The store's public complaint form (reached from its QR code) and its thank-you page: no sign-in.

What a visitor can learn here is their own complaint's reference, nothing else: the form is found by a
random token (never the store's code), and the thank-you page shows only what its signed link carries.
"""

import math
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from complaints.errors import PublicFormClosed
from complaints.photos import photo_too_large_message
from recovery.notices.in_store import public_complaint_log
from staff.models import Store
from staff.selectors import store_for_public_form
from web import forms, ratelimits

THANKS_SALT = "web.public.thanks"
# The thank-you link shows its reference for a day: long enough to note it down, short enough to go stale.
THANKS_MAX_AGE = 24 * 60 * 60
# Room for the text fields and the multipart framing beside the largest photo.
BODY_ALLOWANCE = 256 * 1024


@csrf_exempt  # checked below, once the body is known to be of a size worth reading (_post_checked)
@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, token: str) -> HttpResponse:
    store = store_for_public_form(token)
    if request.method == "GET":
        return ratelimits.device_cookie_give(request, _render_form(request, store, forms.PublicComplaintForm()))
    problem = _unreadable_body(request)
    if problem is not None:
        # Nothing was read, so nothing is kept here; the page's draft (app.js) puts back what was typed.
        return _render_form(request, store, forms.PublicComplaintForm(), status=413, refusal=problem)
    return _post_checked(request, store)


@csrf_protect
def _post_checked(request: HttpRequest, store: Store) -> HttpResponse:
    reached = ratelimits.public_form_limit_reached(request, store)
    if reached is not None:
        # What was typed comes back as typed, unchecked: a refused sender costs no more work than this.
        typed = {name: value for name, value in request.POST.items() if name in forms.PublicComplaintForm.KEPT}
        form = forms.PublicComplaintForm(initial=typed)
        return _render_form(
            request,
            store,
            form,
            status=429,
            refusal=_limit_message(reached),
            headers={"Retry-After": str(reached.retry_after)},
        )
    form = forms.PublicComplaintForm(request.POST, request.FILES)
    if form.is_bot:
        # A bot sees what a person would, and learns nothing from it; nothing is created.
        return _thanks_redirect(store, _made_up_reference(store))
    if not form.is_valid():
        return _render_form(request, store, form, status=400)
    data = form.cleaned_data
    try:
        complaint = public_complaint_log(
            store=store,
            description=data["description"],
            still_in_store=data["still_in_store"],
            name=data["name"],
            contact=data["contact"],
            contact_consent=data["contact_consent"],
            category=data["category"],
            photo=data["photo"],
            language=translation.get_language(),  # the customer's phone's, as this page answered
        )
    except PublicFormClosed as error:
        form.add_error(None, error.detail)
        return _render_form(request, store, form, status=error.status_code)
    except ValidationError as error:
        forms.errors_from(form, error)
        return _render_form(request, store, form, status=400)
    ratelimits.public_form_accepted_count(request, store)
    return _thanks_redirect(store, complaint.reference)


@never_cache
@require_GET
def public_thanks(request: HttpRequest, token: str, receipt: str) -> HttpResponse:
    store = store_for_public_form(token)
    try:
        reference = signing.loads(receipt, salt=f"{THANKS_SALT}:{store.public_token}", max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        return redirect("web:public-form", token=store.public_token)
    return render(request, "web/public_thanks.html", {"store": store, "reference": reference})


def _unreadable_body(request: HttpRequest) -> str | None:
    """Why the request's body will not be read (too large, or not a form), else None; reads it when it is fine."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.PUBLIC_FORM_PHOTO_MAX_BYTES + BODY_ALLOWANCE:
        return photo_too_large_message()
    try:
        request.POST  # noqa: B018 - parsed here, where a refusal can still be answered with the form
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
        return _("What you sent is too large. Shorten the text or send a smaller photo.")
    return None


def _limit_message(reached: ratelimits.LimitReached) -> str:
    minutes = math.ceil(reached.retry_after / 60)
    if reached.limit == ratelimits.STORE:
        return ngettext(
            "This store is receiving many complaints right now. Please try again in %(count)d minute, "
            "or tell a member of staff.",
            "This store is receiving many complaints right now. Please try again in %(count)d minutes, "
            "or tell a member of staff.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Several complaints were sent from here in a short time. Please try again in %(count)d minute.",
        "Several complaints were sent from here in a short time. Please try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def _thanks_redirect(store: Store, reference: str) -> HttpResponse:
    receipt = signing.dumps(reference, salt=f"{THANKS_SALT}:{store.public_token}")
    return redirect(reverse("web:public-thanks", kwargs={"token": store.public_token, "receipt": receipt}))


def _made_up_reference(store: Store) -> str:
    # Shaped like a real one (intake's per-store daily reference), so that the answer does not tell.
    day = timezone.localdate(timezone.now(), store.zone)
    return f"{store.code}-{day:%Y%m%d}-{secrets.randbelow(40) + 1:04d}"


def _render_form(
    request: HttpRequest,
    store: Store,
    form: forms.PublicComplaintForm,
    *,
    status: int = 200,
    refusal: str = "",
    headers: dict | None = None,
) -> HttpResponse:
    context = {
        "store": store,
        "form": form,
        "refusal": refusal,
        # For the phone to refuse a photo too large before sending it over a slow connection.
        "photo_max_bytes": settings.PUBLIC_FORM_PHOTO_MAX_BYTES,
        "photo_too_large": photo_too_large_message(),
    }
    response = render(request, "web/public_form.html", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
