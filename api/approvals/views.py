"""The approval queue and its decisions: approve or reject, as yourself or in person with a PIN."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.approvals import serializers as io
from core.rest.errors import ERROR_RESPONSES, ErrorSerializer
from core.rest.fields import validated
from core.rest.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.rest.pagination import Pagination
from recovery.approvals import decisions, pins
from recovery.approvals import selectors as approval_selectors
from recovery.compensation import selectors as compensation_selectors
from recovery.filters import ApprovalFilter
from recovery.models import ApprovalRequest
from staff.models import ROLE_AS_PERSON, User


def _approval_body(request: Request, approval_id) -> dict:
    approval = approval_selectors.approval_get_detailed(user=request.user, approval_id=approval_id)
    return io.ApprovalSerializer(approval, context=_approval_context(request)).data


def _approval_context(request: Request) -> dict:
    return {"user": request.user, "policies": compensation_selectors.PolicyBook()}


class ApprovalListApi(GenericAPIView):
    filterset_class = ApprovalFilter
    pagination_class = Pagination
    serializer_class = io.ApprovalSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ApprovalRequest.objects.none()
        return approval_selectors.approval_queue(self.request.user)

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
    pins.approval_pin_verify(approver=approver, pin=pin)
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
        approval = approval_selectors.approval_get(user=request.user, approval_id=approval_id)
        data = dict(validated(io.ApproveInputSerializer, request.data))
        actor, tablet_of = _decider(request, data)
        outcome = decisions.approval_approve(
            approval=approval, actor=actor, note=data["note"], in_person_on_tablet_of=tablet_of
        )
        if outcome.escalated_to is None:
            return Response(_approval_body(request, approval_id))
        body = {
            "code": "approval_escalated",
            "detail": _("This is over your own limits, so it was sent up to %(approver)s to decide.")
            % {"approver": ROLE_AS_PERSON[outcome.escalated_to]},
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
        approval = approval_selectors.approval_get(user=request.user, approval_id=approval_id)
        data = dict(validated(io.RejectInputSerializer, request.data))
        actor, tablet_of = _decider(request, data)
        decisions.approval_reject(
            approval=approval, actor=actor, reason=data["reason"], in_person_on_tablet_of=tablet_of
        )
        return Response(_approval_body(request, approval_id))
