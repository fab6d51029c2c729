"""The analytics page: each figure over the matters the filters choose, as a chart, a table of its
numbers and a CSV download of the same numbers."""

import csv
import datetime

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.models import Case

from . import charts, selectors
from .cache import cached_figure
from .filters import MatterFilter


def _figures(cases, form_data, query: str) -> dict:
    today = timezone.localdate()
    since, until = form_data.get("period_from"), form_data.get("period_to")

    def compute(name, function):
        return cached_figure(name, query, function)

    return {
        "stages": compute("stages", lambda: selectors.stage_durations(cases)),
        "surrender": compute("surrender", lambda: [
            selectors.time_to_surrender(cases, start="arrest", today=today),
            selectors.time_to_surrender(cases, start="request", today=today),
        ]),
        "endings": compute("endings", lambda: selectors.endings(cases)),
        "stuck": compute("stuck", lambda: selectors.longest_stuck(cases, today=today)),
        "monthly": compute("monthly", lambda: selectors.stage_changes_per_month(cases, since=since, until=until)),
    }


# Each figure's CSV: its columns, and its rows from the figure.
def _csv_stages(figure):
    yield ["stage", "finished stays", "running stays", "minimum days", "first quartile days", "median days", "third quartile days", "maximum days"]
    for row in figure:
        yield [row.label, row.finished, row.running, row.minimum, row.q1, row.median, row.q3, row.maximum]


def _csv_surrender(figure):
    yield ["from", "days", "share not yet surrendered"]
    for curve in figure:
        for days, share in curve.steps:
            yield [curve.start, days, f"{share:.4f}"]


def _csv_endings(figure):
    yield ["outcome", "stage reached", "matters"]
    for row in figure:
        yield [row.label, row.stage_label, row.matters]


def _csv_stuck(figure):
    yield ["case", "reference", "stage", "in it since", "days in stage"]
    for row in figure:
        yield [row.case.title, row.case.reference, row.case.get_stage_display(), row.case.stage_entered_on, row.days]


def _csv_monthly(figure):
    rows, year_only = figure
    yield ["month", "stage changes"]
    for row in rows:
        yield [f"{row.month:%Y-%m}", row.changes]
    if year_only:
        yield ["known only to the year", year_only]


CSV_WRITERS = {
    "stages": _csv_stages, "surrender": _csv_surrender, "endings": _csv_endings, "stuck": _csv_stuck, "monthly": _csv_monthly,
}


class _Echo:
    def write(self, value):
        return value


@permission_required("cases.view_case", raise_exception=True)
def analytics(request):
    data = request.GET.copy()
    download = data.pop("download", [None])[-1]
    matters = MatterFilter(data, queryset=Case.objects.all())
    if not matters.is_valid():
        return render(request, "analytics/analytics.html", {"filter": matters, "invalid": True}, status=400)
    cases = matters.qs
    query = data.urlencode()
    figures = _figures(cases, matters.form.cleaned_data, query)
    if download in CSV_WRITERS:
        writer = csv.writer(_Echo())
        body = "".join(writer.writerow(row) for row in CSV_WRITERS[download](figures[download]))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="extradition-{download}-{datetime.date.today():%Y%m%d}.csv"'
        return response
    monthly, year_only = figures["monthly"]
    context = {
        "filter": matters,
        "query": query,
        "matters": cases.count(),
        "figures": figures,
        "year_only": year_only,
        "charts": {
            "stages": charts.box_chart("Days in each stage", figures["stages"]),
            "surrender": charts.step_chart("Share of matters not yet surrendered", figures["surrender"]),
            "endings": charts.bar_chart(
                "How matters ended", [(f"{row.label} — at {row.stage_label}", row.matters) for row in figures["endings"]],
                unit="matters", whole=True,
            ),
            "stuck": charts.bar_chart(
                "Longest in their current stage", [(row.case.title, row.days) for row in figures["stuck"]], unit="days",
            ),
            "monthly": charts.column_chart("Stage changes per month", monthly, unit="stage changes"),
        },
    }
    return render(request, "analytics/analytics.html", context)
