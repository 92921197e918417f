"""Safe retries for every POST: the ``Idempotency-Key`` header.

A repeat with the same key and body returns the stored response without acting again; the same
key with another body is 422; a repeat while the first is still running is 409. Keys are per
user. Only successful (2xx) outcomes are kept: after a refusal the client may fix its request
and send it again under the same key.
"""

import functools
import json
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from core.idempotency import idempotency_claim, idempotency_complete, idempotency_release, request_digest

HEADER = "Idempotency-Key"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]*[!-~][ -~]*$"},
    required=False,
    description=(
        "Any unique string up to 255 characters (a UUID is best). A repeat with the same key and "
        "body returns the stored response (header `Idempotent-Replayed: true`) without acting "
        "again; the same key with another body is 422; a repeat while the first is running is 409."
    ),
)


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView's ``post`` to honour the ``Idempotency-Key`` header."""

    @functools.wraps(handler)
    def wrapper(view: APIView, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
            raise exceptions.ValidationError({HEADER: [_("Must be 1 to 255 printable ASCII characters.")]})

        digest = request_digest(method=request.method, path=request.get_full_path(), body=request.body)
        record, replay = idempotency_claim(user_id=request.user.pk, key=key, digest=digest)
        if replay:
            return Response(
                record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
            )

        try:
            # The action and its stored outcome commit together: a process killed in between
            # leaves neither, and the retry acts once.
            with transaction.atomic():
                try:
                    response = handler(view, request, *args, **kwargs)
                except Exception as exc:
                    # A refusal becomes its 4xx inside the transaction: the refused service's own
                    # savepoint is already undone, and what must outlive a refusal (a wrong PIN
                    # counted) commits. What cannot be turned into a response is re-raised.
                    response = view.handle_exception(exc)
                if 200 <= response.status_code < 300:
                    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                    idempotency_complete(record=record, status=response.status_code, body=body)
        except BaseException:
            idempotency_release(record=record)
            raise
        if not 200 <= response.status_code < 300:
            idempotency_release(record=record)
        return response

    return wrapper
