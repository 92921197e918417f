"""Application errors: domain failures as values with an HTTP status and a stable code.

Services raise these; one DRF exception handler (``core.rest.errors``) turns each into one JSON shape,
``{"code": ..., "detail": ..., **extra}``. Messages are translated: a class's default lazily (it is
defined at import, before any request's language is known), a message built at raise time with
``gettext`` in the request's language.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400
    code = "error"
    default_detail = _("The request could not be carried out.")

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = str(detail or self.default_detail)
        self.extra = extra
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class NotPermitted(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_detail = _("You do not have permission to do this.")


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with a different request.")


class IdempotentRequestInProgress(Conflict):
    code = "request_in_progress"
    default_detail = _("A request with this Idempotency-Key is still being processed; retry shortly.")
