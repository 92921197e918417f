"""The URL map: the pages at `/`, the API under /api/v1/, the admin and the health probes."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core import health

# The admin names the product, in the reader's language ("Django administration" otherwise).
admin.site.site_header = admin.site.site_title = _("Service Recovery Desk administration")
admin.site.index_title = _("Settings and records")

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
