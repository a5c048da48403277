"""The reports page (``/reports``) and its CSV export (``/reports.csv``).

Both take the same GET filter: ``since`` and ``until`` as ``YYYY-MM-DD`` (UTC days,
both included; default the last 30 days, at most ``MAX_DAYS``). Figures come from
``hub.reports.build_report``; the charts are ``hub.reports.charts.report_charts``' SVG strings.
Those strings are the only markup this console marks safe (``Markup`` below): the
chart builders escape every label themselves and emit nothing else from the data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from hub.errors import Invalid
from hub.queries.reports import build_report
from hub.reports.charts import report_charts
from hub.reports.formats import duration, report_csv
from hub.web.console.auth import console_view, hub_of
from hub.web.console.render import render

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _day(value: str | None, default: date, name: str) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{name} must be a date as YYYY-MM-DD") from exc


def parse_range(request: Request, today: date | None = None) -> tuple[date, date]:
    """The inclusive ``(first, last)`` UTC days asked for; ``Invalid`` says what is wrong."""
    today = today or datetime.now(UTC).date()
    last = _day(request.query_params.get("until"), today, "until")
    first = _day(request.query_params.get("since"), last - timedelta(DEFAULT_DAYS - 1), "since")
    if last < first:
        raise Invalid("the range must end on or after its first day")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(f"at most {MAX_DAYS} days at a time")
    return first, last


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, start + timedelta(days=(last - first).days + 1)


@console_view()
async def reports_page(request: Request) -> Response:
    try:
        first, last = parse_range(request)
    except Invalid as exc:
        refused = {
            "since": request.query_params.get("since", "")[:32],
            "until": request.query_params.get("until", "")[:32],
            "error": exc.message,
        }
        return render(request, "reports.html", refused, status=422)
    async with hub_of(request).read() as db:
        report = await build_report(db, *_bounds(first, last))
    # The chart builders escape all data themselves (see hub.reports.charts); nothing else is
    # marked safe.
    charts = {name: Markup(svg) for name, svg in report_charts(report).items()}
    context: dict[str, Any] = {
        "since": first.isoformat(),
        "until": last.isoformat(),
        "report": report,
        "charts": charts,
        "duration": duration,
        "csv_query": f"since={first.isoformat()}&until={last.isoformat()}",
    }
    return render(request, "reports.html", context)


@console_view()
async def reports_csv(request: Request) -> Response:
    """The same figures as CSV (``hub.reports.formats.report_csv``), as a download."""
    first, last = parse_range(request)
    async with hub_of(request).read() as db:
        report = await build_report(db, *_bounds(first, last))
    name = f"report-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
