from django.urls import path

from staff.api import views

urlpatterns = [
    path("auth/token/", views.TokenApi.as_view(), name="auth-token"),
    path("me/", views.MeApi.as_view(), name="me"),
]
