"""A customer's page in the API: their history and flags (staff of their stores), and setting their tier."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.customers import serializers as io
from complaints import selectors as complaint_selectors
from complaints.services import customers
from core.rest.errors import ERROR_RESPONSES
from core.rest.fields import validated
from core.rest.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from recovery.customers import selectors as customer_selectors


def customer_body(request: Request, customer_id) -> dict:
    return io.CustomerPageSerializer(
        customer_selectors.customer_history(user=request.user, customer_id=customer_id)
    ).data


class CustomerDetailApi(APIView):
    @extend_schema(
        operation_id="customers_retrieve",
        summary="A customer: their complaints in your stores, compensation, satisfaction, flags and tier history",
        description="404 unless one of their complaints is in your stores: staff of other stores do not see them.",
        responses={200: io.CustomerPageSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, customer_id: int) -> Response:
        return Response(customer_body(request, customer_id))


class CustomerTierApi(APIView):
    @extend_schema(
        operation_id="customers_tier_set",
        summary="Set a customer's tier (supervisors and above), with a reason; their open complaints' due times move",
        request=io.TierInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: OpenApiResponse(io.CustomerPageSerializer), **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request: Request, customer_id: int) -> Response:
        customer = complaint_selectors.customer_get(user=request.user, customer_id=customer_id)
        data = validated(io.TierInputSerializer, request.data)
        customers.customer_tier_set(customer=customer, actor=request.user, **data)
        return Response(customer_body(request, customer_id))
