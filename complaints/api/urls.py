from django.urls import path

from complaints.api import views

urlpatterns = [
    path("complaints/", views.ComplaintListCreateApi.as_view(), name="complaint-list"),
    path("complaints/<anyuuid:complaint_id>/", views.ComplaintDetailApi.as_view(), name="complaint-detail"),
    path(
        "complaints/<anyuuid:complaint_id>/apologize/",
        views.ComplaintApologizeApi.as_view(),
        name="complaint-apologize",
    ),
    path("complaints/<anyuuid:complaint_id>/respond/", views.ComplaintRespondApi.as_view(), name="complaint-respond"),
    path(
        "complaints/<anyuuid:complaint_id>/follow-up/", views.ComplaintFollowUpApi.as_view(), name="complaint-follow-up"
    ),
    path("complaints/<anyuuid:complaint_id>/close/", views.ComplaintCloseApi.as_view(), name="complaint-close"),
    path("complaints/<anyuuid:complaint_id>/reopen/", views.ComplaintReopenApi.as_view(), name="complaint-reopen"),
    path("complaints/<anyuuid:complaint_id>/assign/", views.ComplaintAssignApi.as_view(), name="complaint-assign"),
    path("categories/", views.CategoryListApi.as_view(), name="category-list"),
]
