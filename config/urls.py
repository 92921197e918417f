"""The URL map: the API under /api/v1/, the admin and the health probes; `/` leads to the API's docs."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core import health

urlpatterns = [
    # Until the web UI takes `/`, it shows the API's docs; not permanent, so browsers will not cache it.
    path("", RedirectView.as_view(pattern_name="docs", permanent=False), name="home"),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler400 = "core.rest.errors.bad_request"
handler404 = "core.rest.errors.not_found"
