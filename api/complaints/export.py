"""GET /complaints/export.csv: the complaint list, with its filters and scope, as a spreadsheet file.

Streamed as the database hands the rows over (a server-side cursor on PostgreSQL): one query, plain
tuples rather than model instances, constant memory for a million rows. Contact data is masked.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from complaints import selectors
from complaints.filters import ComplaintFilter
from complaints.masking import mask_phone
from core.csv import csv_response
from core.rest.errors import ERROR_RESPONSES, ErrorSerializer
from core.rest.renderers import CSVDownloadMixin
from recovery.models import CompensationAction, CompensationStatus
from staff.permissions import MayExportComplaints

# (header, what is read for it): the file's columns, in order.
COLUMNS = [
    ("reference", "reference"),
    ("store", "store__code"),
    ("created_at", "created_at"),
    ("status", "status"),
    ("category", "category__code"),
    ("category_name", "category__name_en"),
    ("severity", "severity"),
    ("channel", "channel"),
    ("stage", "stage"),
    ("servqual_dimension", "servqual_dimension"),
    ("blueprint_area", "blueprint_area"),
    ("description", "description"),
    ("customer_name", "customer__name"),
    ("customer_phone", "customer__phone"),
    ("assignee", "assignee__username"),
    ("apologized_at", "apologized_at"),
    ("responded_at", "responded_at"),
    ("followed_up_at", "followed_up_at"),
    ("closed_at", "closed_at"),
    ("closure_code", "closure_code"),
    ("satisfaction", "satisfaction"),
    ("escalation_level", "escalation_level"),
    ("compensation_granted", "compensation_granted"),
]
HEADER = [header for header, _ in COLUMNS]
PHONE = HEADER.index("customer_phone")
CHUNK_ROWS = 2000


def complaint_export_values(complaints: QuerySet) -> QuerySet:
    """``complaints`` as tuples of the ``COLUMNS``, the compensation granted summed in the same query."""
    granted = (
        CompensationAction.objects.filter(complaint=OuterRef("pk"), status=CompensationStatus.GRANTED)
        .order_by()
        .values("complaint")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return complaints.annotate(
        compensation_granted=Coalesce(Subquery(granted, output_field=money), Value(Decimal("0.00")), output_field=money)
    ).values_list(*[source for _, source in COLUMNS])


def complaint_export_rows(complaints: QuerySet) -> Iterator[tuple]:
    """One tuple per complaint of ``complaints``, in ``COLUMNS`` order and in its order, the phone masked.

    Lazy: the query runs when the first row is asked for, and rows come ``CHUNK_ROWS`` at a time.
    """
    for row in complaint_export_values(complaints).iterator(chunk_size=CHUNK_ROWS):
        yield (*row[:PHONE], mask_phone(row[PHONE]), *row[PHONE + 1 :])


class ComplaintExportApi(CSVDownloadMixin, GenericAPIView):
    permission_classes = [MayExportComplaints]
    filterset_class = ComplaintFilter
    pagination_class = None  # Accept: application/json alone is a 406: the answer is a file

    def get_queryset(self):
        return selectors.complaints_visible_to(self.request.user).order_by("created_at", "pk")

    @extend_schema(
        operation_id="complaints_export",
        summary="The complaints as a CSV file (the list's filters and ordering; oldest first by default)",
        description=(
            "UTF-8 with a byte-order mark and CRLF line ends, for Excel. Times in UTC (ISO 8601), the "
            "customer's phone masked (`138****8000`), `compensation_granted` the sum of what was granted. "
            "A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or "
            "carriage return) starts with `'`. Errors are JSON. Only for the roles an admin allows (Django admin → "
            "Role access; supervisors, managers and admins to start with): 403 for the others."
        ),
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=f"A header row ({', '.join(HEADER)}), then one row per complaint."
            ),
            **{(status, "application/json"): response for status, response in ERROR_RESPONSES.items()},
            (406, "application/json"): OpenApiResponse(
                ErrorSerializer, description="`not_acceptable`: the Accept header rules out text/csv."
            ),
        },
    )
    def get(self, request: Request):
        complaints = self.filter_queryset(self.get_queryset())
        return csv_response(
            filename=f"complaints-{timezone.now():%Y%m%d}.csv", header=HEADER, rows=complaint_export_rows(complaints)
        )
