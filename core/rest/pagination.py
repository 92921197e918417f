"""Page-number pagination for every list: 25 by default, up to 200 with ``page_size``.

Counting every row of a large list costs more than fetching its page (a million complaints take
~200 ms to count, their first page ~15 ms), so a list counts up to ``COUNT_CAP`` rows and stops:
beyond that ``count`` is the cap, ``count_capped`` is true, and the pages end there. A filter
narrows the list to what is wanted before that matters.
"""

from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

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
