"""Complaint endpoints: one small view per operation, calling services and selectors."""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors, services
from complaints.api import serializers as io
from complaints.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from complaints.filters import ComplaintFilter
from config.api import ERROR_RESPONSES, ErrorSerializer, InvalidTransitionErrorSerializer, Pagination


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ComplaintListCreateApi(GenericAPIView):
    filterset_class = ComplaintFilter
    pagination_class = Pagination
    serializer_class = io.ComplaintSerializer

    def get_queryset(self):
        return selectors.complaints_visible_to(self.request.user)

    @extend_schema(
        operation_id="complaints_list", responses={200: io.ComplaintSerializer(many=True), **ERROR_RESPONSES}
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(io.ComplaintSerializer(page, many=True).data)

    @extend_schema(
        operation_id="complaints_create",
        summary="Log a complaint (listen and record)",
        request=io.ComplaintCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: OpenApiResponse(io.ComplaintDetailSerializer, description="Logged."),
            200: OpenApiResponse(
                io.ComplaintDetailSerializer, description="Already logged under this id: nothing new was created."
            ),
            409: OpenApiResponse(ErrorSerializer, description="`id_conflict`: another complaint has this id."),
            422: OpenApiResponse(ErrorSerializer, description="`idempotency_key_reused`"),
            **ERROR_RESPONSES,
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = validated(io.ComplaintCreateInputSerializer, request.data)
        complaint, created = services.complaint_log(actor=request.user, **data)
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint.pk)
        return Response(
            io.ComplaintDetailSerializer(complaint).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ComplaintDetailApi(APIView):
    @extend_schema(operation_id="complaints_retrieve", responses={200: io.ComplaintDetailSerializer, **ERROR_RESPONSES})
    def get(self, request: Request, complaint_id: str) -> Response:
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
        return Response(io.ComplaintDetailSerializer(complaint).data)


class _ComplaintStepApi(APIView):
    """POST /complaints/{id}/<step>/: validate the input, call the step's service, return the complaint."""

    input_serializer: type[serializers.Serializer]
    service: Callable

    def take_step(self, request: Request, complaint_id: str) -> Response:
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
        data = validated(self.input_serializer, request.data)
        type(self).service(complaint=complaint, actor=request.user, **data)
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
        return Response(io.ComplaintDetailSerializer(complaint).data)


def _step_schema(summary: str, input_serializer: type[serializers.Serializer]) -> Callable:
    return extend_schema(
        summary=summary,
        request=input_serializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: io.ComplaintDetailSerializer,
            409: OpenApiResponse(
                InvalidTransitionErrorSerializer,
                description="`invalid_transition`: not allowed from the current status (nothing changed); "
                "`request_in_progress`: the same Idempotency-Key is still being processed.",
            ),
            422: OpenApiResponse(ErrorSerializer, description="`idempotency_key_reused`"),
            **ERROR_RESPONSES,
        },
    )


def _step_view(name: str, summary: str, input_serializer: type[serializers.Serializer], service: Callable) -> type:
    # Each view gets its own ``post`` function: the schema decorator annotates the function object.
    @_step_schema(summary, input_serializer)
    @idempotent
    def post(self, request: Request, complaint_id: str) -> Response:
        return self.take_step(request, complaint_id)

    attributes = {"input_serializer": input_serializer, "service": staticmethod(service), "post": post}
    return type(name, (_ComplaintStepApi,), attributes)


ComplaintApologizeApi = _step_view(
    "ComplaintApologizeApi", "Apologize to the customer", io.ApologizeInputSerializer, services.complaint_apologize
)
ComplaintRespondApi = _step_view(
    "ComplaintRespondApi", "Respond with a resolution", io.RespondInputSerializer, services.complaint_respond
)
ComplaintFollowUpApi = _step_view(
    "ComplaintFollowUpApi",
    "Record the follow-up with the customer",
    io.FollowUpInputSerializer,
    services.complaint_follow_up,
)
ComplaintCloseApi = _step_view(
    "ComplaintCloseApi",
    "Close, with a closure code and the root cause",
    io.CloseInputSerializer,
    services.complaint_close,
)
ComplaintReopenApi = _step_view(
    "ComplaintReopenApi", "Reopen a closed complaint", io.ReopenInputSerializer, services.complaint_reopen
)
ComplaintAssignApi = _step_view(
    "ComplaintAssignApi",
    "Assign to someone (supervisor and above)",
    io.AssignInputSerializer,
    services.complaint_assign,
)


class CategoryListApi(APIView):
    pagination_class = None

    @extend_schema(
        operation_id="categories_list", responses={200: io.CategorySerializer(many=True), 401: ErrorSerializer}
    )
    def get(self, request: Request) -> Response:
        return Response(io.CategorySerializer(selectors.categories_active(), many=True).data)
