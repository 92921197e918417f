"""Recovery's routes, and the per-complaint routes served with recovery's richer complaint.

The complaint's own steps answer with the complaint plus its compensation and pending approval;
``respond`` takes compensation; ``compensation`` adds more after the response.
"""

from django.urls import path

from complaints.api.urls import complaint_urlpatterns
from complaints.api.views import step_views
from recovery.api import views

complaint_steps = step_views(views.DETAIL) | {
    "respond": views.ComplaintRespondApi,
    "compensation": views.ComplaintCompensateApi,
}

urlpatterns = [
    *complaint_urlpatterns(detail_view=views.ComplaintRecoveryDetailApi, step_views=complaint_steps),
    path("approvals/", views.ApprovalListApi.as_view(), name="approval-list"),
    path("approvals/<anyuuid:approval_id>/", views.ApprovalDetailApi.as_view(), name="approval-detail"),
    path("approvals/<anyuuid:approval_id>/approve/", views.ApprovalApproveApi.as_view(), name="approval-approve"),
    path("approvals/<anyuuid:approval_id>/reject/", views.ApprovalRejectApi.as_view(), name="approval-reject"),
    path("me/limits/", views.MyLimitsApi.as_view(), name="me-limits"),
    path("me/approval-pin/", views.MyApprovalPinApi.as_view(), name="me-approval-pin"),
    path("notifications/", views.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", views.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<int:notification_id>/read/", views.NotificationReadApi.as_view(), name="notification-read"),
]
