"""The peer's routes: all of django-helpdesk's (its ticket API at ``/api/tickets/``) and ``/healthz``."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
