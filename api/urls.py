"""The API's routes under /api/v1/: its root, the resources, its schema and interactive docs."""

from django.conf import settings
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.approvals import views as approvals
from api.complaints import views as complaints
from api.complaints.export import ComplaintExportApi
from api.customers import views as customers
from api.me import views as me
from api.metrics import views as metrics
from api.metrics.export import RecoveryMetricsExportApi
from api.notifications import views as notifications
from api.root import ApiRootApi
from api.sms import views as sms
from api.stores import views as stores

# Swagger UI's script is served apart from its page (the split view), so scripts stay this site's files only; the page
# keeps one small inline style of drf-spectacular's template, and Swagger UI draws its icons as data: images, both
# allowed on this page alone.
API_DOCS = csp_override(
    {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE], "img-src": [CSP.SELF, "data:"]}
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

COMPLAINT = "complaints/<anyuuid:complaint_id>"
APPROVAL = "approvals/<anyuuid:approval_id>"

urlpatterns = [
    path("", ApiRootApi.as_view(), name="api-root"),
    # The SMS providers' callbacks: customers' replies (an opt-out word)
    path("sms/replies/aliyun/", sms.AliyunSmsReplyApi.as_view(), name="sms-reply-aliyun"),
    path("sms/replies/tencent/", sms.TencentSmsReplyApi.as_view(), name="sms-reply-tencent"),
    # The caller
    path("auth/token/", me.TokenApi.as_view(), name="auth-token"),
    path("me/", me.MeApi.as_view(), name="me"),
    path("me/limits/", me.MyLimitsApi.as_view(), name="me-limits"),
    path("me/approval-pin/", me.MyApprovalPinApi.as_view(), name="me-approval-pin"),
    # Complaints and the steps of the flow
    path("complaints/", complaints.ComplaintListCreateApi.as_view(), name="complaint-list"),
    # Before the complaint routes; "export.csv" is no UUID anyway.
    path("complaints/export.csv", ComplaintExportApi.as_view(), name="complaint-export"),
    path(f"{COMPLAINT}/", complaints.ComplaintDetailApi.as_view(), name="complaint-detail"),
    path(f"{COMPLAINT}/apologize/", complaints.ComplaintApologizeApi.as_view(), name="complaint-apologize"),
    path(f"{COMPLAINT}/respond/", complaints.ComplaintRespondApi.as_view(), name="complaint-respond"),
    path(f"{COMPLAINT}/compensation/", complaints.ComplaintCompensateApi.as_view(), name="complaint-compensation"),
    path(f"{COMPLAINT}/follow-up/", complaints.ComplaintFollowUpApi.as_view(), name="complaint-follow-up"),
    path(f"{COMPLAINT}/survey/", complaints.ComplaintSurveySendApi.as_view(), name="complaint-survey"),
    path(f"{COMPLAINT}/close/", complaints.ComplaintCloseApi.as_view(), name="complaint-close"),
    path(f"{COMPLAINT}/reopen/", complaints.ComplaintReopenApi.as_view(), name="complaint-reopen"),
    path(f"{COMPLAINT}/assign/", complaints.ComplaintAssignApi.as_view(), name="complaint-assign"),
    path(f"{COMPLAINT}/hold/", complaints.ComplaintHoldApi.as_view(), name="complaint-hold"),
    path(f"{COMPLAINT}/resume/", complaints.ComplaintResumeApi.as_view(), name="complaint-resume"),
    path(f"{COMPLAINT}/severity/", complaints.ComplaintSeverityApi.as_view(), name="complaint-severity"),
    path("categories/", complaints.CategoryListApi.as_view(), name="category-list"),
    path("sla-policies/", complaints.SlaPolicyListApi.as_view(), name="sla-policy-list"),
    path("sla-policies/<int:policy_id>/", complaints.SlaPolicyDetailApi.as_view(), name="sla-policy-detail"),
    # Customers
    path("customers/<int:customer_id>/", customers.CustomerDetailApi.as_view(), name="customer-detail"),
    path("customers/<int:customer_id>/tier/", customers.CustomerTierApi.as_view(), name="customer-tier"),
    # Approvals
    path("approvals/", approvals.ApprovalListApi.as_view(), name="approval-list"),
    path(f"{APPROVAL}/", approvals.ApprovalDetailApi.as_view(), name="approval-detail"),
    path(f"{APPROVAL}/approve/", approvals.ApprovalApproveApi.as_view(), name="approval-approve"),
    path(f"{APPROVAL}/reject/", approvals.ApprovalRejectApi.as_view(), name="approval-reject"),
    # Metrics, and the stores' customer counts they divide by
    path("metrics/recovery/", metrics.RecoveryMetricsApi.as_view(), name="metrics-recovery"),
    path("metrics/recovery/export.csv", RecoveryMetricsExportApi.as_view(), name="metrics-recovery-export"),
    path(
        "stores/<str:store_code>/customer-counts/<isodate:day>/",
        stores.StoreCustomerCountApi.as_view(),
        name="store-customer-count",
    ),
    # The inbox
    path("notifications/", notifications.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", notifications.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.NotificationReadApi.as_view(),
        name="notification-read",
    ),
    # Sign-in for the browsable API; the schema and its interactive docs
    path("auth/", include("rest_framework.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", API_DOCS, name="docs"),
]
