"""Routes of the complaint record. The per-complaint routes are built by ``complaint_urlpatterns``
so that the recovery app can serve them with its richer complaint (compensation, approvals)."""

from django.urls import path
from django.views import View

from complaints.api import views


def complaint_urlpatterns(*, detail_view: type[View], step_views: dict[str, type[View]]) -> list:
    """``/complaints/{id}/`` and ``/complaints/{id}/<step>/`` for each of ``step_views``."""
    return [
        path("complaints/<anyuuid:complaint_id>/", detail_view.as_view(), name="complaint-detail"),
        *[
            path(f"complaints/<anyuuid:complaint_id>/{step}/", view.as_view(), name=f"complaint-{step}")
            for step, view in step_views.items()
        ],
    ]


urlpatterns = [
    path("complaints/", views.ComplaintListCreateApi.as_view(), name="complaint-list"),
    path("categories/", views.CategoryListApi.as_view(), name="category-list"),
    path("sla-policies/", views.SlaPolicyListApi.as_view(), name="sla-policy-list"),
    path("sla-policies/<int:policy_id>/", views.SlaPolicyDetailApi.as_view(), name="sla-policy-detail"),
]
