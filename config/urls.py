"""The URL map: the pages at `/`, the API under /api/v1/, the admin and the health probes."""

from django.contrib import admin
from django.urls import include, path

from core import health

urlpatterns = [
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]

handler400 = "core.rest.errors.bad_request"
handler404 = "core.rest.errors.not_found"
handler500 = "core.rest.errors.server_error"
