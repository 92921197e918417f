"""The URL map: the API under /api/v1/, its schema and docs, the admin and the health probes."""

from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health
from config.converters import AnyUUIDConverter

register_converter(AnyUUIDConverter, "anyuuid")

api_v1 = [
    path("", include("staff.api.urls")),
    path("", include("complaints.api.urls")),
    # The per-complaint routes too: served with recovery's complaint (compensation, approvals).
    path("", include("recovery.api.urls")),
    path("auth/", include("rest_framework.urls")),  # sign-in for the browsable API
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler400 = "config.api.bad_request"
handler404 = "config.api.not_found"
