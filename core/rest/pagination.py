"""Page-number pagination for every list: 25 by default, up to 200 with ``page_size``.

Counting every row of a large list costs more than fetching its page (a million complaints take
~200 ms to count, their first page ~15 ms), so a list counts up to ``COUNT_CAP`` rows and stops:
beyond that ``count`` is the cap, ``count_capped`` is true, and the pages end there. A filter
narrows the list to what is wanted before that matters.

A page is read keys first: the filters and the order alone find its rows' keys, then those rows are
read with what they show joined in. In one query the planner, misjudging how many rows a filter keeps
(a customer's name found by trigrams), joined every match to its store, customer and staff before
sorting them for 25, which took 80 ms at a million complaints instead of 10.
"""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.filters import page_keys

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def counted(self) -> int:
        """The rows, counted up to one past the cap (a count of a LIMITed subquery of their keys alone,
        in no order: the page's own columns and sort are the page query's business)."""
        rows = self.object_list
        if hasattr(rows, "values"):
            rows = rows.order_by().values("pk")
        return rows[: COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self.counted > COUNT_CAP

    def _get_page(self, rows, number, paginator) -> Page:
        # ``rows``: the page's slice of the list, not yet read. Read its keys, then those rows.
        if isinstance(rows, QuerySet):
            keys = page_keys(self.object_list, rows.query.low_mark, rows.query.high_mark)
            found = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()} if keys else {}
            # A row gone between the two reads (deleted meanwhile) is left out rather than failing the page.
            rows = [found[key] for key in keys if key in found]
        return super()._get_page(rows, number, paginator)


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"More than {COUNT_CAP:,} rows matched: count is the cap, and the pages end there.",
        }
        answer["required"] = [*answer.get("required", []), "count_capped"]
        return answer
