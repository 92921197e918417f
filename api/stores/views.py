"""A store's daily customer count, posted by a point-of-sale system or a supervisor: the complaint rate's base."""

from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.rest.errors import ERROR_RESPONSES
from core.rest.fields import validated
from staff import services
from staff.permissions import IsSupervisorOrAbove
from staff.selectors import stores_visible_to

CustomerCountSerializer = inline_serializer(
    "StoreCustomerCount",
    {
        "store": serializers.CharField(read_only=True),
        "day": serializers.DateField(read_only=True),
        "customers": serializers.IntegerField(min_value=0, max_value=10_000_000),
    },
)


class CustomerCountInputSerializer(serializers.Serializer):
    customers = serializers.IntegerField(min_value=0, max_value=10_000_000)


class StoreCustomerCountApi(APIView):
    permission_classes = [IsSupervisorOrAbove]  # refused before the body is read

    @extend_schema(
        operation_id="stores_customer_count_set",
        summary="Record how many customers a store served on one of its days (a repeat corrects it)",
        request=CustomerCountInputSerializer,
        responses={200: CustomerCountSerializer, **ERROR_RESPONSES},
    )
    def put(self, request: Request, store_code: str, day: date) -> Response:
        store = get_object_or_404(stores_visible_to(request.user), code=store_code)
        data = validated(CustomerCountInputSerializer, request.data)
        count = services.store_customer_count_set(actor=request.user, store=store, day=day, customers=data["customers"])
        return Response({"store": store.code, "day": count.day, "customers": count.customers})
