"""Errors over HTTP: the exception handler, JSON 400/404 for Django's own errors, and the error shapes."""

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | JsonResponse | None:
    """Turn every expected failure into JSON.

    Validation errors keep DRF's shape, ``{"field": ["message", ...]}``; every other error is
    ``{"code": ..., "detail": ...}`` plus what its class adds (e.g. ``allowed`` steps).
    """
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, SuspiciousOperation):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields: left to Django, they reach
        # handler400 only with DEBUG off (with it on, Django's debug page). Logged as Django would.
        request = context["request"]._request
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(
            str(exc), exc_info=exc, extra={"status_code": 400, "request": request}
        )
        return bad_request(request, exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if not isinstance(exc, exceptions.ValidationError):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else exc.default_code,
            "detail": str(exc.detail),
        }
    return response


def _django_validation_detail(exc: DjangoValidationError) -> dict[str, list[str]] | list[str]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def not_found(request: HttpRequest, exception: Exception):
    """404 for URLs that match no route: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


# How long a client should wait before trying again when the database could not answer.
DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest):
    """500: JSON under /api/ (clients read one error shape), Django's page elsewhere. The error is logged as ever.

    Called while the exception is being handled; when it is the database that could not answer (down, restarting,
    a connection lost: Django's OperationalError or InterfaceError), the answer is 503 with ``Retry-After``
    instead: an outage to wait out, not a bug, for tablets, API clients and load balancers alike.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": _("Something went wrong on our side.")}, status=500)
    return django_server_error(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database cannot answer, in the reader's language, touching nothing that needs the database."""
    detail = _("The desk cannot reach its database just now. Nothing was saved; please try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "service_unavailable", "detail": detail}, status=503)
    else:
        response = HttpResponse(
            f'<!doctype html><html lang="{escape(get_language() or "en")}"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(_('Try again'))}</title><p>{escape(detail)}</p></html>",
            status=503,
        )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def bad_request(request: HttpRequest, exception: Exception):
    """400 raised by Django itself (a body too big, too many fields): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "bad_request", "detail": str(exception)[:200] or _("Bad request.")}, status=400)
    return django_bad_request(request, exception)


# --- Error shapes, for the OpenAPI schema -----------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    detail = serializers.CharField(help_text="Human-readable message.")


class ValidationErrorSerializer(serializers.Serializer):
    """``{"<field>": ["message", ...], "non_field_errors": [...]}``"""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "ValidationError"


class InvalidTransitionErrorSerializer(ErrorSerializer):
    """A 409: ``invalid_transition`` names the status and the allowed steps; other conflicts
    (``request_in_progress``, ``on_hold``, ``not_on_hold``, ``approval_already_decided``) say less."""

    status = serializers.CharField(required=False, help_text="The current status (`invalid_transition`).")
    allowed = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The steps allowed from it (`invalid_transition`)."
    )
    until = serializers.DateTimeField(required=False, help_text="`on_hold`: until when.")


VALIDATION_ERROR_RESPONSE = OpenApiResponse(
    ValidationErrorSerializer,
    description=(
        "Invalid input: an object mapping each bad field (nested for nested objects) to its messages, "
        "`non_field_errors` for the request as a whole. Malformed JSON is `{code: parse_error, detail}`."
    ),
    examples=[
        OpenApiExample(
            "Bad fields",
            value={"severity": ['"catastrophic" is not a valid choice.'], "description": ["This field is required."]},
        ),
    ],
)

ERROR_RESPONSES = {
    400: VALIDATION_ERROR_RESPONSE,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}
