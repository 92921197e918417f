"""The recovery dashboard: headline figures against the period before, and charts drawn as SVG on the server."""

import math
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from complaints.models import Category, Channel, Severity
from recovery import metrics
from recovery.models import CompensationKind
from staff.models import Role
from staff.selectors import stores_visible_to
from web.signin import signed_in
from web.templatetags.web import money

DEFAULT_DAYS = 30
ISO_DATE = {"type": "date"}


class DashboardFilterForm(forms.Form):
    # <input type=date> takes only ISO dates, whatever the page's language (Chinese formats write 2026/11/08).
    date_from = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(ISO_DATE, format="%Y-%m-%d"))
    date_to = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(ISO_DATE, format="%Y-%m-%d"))
    store = forms.ChoiceField(label=gettext_lazy("Store"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), required=False, choices=[("", gettext_lazy("All")), *Channel.choices]
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), required=False, choices=[("", gettext_lazy("All")), *Severity.choices]
    )

    def __init__(self, *args, stores, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores")), *[(store.code, store.name) for store in stores]]
        self.fields["category"].choices = [("", _("All")), *[(category.code, category.name) for category in categories]]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and (start > end or end - start > timedelta(days=366)):
            raise forms.ValidationError(_("Choose a period of at most 366 days that ends after it starts."))
        return cleaned


@signed_in
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role_at_least(Role.SUPERVISOR):
        raise PermissionDenied
    zone = metrics.metrics_zone(request.user)
    today = timezone.localdate(timezone.now(), zone)
    stores = list(stores_visible_to(request.user).order_by("code"))
    categories = {category.code: category for category in Category.objects.all()}
    initial = {"date_from": today - timedelta(days=DEFAULT_DAYS - 1), "date_to": today}
    form = DashboardFilterForm(
        {**initial, **request.GET.dict()}, stores=stores, categories=categories.values(), initial=initial
    )
    if not form.is_valid():
        return render(request, "web/dashboard.html", {"form": form}, status=400)
    data = form.cleaned_data
    filters = metrics.MetricsFilter(
        date_from=data["date_from"],
        date_to=data["date_to"],
        zone=zone,
        stores=(data["store"],) if data["store"] else (),
        category=data["category"],
        channel=data["channel"],
        severity=data["severity"],
    )
    answer = metrics.recovery_metrics(user=request.user, filters=filters, group_by="day")
    by_store = metrics.groups(user=request.user, filters=filters, group_by="store", now=timezone.now())
    currency = stores[0].currency if stores else "CNY"
    totals, previous = answer["totals"], answer["previous"]
    # The same period and filters as the metrics API's query, for the table's download.
    query = {name: value for name, value in data.items() if value}
    context = {
        "form": form,
        "exports": [
            (label, f"{reverse('metrics-recovery-export')}?{urlencode({**query, 'group_by': group_by})}")
            for label, group_by in ((_("Table by day (CSV)"), "day"), (_("Table by store (CSV)"), "store"))
        ],
        "headlines": _headlines(totals, previous, currency),
        "charts": _charts(answer, by_store, categories, {store.code: store.name for store in stores}, currency),
    }
    return render(request, "web/dashboard.html", context)


# --- Headline figures ------------------------------------------------------------------------------------


def _headlines(totals: dict, previous: dict, currency: str) -> list[dict]:
    def row(label, now, before, shown, *, higher_is_better: bool | None):
        trend = None
        if now is not None and before is not None and now != before and higher_is_better is not None:
            trend = "better" if (now > before) == higher_is_better else "worse"
        return {"label": label, "value": shown(now), "previous": shown(before), "trend": trend}

    def pick(figures, *path):
        for step in path:
            figures = figures.get(step) if figures is not None else None
        return figures

    def amount(value):
        return money(value, currency) if value is not None else "—"

    return [
        row(_("Complaints"), totals["volume"], previous["volume"], str, higher_is_better=None),
        row(
            _("Per 1,000 customers"),
            totals["complaints_per_1000_customers"],
            previous["complaints_per_1000_customers"],
            _number,
            higher_is_better=False,
        ),
        row(
            _("Median time to respond"),
            pick(totals, "time_to_respond", "median"),
            pick(previous, "time_to_respond", "median"),
            _duration,
            higher_is_better=False,
        ),
        row(
            _("Responses in time"),
            pick(totals, "sla_met", "respond"),
            pick(previous, "sla_met", "respond"),
            _percent,
            higher_is_better=True,
        ),
        row(
            _("Solved at first contact"),
            totals["first_contact_resolution"],
            previous["first_contact_resolution"],
            _percent,
            higher_is_better=True,
        ),
        row(
            _("Satisfaction after recovery"),
            pick(totals, "satisfaction", "mean"),
            pick(previous, "satisfaction", "mean"),
            _number,
            higher_is_better=True,
        ),
        row(
            _("Compensation given"),
            pick(totals, "compensation", "total"),
            pick(previous, "compensation", "total"),
            amount,
            higher_is_better=None,
        ),
        row(_("Escalated"), totals["escalation_rate"], previous["escalation_rate"], _percent, higher_is_better=False),
        row(
            _("Repeat customers"),
            totals["repeat_customer_rate"],
            previous["repeat_customer_rate"],
            _percent,
            higher_is_better=False,
        ),
        row(_("Reopened"), totals["reopen_rate"], previous["reopen_rate"], _percent, higher_is_better=False),
    ]


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _number(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(minutes)d min") % {"minutes": round(seconds / 60)}
    return _("%(hours).1f h") % {"hours": seconds / 3600}


# --- Charts -------------------------------------------------------------------------------------------------


def _charts(answer: dict, by_store: list[dict], categories: dict, store_names: dict, currency: str) -> list[dict]:
    totals = answer["totals"]
    pareto = totals["pareto"]["category"]
    return [
        _columns(_("Complaints per day"), _every_day(answer)),
        _bars(
            _("Which categories make 80% (Pareto)"),
            [
                (
                    categories[row["key"]].name if row["key"] in categories else row["key"],
                    row["count"],
                    f"{row['count']} · {_percent(row['cumulative_share'])}",
                    row["vital"],
                )
                for row in pareto
            ],
        ),
        _columns(
            _("Time to respond"),
            [
                (_bin_label(row["up_to"]), row["count"], str(row["count"]))
                for row in totals["time_to_respond_distribution"]
            ],
        ),
        _bars(
            _("Responses in time, by store"),
            [
                (store_names.get(row["key"], row["key"]), row["sla_met_respond"] or 0, _percent(row["sla_met_respond"]))
                for row in by_store
            ],
            scale=1.0,
        ),
        _bars(
            _("Compensation by kind"),
            [
                (CompensationKind(row["key"]).label, float(row["total"]), money(row["total"], currency))
                for row in totals["compensation"]["by_kind"]
            ],
        ),
        _columns(
            _("Satisfaction after recovery (1-5)"),
            [(score, count, str(count)) for score, count in totals["satisfaction"]["distribution"].items()],
        ),
    ]


def _every_day(answer: dict) -> list[tuple]:
    """The day-by-day volume with the quiet days as zeros, so that the axis is time."""
    volumes = {group["key"]: group["volume"] for group in answer.get("groups", [])}
    start, end = answer["period"]["from"], answer["period"]["to"]
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    return [(f"{day:%m-%d}", volumes.get(day.isoformat(), 0), str(volumes.get(day.isoformat(), 0))) for day in days]


def _bin_label(up_to) -> str:
    if up_to is None:
        return _("more")
    return _duration(up_to).replace(" ", "") if up_to < 3600 else _("%(hours)d h") % {"hours": up_to // 3600}


ROW_HEIGHT, COLUMN_AREA = 34, 160


def _bars(title: str, rows: list[tuple], *, scale: float | None = None) -> dict:
    """Horizontal bars: a label, a bar as long as its share of the largest (or of ``scale``), its value."""
    largest = scale or max((float(row[1]) for row in rows), default=0) or 1
    drawn = []
    for index, (label, value, text, *highlight) in enumerate(rows):
        share = float(value) / largest
        drawn.append(
            {
                "label": label,
                "text": text,
                "y": index * ROW_HEIGHT,
                "width": f"{share * 42:.2f}%",
                "text_x": f"{40 + share * 42 + 1:.2f}%",
                "highlight": bool(highlight and highlight[0]),
            }
        )
    summary = "; ".join(f"{row['label']}: {row['text']}" for row in drawn)
    return {
        "kind": "bars",
        "title": title,
        "rows": drawn,
        "height": max(len(drawn), 1) * ROW_HEIGHT,
        "summary": summary,
    }


def _columns(title: str, rows: list[tuple]) -> dict:
    """Columns side by side (days, bins, scores), labels under every column that has room."""
    largest = max((float(row[1]) for row in rows), default=0) or 1
    count = max(len(rows), 1)
    every = max(1, math.ceil(count / 7))  # room for about seven labels
    drawn = []
    for index, (label, value, text) in enumerate(rows):
        height = float(value) / largest * COLUMN_AREA
        drawn.append(
            {
                "label": label if index % every == 0 else "",
                "text": text,
                "x": f"{index / count * 100 + 0.15 * 100 / count:.2f}%",
                "center": f"{(index + 0.5) / count * 100:.2f}%",
                "width": f"{0.7 * 100 / count:.2f}%",
                "y": COLUMN_AREA + 16 - height,
                "height": height,
                "show_value": count <= 16,
            }
        )
    summary = "; ".join(f"{label}: {text}" for label, _value, text in rows)
    return {"kind": "columns", "title": title, "rows": drawn, "height": COLUMN_AREA + 40, "summary": summary}
