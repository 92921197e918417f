"""Complaint endpoints: the list, logging, one complaint, and one small view per step of the flow.

Every view answers with the complaint as ``serializers.ComplaintDetailSerializer`` describes it (built by
``serializers.complaint_detail_data``): the record and its timeline, its compensation and any pending approval.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.complaints import serializers as io
from complaints import selectors
from complaints.filters import ComplaintFilter
from complaints.services import intake, sla_policies, steps
from core.rest.errors import ERROR_RESPONSES, ErrorSerializer, InvalidTransitionErrorSerializer
from core.rest.fields import validated
from core.rest.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.rest.pagination import Pagination
from recovery.compensation import grants
from recovery.surveys import invitations
from staff.permissions import IsAdminRole


def complaint_detail(request: Request, complaint_id) -> dict:
    """The complaint as the caller now sees it, in full."""
    return io.complaint_detail_data(
        selectors.complaint_get(user=request.user, complaint_id=complaint_id), user=request.user
    )


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
        complaint, created = intake.complaint_log(actor=request.user, **data)
        if created:  # as written, in full: nothing to read back
            return Response(io.complaint_detail_data(complaint, user=request.user), status=status.HTTP_201_CREATED)
        return Response(complaint_detail(request, complaint.pk))


class ComplaintDetailApi(APIView):
    @extend_schema(operation_id="complaints_retrieve", responses={200: io.ComplaintDetailSerializer, **ERROR_RESPONSES})
    def get(self, request: Request, complaint_id: str) -> Response:
        return Response(complaint_detail(request, complaint_id))


# --- The steps: POST /complaints/{id}/<step>/ ---------------------------------------------------------


def step_schema(summary: str, input_serializer: type[serializers.Serializer]):
    """The OpenAPI description of one step: its input, the complaint back, and the step errors."""
    return extend_schema(
        summary=summary,
        request=input_serializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: io.ComplaintDetailSerializer,
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


class ComplaintStepApi(APIView):
    """One step: validate ``input_serializer``, call ``service`` as the caller, answer with the complaint."""

    input_serializer: type[serializers.Serializer]

    @staticmethod
    def service(**kwargs) -> object:
        raise NotImplementedError

    @idempotent
    def post(self, request: Request, complaint_id: str) -> Response:
        complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id, with_events=False)
        data = validated(self.input_serializer, request.data)
        self.service(complaint=complaint, actor=request.user, **data)
        return Response(complaint_detail(request, complaint_id))


@step_schema("Apologize to the customer", io.ApologizeInputSerializer)
class ComplaintApologizeApi(ComplaintStepApi):
    input_serializer = io.ApologizeInputSerializer
    service = staticmethod(steps.complaint_apologize)


@step_schema("Respond with a resolution and any compensation", io.RespondInputSerializer)
class ComplaintRespondApi(ComplaintStepApi):
    input_serializer = io.RespondInputSerializer
    service = staticmethod(grants.complaint_respond_with_compensation)


@step_schema("Grant more compensation after responding", io.CompensateInputSerializer)
class ComplaintCompensateApi(ComplaintStepApi):
    input_serializer = io.CompensateInputSerializer
    service = staticmethod(grants.complaint_compensate)


@step_schema("Record the follow-up with the customer", io.FollowUpInputSerializer)
class ComplaintFollowUpApi(ComplaintStepApi):
    input_serializer = io.FollowUpInputSerializer
    service = staticmethod(steps.complaint_follow_up)


@step_schema(
    "Send the customer the follow-up survey: emailed when they gave an email, and `survey.url` to show as a QR "
    "code (409 `no_contact_consent` when they did not agree to be contacted at a phone or email they gave)",
    io.SurveySendInputSerializer,
)
class ComplaintSurveySendApi(ComplaintStepApi):
    input_serializer = io.SurveySendInputSerializer
    service = staticmethod(invitations.survey_send)


@step_schema("Close, with a closure code and the root cause", io.CloseInputSerializer)
class ComplaintCloseApi(ComplaintStepApi):
    input_serializer = io.CloseInputSerializer
    service = staticmethod(steps.complaint_close)


@step_schema("Reopen a closed complaint, or one the follow-up found not put right", io.ReopenInputSerializer)
class ComplaintReopenApi(ComplaintStepApi):
    input_serializer = io.ReopenInputSerializer
    service = staticmethod(steps.complaint_reopen)


@step_schema("Assign to someone (supervisor and above)", io.AssignInputSerializer)
class ComplaintAssignApi(ComplaintStepApi):
    input_serializer = io.AssignInputSerializer
    service = staticmethod(steps.complaint_assign)


@step_schema("Put on hold while waiting on the customer (due times stand still)", io.HoldInputSerializer)
class ComplaintHoldApi(ComplaintStepApi):
    input_serializer = io.HoldInputSerializer
    service = staticmethod(steps.complaint_hold)


@step_schema("Resume a complaint on hold", io.ResumeInputSerializer)
class ComplaintResumeApi(ComplaintStepApi):
    input_serializer = io.ResumeInputSerializer
    service = staticmethod(steps.complaint_resume)


@step_schema("Change the severity (due times follow the new SLA policy)", io.SeverityInputSerializer)
class ComplaintSeverityApi(ComplaintStepApi):
    input_serializer = io.SeverityInputSerializer
    service = staticmethod(steps.complaint_change_severity)


# --- Reference data ------------------------------------------------------------------------------------


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
        policy = sla_policies.sla_policy_update(policy=policy, actor=request.user, **serializer.validated_data)
        return Response(io.SlaPolicySerializer(policy).data)
