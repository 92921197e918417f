"""GET /complaints/export.csv: the complaint list, with its filters and scope, as a spreadsheet file.

Streamed as the database hands the rows over (a server-side cursor on PostgreSQL): one query, plain
tuples rather than model instances, constant memory for a million rows. Contact data is masked.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DecimalField,
    F,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from complaints import selectors
from complaints.filters import ComplaintFilter
from complaints.masking import mask_phone
from complaints.models import Category, Complaint
from core.csv import csv_response
from core.rest.errors import ERROR_RESPONSES, ErrorSerializer
from core.rest.renderers import CSVDownloadMixin
from recovery.models import CompensationAction, CompensationStatus
from staff.models import User
from staff.permissions import MayExportComplaints
from staff.selectors import stores_visible_to

# How a column's value reaches its cell (the database does the work, so that the rows stream as they come):
TEXT = "text"  # as stored
LABEL = "label"  # a code as its label, in the reader's language
MOMENT = "moment"  # a time, as the wall-clock time of the complaint's store (core.csv writes it)


@dataclass(frozen=True)
class Column:
    header: str
    source: str  # the field read for it
    shown: str = TEXT


# The file's columns, in order.
COLUMNS = [
    Column(_("Reference"), "reference"),
    Column(_("Store"), "store__code"),
    Column(_("Logged at"), "created_at", MOMENT),
    Column(_("Status"), "status", LABEL),
    Column(_("Category"), "category_name"),  # the name in the reader's language
    Column(_("Severity"), "severity", LABEL),
    Column(_("Channel"), "channel", LABEL),
    Column(_("Stage"), "stage", LABEL),
    Column(_("What failed"), "servqual_dimension", LABEL),
    Column(_("Where it failed"), "blueprint_area", LABEL),
    Column(_("What happened"), "description"),
    Column(_("Customer's name"), "customer__name"),
    Column(_("Customer's phone"), "customer__phone"),
    Column(_("Assigned to"), "assignee__username"),
    Column(_("Apologized at"), "apologized_at", MOMENT),
    Column(_("Responded at"), "responded_at", MOMENT),
    Column(_("Followed up at"), "followed_up_at", MOMENT),
    Column(_("Closed at"), "closed_at", MOMENT),
    Column(_("How it ended"), "closure_code", LABEL),
    Column(_("Satisfaction (1-5)"), "satisfaction"),
    Column(_("Escalation level"), "escalation_level"),
    Column(_("Compensation granted"), "compensation_granted"),
]
PHONE = [column.source for column in COLUMNS].index("customer__phone")
STORE = [column.source for column in COLUMNS].index("store__code")
CHUNK_ROWS = 2000


def _label(field: str) -> Case:
    """A code as its label in the active language, worked out by the database."""
    choices = Complaint._meta.get_field(field).flatchoices
    return Case(
        *[When(**{field: code}, then=Value(str(label))) for code, label in choices],
        default=F(field),
        output_field=CharField(),
    )


def _wall_clock(field: str) -> Func:
    """A moment as the wall-clock time of its complaint's store (a timestamp without a zone)."""
    return Func(F("store__timezone"), F(field), function="timezone", output_field=DateTimeField())


def complaint_export_values(complaints: QuerySet, *, with_zone: bool = False) -> QuerySet:
    """``complaints`` as tuples of the ``COLUMNS`` in the reader's language (and each one's store's time zone after
    the store, ``with_zone``), the compensation granted summed in the same query."""
    granted = (
        CompensationAction.objects.filter(complaint=OuterRef("pk"), status=CompensationStatus.GRANTED)
        .order_by()
        .values("complaint")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    shown = {
        "compensation_granted": Coalesce(
            Subquery(granted, output_field=money), Value(Decimal("0.00")), output_field=money
        ),
        "category_name": F(f"category__{Category.name_field()}"),
    }
    for column in COLUMNS:
        if column.shown == LABEL:
            shown[f"{column.source}_shown"] = _label(column.source)
        elif column.shown == MOMENT:
            shown[f"{column.source}_shown"] = _wall_clock(column.source)
    names = [f"{column.source}_shown" if column.shown != TEXT else column.source for column in COLUMNS]
    if with_zone:
        names.insert(STORE + 1, "store__timezone")
    return complaints.annotate(**shown).values_list(*names)


def complaint_export_rows(complaints: QuerySet, *, with_zone: bool = False) -> Iterator[tuple]:
    """One tuple per complaint of ``complaints``, in ``COLUMNS`` order and in its order, the phone masked.

    Lazy: the query runs when the first row is asked for, and rows come ``CHUNK_ROWS`` at a time.
    """
    phone = PHONE + 1 if with_zone else PHONE
    for row in complaint_export_values(complaints, with_zone=with_zone).iterator(chunk_size=CHUNK_ROWS):
        yield (*row[:phone], mask_phone(row[phone]), *row[phone + 1 :])


def complaint_export_header(zones: list[str]) -> list[str]:
    """The columns' headers in the reader's language; a time's names the zone it is in, or with several zones, says it
    is the store's, whose zone then has a column of its own after the store."""
    headers = []
    for column in COLUMNS:
        if column.shown != MOMENT:
            headers.append(str(column.header))
        elif len(zones) == 1:
            headers.append(gettext("%(column)s (%(zone)s)") % {"column": column.header, "zone": zones[0]})
        else:
            headers.append(gettext("%(column)s (the store's time)") % {"column": column.header})
    if len(zones) != 1:
        headers.insert(STORE + 1, gettext("Time zone"))
    return headers


def export_zones(user: User, store_code: str = "") -> list[str]:
    """The time zones of the stores an export of ``user``'s may cover (``store_code``'s alone, when given)."""
    if user.store_id is not None:
        return [user.store.timezone]
    stores = stores_visible_to(user)
    if store_code:
        stores = stores.filter(code=store_code)
    return sorted(set(stores.order_by().values_list("timezone", flat=True).distinct())) or ["UTC"]


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
            "For people, in Excel: UTF-8 with a byte-order mark and CRLF line ends; the headers, the category and "
            "the codes' labels in the reader's language (as the API's messages: the language they chose, else "
            "`Accept-Language`); times as the store's wall-clock time (`2026-11-23 12:00:00`), their headers naming "
            "the time zone, or with stores in several zones, a time zone column after the store; the customer's "
            "phone masked (`138****8000`); the compensation granted summed. A cell that a spreadsheet would run as "
            "a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) starts with `'`. Errors are JSON; "
            "programs read the list's JSON, whose codes and UTC times do not change with the language. "
            "Only for the roles an admin allows (Django admin → Role access; supervisors, managers and admins to "
            "start with): 403 for the others."
        ),
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="A header row in the reader's language, then one row per complaint."
            ),
            **{(status, "application/json"): response for status, response in ERROR_RESPONSES.items()},
            (406, "application/json"): OpenApiResponse(
                ErrorSerializer, description="`not_acceptable`: the Accept header rules out text/csv."
            ),
        },
    )
    def get(self, request: Request):
        complaints = self.filter_queryset(self.get_queryset())
        zones = export_zones(request.user, request.query_params.get("store", ""))
        return csv_response(
            filename=f"complaints-{timezone.now():%Y%m%d}.csv",
            header=complaint_export_header(zones),
            rows=complaint_export_rows(complaints, with_zone=len(zones) != 1),
        )
