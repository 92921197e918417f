"""A form sent twice acts once: each rendered form carries a key, and a repeat gets the first outcome.

On a flaky connection a tablet may send the same form again (a retry after a timeout, a double
tap). The form's hidden ``form_key`` is claimed like the API's ``Idempotency-Key``; a repeat of a
request that went through is sent where the first one was.
"""

import uuid
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from core.idempotency import idempotency_claim, idempotency_complete, idempotency_release, request_digest

FIELD = "form_key"


def new_form_key() -> str:
    return str(uuid.uuid4())


def once(request: HttpRequest, action: Callable[[], HttpResponse]) -> HttpResponse:
    """Run ``action`` for this form submission unless the same submission already succeeded."""
    key = request.POST.get(FIELD, "").strip()
    if not key or len(key) > 255 or not key.isascii():
        return action()
    body = "&".join(f"{name}={value}" for name, value in sorted(request.POST.items()) if name != "csrfmiddlewaretoken")
    digest = request_digest(method="POST", path=request.path, body=body.encode())
    record, replay = idempotency_claim(user_id=request.user.pk, key=f"web:{key}", digest=digest)
    if replay:
        return HttpResponseRedirect(record.response_body["location"])
    try:
        with transaction.atomic():
            response = action()
            if isinstance(response, HttpResponseRedirect):
                idempotency_complete(record=record, status=response.status_code, body={"location": response.url})
    except BaseException:
        idempotency_release(record=record)
        raise
    if not isinstance(response, HttpResponseRedirect):
        idempotency_release(record=record)
    return response
