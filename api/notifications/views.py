"""The caller's inbox: reminders, escalations and approvals, newest first; marking them read."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.notifications import serializers as io
from core.rest.errors import ERROR_RESPONSES, ErrorSerializer
from core.rest.pagination import Pagination
from recovery.filters import NotificationFilter
from recovery.models import Notification
from recovery.notices import notifications, reading
from recovery.notices import selectors as notice_selectors


class NotificationListApi(GenericAPIView):
    filterset_class = NotificationFilter
    pagination_class = Pagination
    serializer_class = io.NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return notice_selectors.notifications_of(self.request.user).select_related(*reading.NOTICE_JOINS)

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first (reminders, escalations, approvals)",
        responses={200: io.NotificationSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(io.notifications_data(list(page)))


class NotificationReadApi(APIView):
    @extend_schema(
        operation_id="notifications_read", request=None, responses={200: io.NotificationSerializer, **ERROR_RESPONSES}
    )
    def post(self, request: Request, notification_id: int) -> Response:
        mine = notice_selectors.notifications_of(request.user).select_related(*reading.NOTICE_JOINS)
        notification = get_object_or_404(mine, pk=notification_id)
        notifications.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(io.notifications_data([notification])[0])


class NotificationReadAllApi(APIView):
    @extend_schema(
        operation_id="notifications_read_all",
        request=None,
        responses={
            200: inline_serializer("MarkedRead", {"marked_read": serializers.IntegerField()}),
            401: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        return Response({"marked_read": notifications.notifications_mark_read(user=request.user)})
