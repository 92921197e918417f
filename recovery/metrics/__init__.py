"""Recovery metrics: how well complaints are recovered and where service breaks, for a filter and a grouping.

Summed from the facts of each complaint (``recovery.ComplaintFacts``: its steps' times on their own
clocks, SLA outcomes, escalation, compensation, approvals, satisfaction), within the reader's scope.
Most answers add up the day sums the database keeps (``days``); the rest sum the facts themselves
(``rows``). Both are kept at commit (``projection``): a reader inside a transaction that wrote has them
kept first.
"""

from datetime import datetime

from django.utils import timezone

from recovery.metrics import days, rows
from recovery.metrics.common import GROUPINGS, MetricsFilter, metrics_zone
from recovery.metrics.projection import facts_flush
from staff.models import User

__all__ = ["GROUPINGS", "MetricsFilter", "groups", "metrics_zone", "recovery_metrics"]


def recovery_metrics(
    *, user: User, filters: MetricsFilter, group_by: str = "", now: datetime | None = None, source: str = ""
) -> dict:
    """``totals`` for the filter, ``previous`` for the period before it, and ``groups`` by ``group_by``.

    ``source`` chooses where the figures come from (for checking one against another): ``days``, ``rows``
    (the kept facts) or ``computed`` (facts computed from the records now); by default the fastest able.
    """
    now = now or timezone.now()
    facts_flush()
    answer = {"period": {"from": filters.date_from, "to": filters.date_to, "time_zone": str(filters.zone)}}
    summed = _days_able(user, filters, source)
    if summed is not None:
        answer |= summed.totals(now=now)
    else:
        computed = source == "computed"
        answer["totals"] = rows.figures(rows.complaints_for(user, filters, computed=computed), filters, now=now)
        previous = filters.previous()
        answer["previous"] = rows.figures(rows.complaints_for(user, previous, computed=computed), previous, now=now)
    if group_by:
        answer["group_by"] = group_by
        answer["groups"] = groups(user=user, filters=filters, group_by=group_by, now=now, source=source)
    return answer


def groups(*, user: User, filters: MetricsFilter, group_by: str, now: datetime, source: str = "") -> list[dict]:
    """The main figures per group (a day, a store, a category…), in the group's order."""
    facts_flush()
    summed = _days_able(user, filters, source, group_by=group_by)
    if summed is not None:
        return summed.groups(group_by, now=now)
    current = rows.complaints_for(user, filters, computed=source == "computed")
    return rows.group_figures(current, group_by, filters.zone, now=now)


def _days_able(user: User, filters: MetricsFilter, source: str, group_by: str = "") -> "days.DaySums | None":
    if source in ("rows", "computed"):
        return None
    summed = days.DaySums.able(user, filters, group_by=group_by)
    if summed is None and source == "days":
        raise ValueError("The day sums cannot answer this filter or grouping.")
    return summed
