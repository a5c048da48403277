"""A ``hub.reports.Report`` as CSV (the console's export) and as terminal text tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from hub.queries.reports import Percentiles, Report

CSV_COLUMNS = (
    "figure",
    "day",
    "channel",
    "agent",
    "from",
    "to",
    "count",
    "p50_seconds",
    "p90_seconds",
    "average",
)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection:
# an agent named ``=HYPERLINK(...)`` or ``@SUM(...)``); tab and CR start formulas too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` as a spreadsheet shows it but never evaluates: text starting with a
    formula character gets a leading apostrophe. Numbers are written as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    """A ``csv.DictWriter`` that neutralises every cell (``neutralise_cell``)."""

    def __init__(self, out: io.StringIO, fieldnames: Sequence[str], lineterminator: str) -> None:
        self.writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator=lineterminator)

    def writeheader(self) -> None:
        self.writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self.writer.writerow({k: neutralise_cell(v) for k, v in row.items()})


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def report_csv(report: Report) -> str:
    """One CSV with a ``figure`` column naming each row's figure; empty cells where a
    column does not apply. Durations are whole seconds. Cells that a spreadsheet
    would run as a formula are neutralised (``neutralise_cell``)."""
    out = io.StringIO()
    writer = _SafeWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for day, channel, count in report.conversations:
        writer.writerow({"figure": "conversations", "day": day, "channel": channel, "count": count})
    for source, target, count in report.handoffs:
        writer.writerow({"figure": "handoffs", "from": source, "to": target, "count": count})
    groups: list[tuple[str, str, dict[str, Percentiles]]] = [
        ("first_response", "channel", report.first_response_by_channel),
        ("first_response", "agent", report.first_response_by_agent),
        ("resolution", "channel", report.resolution_by_channel),
        ("resolution", "agent", report.resolution_by_agent),
    ]
    for figure, key, values in groups:
        for name, stats in values.items():
            writer.writerow(
                {
                    "figure": figure,
                    key: name,
                    "count": stats.count,
                    "p50_seconds": _seconds(stats.p50),
                    "p90_seconds": _seconds(stats.p90),
                }
            )
    for day, average, count in report.csat:
        writer.writerow({"figure": "csat", "day": day, "count": count, "average": f"{average:.2f}"})
    return out.getvalue()


def duration(seconds: float | None) -> str:
    """``42s``, ``5m 03s``, ``2h 10m``, ``3d 4h``; ``-`` for none."""
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _times(title: str, key: str, values: dict[str, Percentiles]) -> str:
    rows = [(name, s.count, duration(s.p50), duration(s.p90)) for name, s in values.items()]
    body = table((key, "count", "p50", "p90"), rows) if rows else "(none)"
    return f"{title}\n{body}"


def report_text(report: Report) -> str:
    """Every figure of the report as titled text tables (what ``hub report`` prints)."""
    channels = report.channels
    by_day: dict[object, dict[str, int]] = {}
    for day, channel, count in report.conversations:
        by_day.setdefault(day, {})[channel] = count
    conversation_rows = [
        (str(day), *(counts.get(c, 0) for c in channels), sum(counts.values()))
        for day, counts in sorted(by_day.items(), key=lambda kv: str(kv[0]))
    ]
    sections = [
        f"Report {report.since:%Y-%m-%d %H:%M} → {report.until:%Y-%m-%d %H:%M} UTC",
        "Conversations by channel per day\n"
        + (
            table(("day", *channels, "total"), conversation_rows) if conversation_rows else "(none)"
        ),
        "Channel handoffs\n"
        + (
            table(("from → to", "count"), [(f"{a} → {b}", n) for a, b, n in report.handoffs])
            if report.handoffs
            else "(none)"
        ),
        _times("First response time by channel", "channel", report.first_response_by_channel),
        _times("First response time by agent", "agent", report.first_response_by_agent),
        _times("Resolution time by channel", "channel", report.resolution_by_channel),
        _times("Resolution time by agent", "agent", report.resolution_by_agent),
        "CSAT (1-5) per day\n"
        + (
            table(
                ("day", "average", "answers"), [(str(d), f"{a:.2f}", n) for d, a, n in report.csat]
            )
            if report.csat
            else "(none)"
        ),
    ]
    return "\n\n".join(sections) + "\n"
