"""Complaint endpoints: one small view per operation, calling services and selectors."""

from collections.abc import Callable

from django.shortcuts import get_object_or_404
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
from staff.permissions import IsAdminRole


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
    # The complaint's shape in responses; the recovery app serves a richer one (with compensation).
    output_serializer_class: type[serializers.Serializer] = io.ComplaintDetailSerializer

    @extend_schema(operation_id="complaints_retrieve", responses={200: io.ComplaintDetailSerializer, **ERROR_RESPONSES})
    def get(self, request: Request, complaint_id: str) -> Response:
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
        return Response(self.output_serializer_class(complaint).data)


class ComplaintStepApi(APIView):
    """POST /complaints/{id}/<step>/: validate the input, call the step's service, return the complaint."""

    input_serializer: type[serializers.Serializer]
    output_serializer_class: type[serializers.Serializer] = io.ComplaintDetailSerializer
    service: Callable

    def take_step(self, request: Request, complaint_id: str) -> Response:
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
        data = validated(self.input_serializer, request.data)
        type(self).service(complaint=complaint, actor=request.user, **data)
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
        return Response(self.output_serializer_class(complaint).data)


def step_schema(
    summary: str, input_serializer: type[serializers.Serializer], output_serializer: type[serializers.Serializer]
) -> Callable:
    return extend_schema(
        summary=summary,
        request=input_serializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: output_serializer,
            409: OpenApiResponse(
                InvalidTransitionErrorSerializer,
                description="`invalid_transition`: not allowed from the current status (nothing changed); "
                "`request_in_progress`: the same Idempotency-Key is still being processed; `on_hold` / "
                "`not_on_hold` for hold and resume.",
            ),
            422: OpenApiResponse(ErrorSerializer, description="`idempotency_key_reused`"),
            **ERROR_RESPONSES,
        },
    )


def step_view(
    name: str,
    summary: str,
    input_serializer: type[serializers.Serializer],
    service: Callable,
    output_serializer: type[serializers.Serializer] = io.ComplaintDetailSerializer,
) -> type[ComplaintStepApi]:
    # Each view gets its own ``post`` function: the schema decorator annotates the function object.
    @step_schema(summary, input_serializer, output_serializer)
    @idempotent
    def post(self, request: Request, complaint_id: str) -> Response:
        return self.take_step(request, complaint_id)

    attributes = {
        "input_serializer": input_serializer,
        "output_serializer_class": output_serializer,
        "service": staticmethod(service),
        "post": post,
    }
    return type(name, (ComplaintStepApi,), attributes)


# The steps, by the last part of their URL: (summary, input, service).
STEPS = {
    "apologize": ("Apologize to the customer", io.ApologizeInputSerializer, services.complaint_apologize),
    "respond": ("Respond with a resolution", io.RespondInputSerializer, services.complaint_respond),
    "follow-up": ("Record the follow-up with the customer", io.FollowUpInputSerializer, services.complaint_follow_up),
    "close": ("Close, with a closure code and the root cause", io.CloseInputSerializer, services.complaint_close),
    "reopen": ("Reopen a closed complaint", io.ReopenInputSerializer, services.complaint_reopen),
    "assign": ("Assign to someone (supervisor and above)", io.AssignInputSerializer, services.complaint_assign),
    "hold": (
        "Put on hold while waiting on the customer (due times stand still)",
        io.HoldInputSerializer,
        services.complaint_hold,
    ),
    "resume": ("Resume a complaint on hold", io.ResumeInputSerializer, services.complaint_resume),
    "severity": (
        "Change the severity (due times follow the new SLA policy)",
        io.SeverityInputSerializer,
        services.complaint_change_severity,
    ),
}


def step_views(output_serializer: type[serializers.Serializer]) -> dict[str, type[ComplaintStepApi]]:
    """One view per step, answering with ``output_serializer``'s shape of the complaint."""
    prefix = output_serializer.__name__.removesuffix("Serializer")
    return {
        step: step_view(
            f"{prefix}{step.title().replace('-', '')}Api", summary, input_serializer, service, output_serializer
        )
        for step, (summary, input_serializer, service) in STEPS.items()
    }


class CategoryListApi(APIView):
    pagination_class = None

    @extend_schema(
        operation_id="categories_list", responses={200: io.CategorySerializer(many=True), 401: ErrorSerializer}
    )
    def get(self, request: Request) -> Response:
        return Response(io.CategorySerializer(selectors.categories_active(), many=True).data)


class SlaPolicyListApi(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        operation_id="sla_policies_list", responses={200: io.SlaPolicySerializer(many=True), **ERROR_RESPONSES}
    )
    def get(self, request: Request) -> Response:
        return Response(io.SlaPolicySerializer(selectors.sla_policies(), many=True).data)


class SlaPolicyDetailApi(APIView):
    """Admins read and change SLA windows; new due times follow at once (open ones keep theirs)."""

    permission_classes = [IsAdminRole]

    @extend_schema(operation_id="sla_policies_retrieve", responses={200: io.SlaPolicySerializer, **ERROR_RESPONSES})
    def get(self, request: Request, policy_id: int) -> Response:
        return Response(io.SlaPolicySerializer(get_object_or_404(selectors.sla_policies(), pk=policy_id)).data)

    @extend_schema(
        operation_id="sla_policies_update",
        request=io.SlaPolicySerializer,
        responses={200: io.SlaPolicySerializer, **ERROR_RESPONSES},
    )
    def put(self, request: Request, policy_id: int) -> Response:
        return self._update(request, policy_id, partial=False)

    @extend_schema(
        operation_id="sla_policies_partial_update",
        request=io.SlaPolicySerializer,
        responses={200: io.SlaPolicySerializer, **ERROR_RESPONSES},
    )
    def patch(self, request: Request, policy_id: int) -> Response:
        return self._update(request, policy_id, partial=True)

    def _update(self, request: Request, policy_id: int, *, partial: bool) -> Response:
        policy = get_object_or_404(selectors.sla_policies(), pk=policy_id)
        serializer = io.SlaPolicySerializer(policy, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        policy = services.sla_policy_update(policy=policy, actor=request.user, **serializer.validated_data)
        return Response(io.SlaPolicySerializer(policy).data)
