"""Compensation, approval and limits endpoints: one small view per operation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors as complaint_selectors
from complaints.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from complaints.api.views import ComplaintDetailApi, step_view, validated
from config.api import ERROR_RESPONSES, ErrorSerializer, Pagination
from config.errors import NotPermitted
from recovery import selectors, services
from recovery.api import serializers as io
from recovery.filters import ApprovalFilter, NotificationFilter
from recovery.models import ApprovalRequest, Notification
from staff.models import Role, User

DETAIL = io.ComplaintRecoveryDetailSerializer


class ComplaintRecoveryDetailApi(ComplaintDetailApi):
    output_serializer_class = DETAIL

    @extend_schema(operation_id="complaints_retrieve", responses={200: DETAIL, **ERROR_RESPONSES})
    def get(self, request: Request, complaint_id: str) -> Response:
        return super().get(request, complaint_id)


ComplaintRespondApi = step_view(
    "ComplaintRespondWithCompensationApi",
    "Respond with a resolution and any compensation",
    io.RespondWithCompensationInputSerializer,
    services.complaint_respond_with_compensation,
    DETAIL,
)
ComplaintCompensateApi = step_view(
    "ComplaintCompensateApi",
    "Grant more compensation after responding",
    io.CompensateInputSerializer,
    services.complaint_compensate,
    DETAIL,
)


# --- Approvals ----------------------------------------------------------------------------------


def _approval_body(request: Request, approval_id) -> dict:
    approval = selectors.approval_get_detailed(user=request.user, approval_id=approval_id)
    return io.ApprovalSerializer(approval, context=_approval_context(request)).data


def _approval_context(request: Request) -> dict:
    return {"user": request.user, "policies": selectors.PolicyBook()}


class ApprovalListApi(GenericAPIView):
    filterset_class = ApprovalFilter
    pagination_class = Pagination
    serializer_class = io.ApprovalSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ApprovalRequest.objects.none()
        return selectors.approval_queue(self.request.user)

    @extend_schema(
        operation_id="approvals_list",
        summary="The approval queue: your stores' requests, oldest first",
        description="Frontline staff see their own requests; approvers their stores' (managers: region's).",
        responses={200: io.ApprovalSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            io.ApprovalSerializer(page, many=True, context=_approval_context(request)).data
        )


class ApprovalDetailApi(APIView):
    @extend_schema(operation_id="approvals_retrieve", responses={200: io.ApprovalSerializer, **ERROR_RESPONSES})
    def get(self, request: Request, approval_id: str) -> Response:
        return Response(_approval_body(request, approval_id))


def _decider(request: Request, data: dict) -> tuple[User, User | None]:
    """Who decides: the caller, or an approver standing by who types their PIN on the caller's tablet."""
    approver = data.pop("approver", None)
    pin = data.pop("pin", None)
    if approver is None:
        return request.user, None
    services.approval_pin_verify(approver=approver, pin=pin)
    return approver, request.user


DECISION_ERRORS = {
    409: OpenApiResponse(
        ErrorSerializer, description="`approval_already_decided`: a decision cannot be changed (nothing changed)."
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="`permission_denied` (your own request, or above your role), `wrong_pin`, `pin_locked`, "
        "`pin_not_set`.",
    ),
    422: OpenApiResponse(ErrorSerializer, description="`idempotency_key_reused`"),
}


