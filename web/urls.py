"""The pages' routes: sign-in, my complaints, one complaint's flow, approvals, the inbox; the public ones: the
customer's survey and the store's complaint form."""

from django.urls import path

from web.views import (
    approvals,
    auth,
    board,
    complaints,
    customers,
    dashboard,
    notifications,
    public,
    settings,
    status,
    survey,
)

app_name = "web"

COMPLAINT = "complaints/<uuid:complaint_id>"
APPROVAL = "approvals/<uuid:approval_id>"

urlpatterns = [
    path("", complaints.home, name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("settings/", settings.my_settings, name="settings"),
    path("language/", settings.language_switch, name="language"),
    path("complaints/new/", complaints.complaint_new, name="complaint-new"),
    path("complaints/new/customer/", complaints.customer_history, name="customer-history"),
    path(f"{COMPLAINT}/", complaints.complaint_page, name="complaint"),
    path(f"{COMPLAINT}/watch/", complaints.complaint_watch, name="complaint-watch"),
    path(f"{COMPLAINT}/photos/<int:photo_id>/", complaints.complaint_photo, name="complaint-photo"),
    path(f"{COMPLAINT}/compensation-check/", complaints.compensation_check, name="compensation-check"),
    path(f"{COMPLAINT}/apologize/", complaints.complaint_step, {"step": "apologize"}, name="complaint-apologize"),
    path(f"{COMPLAINT}/respond/", complaints.complaint_step, {"step": "respond"}, name="complaint-respond"),
    path(
        f"{COMPLAINT}/compensation/", complaints.complaint_step, {"step": "compensation"}, name="complaint-compensation"
    ),
    path(f"{COMPLAINT}/follow-up/", complaints.complaint_step, {"step": "follow-up"}, name="complaint-follow-up"),
    path(f"{COMPLAINT}/survey/", complaints.complaint_step, {"step": "survey"}, name="complaint-survey"),
    path(f"{COMPLAINT}/close/", complaints.complaint_step, {"step": "close"}, name="complaint-close"),
    path(f"{COMPLAINT}/reopen/", complaints.complaint_step, {"step": "reopen"}, name="complaint-reopen"),
    path(f"{COMPLAINT}/hold/", complaints.complaint_step, {"step": "hold"}, name="complaint-hold"),
    path(f"{COMPLAINT}/resume/", complaints.complaint_step, {"step": "resume"}, name="complaint-resume"),
    path(
        f"{COMPLAINT}/approve-in-person/",
        approvals.approval_decide_in_person,
        {"decision": "approve"},
        name="complaint-approve-in-person",
    ),
    path(
        f"{COMPLAINT}/reject-in-person/",
        approvals.approval_decide_in_person,
        {"decision": "reject"},
        name="complaint-reject-in-person",
    ),
    path(f"{COMPLAINT}/assign/", board.complaint_assign, name="complaint-assign"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    path("customers/<int:customer_id>/tier/", customers.customer_tier, name="customer-tier"),
    path("board/", board.board, name="board"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("approvals/", approvals.approval_queue, name="approvals"),
    path(
        "approvals/<uuid:approval_id>/approve/",
        approvals.approval_decide,
        {"decision": "approve"},
        name="approval-approve",
    ),
    path(
        "approvals/<uuid:approval_id>/reject/",
        approvals.approval_decide,
        {"decision": "reject"},
        name="approval-reject",
    ),
    # The customer's follow-up survey: public, reached by a signed link.
    path("survey/<str:token>/", survey.survey_page, name="survey"),
    path("inbox/", notifications.inbox, name="inbox"),
    path("inbox/read-all/", notifications.inbox_read_all, name="inbox-read-all"),
    # The public complaint form of the store whose random token this is (its QR code's link).
    path("f/<str:token>/", public.public_form, name="public-form"),
    path("f/<str:token>/thanks/<str:receipt>/", public.public_thanks, name="public-thanks"),
    # The customer's status page: where their complaint stands, reached by its random key (the SMS at logging).
    path("s/<str:token>/", status.status_page, name="status"),
]
