"""Recovery metrics for admins, managers (their region) and supervisors (their store)."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.metrics import serializers as io
from core.rest.errors import ERROR_RESPONSES
from recovery import metrics
from staff.permissions import IsSupervisorOrAbove
from staff.selectors import stores_visible_to


class RecoveryMetricsApi(APIView):
    permission_classes = [IsSupervisorOrAbove]

    @extend_schema(
        operation_id="metrics_recovery",
        summary="Recovery metrics: totals, the period before, and groups",
        parameters=[io.MetricsQuerySerializer],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "`period`, `totals` and `previous` (the same figures for the period just before), and with "
                    "`group_by` the `groups`. Times are seconds on each step's clock (open hours for remote "
                    "channels): median and p90. Rates are shares from 0 to 1; null where nothing was counted."
                ),
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request: Request) -> Response:
        filters, group_by = metrics_query(request)
        return Response(metrics.recovery_metrics(user=request.user, filters=filters, group_by=group_by))


def metrics_query(request: Request) -> tuple[metrics.MetricsFilter, str]:
    """The filters and the grouping the request asks for, in the reader's scope (a 400 or a 404 if not)."""
    zone = metrics.metrics_zone(request.user)
    query = io.MetricsQuerySerializer(data=request.query_params, context={"zone": zone})
    query.is_valid(raise_exception=True)
    data = query.validated_data
    _check_in_scope(request, data)
    filters = metrics.MetricsFilter(
        date_from=data["date_from"],
        date_to=data["date_to"],
        zone=zone,
        stores=data.get("store", ()),
        region=data.get("region", ""),
        category=data.get("category", ""),
        channel=data.get("channel", ""),
        severity=data.get("severity", ""),
    )
    return filters, data.get("group_by", "")


def _check_in_scope(request: Request, data: dict) -> None:
    """A store or region outside the reader's scope is not found, as if it did not exist."""
    visible = stores_visible_to(request.user)
    codes = set(data.get("store", ()))
    if codes and visible.filter(code__in=codes).count() != len(codes):
        raise Http404
    if data.get("region") and not visible.filter(region__code=data["region"]).exists():
        raise Http404