class ApprovalApproveApi(APIView):
    @extend_schema(
        operation_id="approvals_approve",
        summary="Approve: the compensation is granted and the complaint is responded",
        description=(
            "Decide as yourself, or in person on the requester's tablet with `approver` and `pin`. "
            "Above your own limits it is not approved but sent up to the next role (202)."
        ),
        request=io.ApproveInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: io.ApprovalSerializer,
            202: OpenApiResponse(io.ApprovalEscalatedSerializer, description="Over your limits: sent up a level."),
            **ERROR_RESPONSES,
            **DECISION_ERRORS,
        },
    )
    @idempotent
    def post(self, request: Request, approval_id: str) -> Response:
        approval = selectors.approval_get(user=request.user, approval_id=approval_id)
        data = dict(validated(io.ApproveInputSerializer, request.data))
        actor, tablet_of = _decider(request, data)
        outcome = services.approval_approve(
            approval=approval, actor=actor, note=data["note"], in_person_on_tablet_of=tablet_of
        )
        if outcome.escalated_to is None:
            return Response(_approval_body(request, approval_id))
        body = {
            "code": "approval_escalated",
            "detail": f"This is over your own limits, so it was sent up to a {outcome.escalated_to} to decide.",
            "escalated_to": outcome.escalated_to,
            "exceeded": outcome.exceeded,
            "approval": _approval_body(request, approval_id),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ApprovalRejectApi(APIView):
    @extend_schema(
        operation_id="approvals_reject",
        summary="Reject: nothing is granted; the complaint returns to the requester to respond otherwise",
        request=io.RejectInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: io.ApprovalSerializer, **ERROR_RESPONSES, **DECISION_ERRORS},
    )
    @idempotent
    def post(self, request: Request, approval_id: str) -> Response:
        approval = selectors.approval_get(user=request.user, approval_id=approval_id)
        data = dict(validated(io.RejectInputSerializer, request.data))
        actor, tablet_of = _decider(request, data)
        services.approval_reject(
            approval=approval, actor=actor, reason=data["reason"], in_person_on_tablet_of=tablet_of
        )
        return Response(_approval_body(request, approval_id))


# --- The caller's limits and PIN ------------------------------------------------------------------


class MyLimitsApi(APIView):
    @extend_schema(
        operation_id="me_limits",
        summary="Your compensation limits and what is left of them today",
        parameters=[io.MyLimitsQuerySerializer],
        responses={200: io.MyLimitsSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        user, customer = request.user, None
        query = io.MyLimitsQuerySerializer(data=request.query_params, context={"user": user})
        query.is_valid(raise_exception=True)
        if complaint_id := query.validated_data.get("complaint"):
            complaint = complaint_selectors.complaint_get(user=user, complaint_id=complaint_id, with_events=False)
            store, customer = complaint.store, complaint.customer
        else:
            store = query.validated_data.get("store") or user.store
        if store is None:
            raise ValidationError({"store": "Say which store: your limits may differ by store."})
        report = selectors.limits_report(user=user, store=store, customer=customer)
        return Response(io.MyLimitsSerializer(io.MyLimitsSerializer.from_report(report)).data)


class MyApprovalPinApi(APIView):
    @extend_schema(
        operation_id="me_approval_pin_set",
        summary="Set your approval PIN (supervisors and above), for approving in person",
        request=io.ApprovalPinInputSerializer,
        responses={204: None, **ERROR_RESPONSES},
    )
    def put(self, request: Request) -> Response:
        if not request.user.has_role_at_least(Role.SUPERVISOR):
            raise NotPermitted("Only supervisors, managers and admins approve, so only they have an approval PIN.")
        data = validated(io.ApprovalPinInputSerializer, request.data)
        services.approval_pin_set(user=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Notifications ------------------------------------------------------------------------------


class NotificationListApi(GenericAPIView):
    filterset_class = NotificationFilter
    pagination_class = Pagination
    serializer_class = io.NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return selectors.notifications_of(self.request.user)

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first (reminders, escalations, approvals)",
        responses={200: io.NotificationSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(io.NotificationSerializer(page, many=True).data)


class NotificationReadApi(APIView):
    @extend_schema(
        operation_id="notifications_read", request=None, responses={200: io.NotificationSerializer, **ERROR_RESPONSES}
    )
    def post(self, request: Request, notification_id: int) -> Response:
        notification = get_object_or_404(selectors.notifications_of(request.user), pk=notification_id)
        services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(io.NotificationSerializer(notification).data)


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
        return Response({"marked_read": services.notifications_mark_read(user=request.user)})
