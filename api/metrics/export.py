"""GET /metrics/recovery/export.csv: the metrics' table as a spreadsheet file.

One row per group (by day unless ``group_by`` says otherwise) with the figures the API gives each group,
then the whole period's row and the period before's, for comparison. The same query, scope and
errors as ``/metrics/recovery/``.
"""

from collections.abc import Iterator

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from api.metrics import serializers as io
from api.metrics.views import metrics_query
from core.csv import csv_response
from core.rest.errors import ERROR_RESPONSES
from core.rest.renderers import CSVDownloadMixin
from recovery import metrics
from staff.permissions import IsSupervisorOrAbove

DEFAULT_GROUPING = "day"
TOTAL, PREVIOUS = "total", "previous_period"
# (header, the figure in a group's answer, the same figure in the whole period's): the columns after the key.
COLUMNS = [
    ("volume", lambda g: g["volume"], lambda t: t["volume"]),
    ("closed", lambda g: g["closed"], lambda t: t["closed"]),
    ("escalation_rate", lambda g: g["escalation_rate"], lambda t: t["escalation_rate"]),
    ("satisfaction_mean", lambda g: g["satisfaction_mean"], lambda t: t["satisfaction"]["mean"]),
    ("time_to_respond_median_s", lambda g: g["time_to_respond"]["median"], lambda t: t["time_to_respond"]["median"]),
    ("time_to_respond_p90_s", lambda g: g["time_to_respond"]["p90"], lambda t: t["time_to_respond"]["p90"]),
    ("sla_met_respond", lambda g: g["sla_met_respond"], lambda t: t["sla_met"]["respond"]),
    ("compensation_total", lambda g: g["compensation_total"], lambda t: t["compensation"]["total"]),
]


def metrics_table_rows(answer: dict) -> Iterator[tuple]:
    """The rows of a metrics answer with groups: each group's, then the period's and the period before's."""
    for group in answer["groups"]:
        yield (group["key"], *(in_group(group) for _, in_group, _ in COLUMNS))
    for label, totals in ((TOTAL, answer["totals"]), (PREVIOUS, answer["previous"])):
        yield (label, *(in_totals(totals) for _, _, in_totals in COLUMNS))


class RecoveryMetricsExportApi(CSVDownloadMixin, APIView):
    permission_classes = [IsSupervisorOrAbove]

    @extend_schema(
        operation_id="metrics_recovery_export",
        summary="The metrics' table as a CSV file: a row per group, then the period's and the period before's",
        description=(
            "The query of `/metrics/recovery/`; `group_by` defaults to `day`. UTF-8 with a byte-order mark "
            "and CRLF line ends, for Excel; rates are shares from 0 to 1, times in seconds. Errors are JSON."
        ),
        parameters=[io.MetricsQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    f"A header row (the grouping, then {', '.join(header for header, *_ in COLUMNS)}), a row per "
                    f"group, then `{TOTAL}` and `{PREVIOUS}`."
                ),
            ),
            **{(status, "application/json"): response for status, response in ERROR_RESPONSES.items()},
        },
    )
    def get(self, request: Request):
        filters, group_by = metrics_query(request)
        group_by = group_by or DEFAULT_GROUPING
        answer = metrics.recovery_metrics(user=request.user, filters=filters, group_by=group_by)
        return csv_response(
            filename=f"recovery-metrics-by-{group_by}-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.csv",
            header=[group_by, *(header for header, *_ in COLUMNS)],
            rows=metrics_table_rows(answer),
        )
