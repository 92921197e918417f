"""GET /metrics/recovery/export.csv: the metrics' table as a spreadsheet file.

One row per group (by day unless ``group_by`` says otherwise) with the figures the API gives each group,
then the whole period's row and the period before's, for comparison. The same query, scope and
errors as ``/metrics/recovery/``.
"""

from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from api.metrics import serializers as io
from api.metrics.views import metrics_query
from complaints.models import Category, Complaint
from core.csv import csv_response
from core.rest.errors import ERROR_RESPONSES
from core.rest.renderers import CSVDownloadMixin
from recovery import metrics
from staff.permissions import IsSupervisorOrAbove

DEFAULT_GROUPING = "day"


def percent(share: float | None) -> str | None:
    """A share from 0 to 1 as a percentage Excel reads as a number ("33.3%")."""
    return None if share is None else f"{Decimal(str(share * 100)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def minutes(seconds: float | None) -> Decimal | None:
    """A duration in seconds as minutes, to a tenth."""
    return None if seconds is None else (Decimal(str(seconds)) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


def mean(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# (header, the figure in a group's answer, the same figure in the whole period's, how it reads): the columns
# after the group's. The file is for people: the API's JSON keeps the raw figures (seconds, shares).
COLUMNS = [
    (_("Complaints"), lambda g: g["volume"], lambda t: t["volume"], None),
    (_("Closed"), lambda g: g["closed"], lambda t: t["closed"], None),
    (_("Escalation rate"), lambda g: g["escalation_rate"], lambda t: t["escalation_rate"], percent),
    (_("Satisfaction (mean, 1-5)"), lambda g: g["satisfaction_mean"], lambda t: t["satisfaction"]["mean"], mean),
    (
        _("Time to respond, median (minutes)"),
        lambda g: g["time_to_respond"]["median"],
        lambda t: t["time_to_respond"]["median"],
        minutes,
    ),
    (
        _("Time to respond, 90th percentile (minutes)"),
        lambda g: g["time_to_respond"]["p90"],
        lambda t: t["time_to_respond"]["p90"],
        minutes,
    ),
    (_("Responses in time"), lambda g: g["sla_met_respond"], lambda t: t["sla_met"]["respond"], percent),
    (_("Compensation given"), lambda g: g["compensation_total"], lambda t: t["compensation"]["total"], None),
]
# What a group is, as the group column's header; a day, week or month is the metrics' time zone's.
GROUP_HEADERS = {
    "day": _("Day"),
    "week": _("Week (from Monday)"),
    "month": _("Month"),
    "store": _("Store"),
    "category": _("Category"),
    "channel": _("Channel"),
    "severity": _("Severity"),
    "stage": _("Stage"),
    "servqual_dimension": _("What failed"),
    "blueprint_area": _("Where it failed"),
}
CALENDAR = ("day", "week", "month")


def group_header(group_by: str, zone: str) -> str:
    if group_by in CALENDAR:
        return gettext("%(column)s (%(zone)s)") % {"column": GROUP_HEADERS[group_by], "zone": zone}
    return str(GROUP_HEADERS[group_by])


def group_names(group_by: str) -> Callable[[str], str]:
    """How a group's key reads: a category's name, a code's label, in the reader's language; a day or a store as is."""
    if group_by == "category":
        names = dict(Category.objects.values_list("code", Category.name_field()))
        return lambda key: names.get(key, key)
    field = metrics.GROUPINGS[group_by]
    if group_by in CALENDAR or "__" in field:
        return str
    labels = {code: str(label) for code, label in Complaint._meta.get_field(field).flatchoices}
    return lambda key: labels.get(key, key)


def _cell(value, shown):
    return value if shown is None else shown(value)


def metrics_table_rows(answer: dict, group_by: str) -> Iterator[tuple]:
    """The rows of a metrics answer with groups: each group's, then the period's and the period before's."""
    named = group_names(group_by)
    for group in answer["groups"]:
        yield (named(group["key"]), *(_cell(in_group(group), shown) for _, in_group, _, shown in COLUMNS))
    for label, totals in ((_("Total"), answer["totals"]), (_("Previous period"), answer["previous"])):
        yield (str(label), *(_cell(in_totals(totals), shown) for _, _, in_totals, shown in COLUMNS))


class RecoveryMetricsExportApi(CSVDownloadMixin, APIView):
    permission_classes = [IsSupervisorOrAbove]

    @extend_schema(
        operation_id="metrics_recovery_export",
        summary="The metrics' table as a CSV file: a row per group, then the period's and the period before's",
        description=(
            "The query of `/metrics/recovery/`; `group_by` defaults to `day`. For people, in Excel: UTF-8 with a "
            "byte-order mark and CRLF line ends; the headers, the groups (a category's name, a code's label) and "
            "the last two rows' names in the reader's language; rates as percentages (`33.3%`), times in minutes "
            "to a tenth; days, weeks and months in the metrics' time zone, which the group's header names. "
            "Errors are JSON; programs read `/metrics/recovery/`, whose figures do not change with the language."
        ),
        parameters=[io.MetricsQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "A header row in the reader's language (the grouping, then the complaints, closed, escalated, "
                    "satisfaction, time to respond (median, 90th percentile), responses in time, compensation "
                    "given), a row per group, then the period's total and the period before's."
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
            header=[group_header(group_by, answer["period"]["time_zone"]), *(str(column[0]) for column in COLUMNS)],
            rows=metrics_table_rows(answer, group_by),
        )
