"""Server-rendered SVG charts for the reports page: bars, a line, a handoff flow.

Each builder returns a complete ``<svg>`` string. Every label and title is escaped
here (``html.escape`` with quotes), numbers are formatted by the builder, and nothing
else from the data reaches the markup, so the console may embed the string as is
(``|safe``). No scripts, no external resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from hub.queries.reports import Report

PALETTE = ("#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#dc2626", "#ca8a04", "#4b5563")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">'
        f"<title>{_e(title)}</title>{''.join(body)}</svg>"
    )


def _empty(width: int, height: int, title: str) -> str:
    return _svg(
        width,
        height,
        title,
        [
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" {FONT} '
            'fill="#6b7280">No data for this period</text>'
        ],
    )


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    parts = []
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{y + i * 16:.1f}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14:.1f}" y="{y + i * 16 + 9:.1f}" {FONT}>{_e(name)}</text>'
        )
    return parts


def bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: int = 640,
    height: int = 280,
) -> str:
    """Stacked bars: one bar per category (e.g. day), one colour per series (channel)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(width, height, title)
    left, right, top, bottom = 40, 110, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max(totals))
    slot = plot_w / len(categories)
    bar_w = max(1.0, slot * 0.7)
    body = [f'<g {FONT} fill="#374151">']
    for tick in range(5):
        value = top_value * tick / 4
        y = top + plot_h - plot_h * tick / 4
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    every = max(1, len(categories) // 10)
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for s, values in enumerate(series.values()):
            h = plot_h * values[i] / top_value
            if h > 0:
                y -= h
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[s % len(PALETTE)]}"><title>{_e(category)}: '
                    f"{values[i]:g}</title></rect>"
                )
        if i % every == 0:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" '
                f'text-anchor="middle">{_e(category)}</text>'
            )
    body.append("</g>")
    body += _legend(list(series), width - right + 10, top)
    return _svg(width, height, title, body)


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    y_min: float = 1,
    y_max: float = 5,
    width: int = 640,
    height: int = 240,
) -> str:
    """A line through the known values (gaps where a value is None), e.g. CSAT per day."""
    if not labels or all(v is None for v in values):
        return _empty(width, height, title)
    left, right, top, bottom = 40, 20, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def y_of(value: float) -> float:
        share = (min(max(value, y_min), y_max) - y_min) / ((y_max - y_min) or 1)
        return top + plot_h - plot_h * share

    body = [f'<g {FONT} fill="#374151">']
    for tick in range(5):
        value = y_min + (y_max - y_min) * tick / 4
        y = y_of(value)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    every = max(1, len(labels) // 10)
    for i, (label, known) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step if len(labels) > 1 else left + plot_w / 2
        if known is None:
            segment = []
            segments.append(segment)
        else:
            segment.append(f"{x:.1f},{y_of(known):.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y_of(known):.1f}" r="3" fill="{PALETTE[0]}">'
                f"<title>{_e(label)}: {known:.2f}</title></circle>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{_e(label)}</text>'
            )
    for points in segments:
        if len(points) > 1:
            body.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE[0]}" '
                'stroke-width="2"/>'
            )
    body.append("</g>")
    return _svg(width, height, title, body)


def flow_chart(
    flows: Sequence[tuple[str, str, int]], *, title: str, width: int = 640, height: int = 280
) -> str:
    """A sankey-like diagram: sources on the left, targets on the right, bands as wide
    as their counts (e.g. channel handoffs from → to)."""
    flows = [f for f in flows if f[2] > 0]
    if not flows:
        return _empty(width, height, title)
    sources = sorted({a for a, _, _ in flows})
    targets = sorted({b for _, b, _ in flows})
    total = sum(n for _, _, n in flows)
    top, gap, node_w = 10, 8, 12
    left_x, right_x = 110, width - 110 - node_w
    usable = height - 2 * top - gap * (max(len(sources), len(targets)) - 1)
    scale = usable / total
    colors = {
        name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted({*sources, *targets}))
    }

    def layout(names: list[str], weight: dict[str, int]) -> dict[str, float]:
        positions, y = {}, float(top)
        for name in names:
            positions[name] = y
            y += weight[name] * scale + gap
        return positions

    out_w = {s: sum(n for a, _, n in flows if a == s) for s in sources}
    in_w = {t: sum(n for _, b, n in flows if b == t) for t in targets}
    src_y, dst_y = layout(sources, out_w), layout(targets, in_w)
    body = [f'<g {FONT} fill="#374151">']
    src_off, dst_off = dict.fromkeys(sources, 0.0), dict.fromkeys(targets, 0.0)
    for a, b, n in sorted(flows, key=lambda f: (sources.index(f[0]), targets.index(f[1]))):
        band = n * scale
        y1 = src_y[a] + src_off[a] + band / 2
        y2 = dst_y[b] + dst_off[b] + band / 2
        src_off[a] += band
        dst_off[b] += band
        x1, x2 = left_x + node_w, right_x
        mid = (x1 + x2) / 2
        body.append(
            f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
            f'{x2:.1f},{y2:.1f}" fill="none" stroke="{colors[a]}" stroke-opacity="0.45" '
            f'stroke-width="{max(band, 1):.1f}"><title>{_e(a)} → {_e(b)}: {n}</title></path>'
        )

    def nodes(ys: dict[str, float], weight: dict[str, int], x: int, text: int, end: str) -> None:
        for name, y in ys.items():
            h = weight[name] * scale
            body.append(
                f'<rect x="{x}" y="{y:.1f}" width="{node_w}" height="{h:.1f}" '
                f'fill="{colors[name]}"/><text x="{text}" y="{y + h / 2 + 4:.1f}"{end}>'
                f"{_e(name)} ({weight[name]})</text>"
            )

    # Source labels stand left of their node, right-aligned; target labels to the right.
    nodes(src_y, out_w, left_x, left_x - 6, ' text-anchor="end"')
    nodes(dst_y, in_w, right_x, right_x + node_w + 6, "")
    body.append("</g>")
    return _svg(width, height, title, body)


def report_charts(report: Report) -> dict[str, str]:
    """The reports page's charts: ``conversations``, ``handoffs`` and ``csat``."""
    days = report.days
    labels = [d.strftime("%m-%d") for d in days]
    counts = {(d, c): n for d, c, n in report.conversations}
    series = {c: [float(counts.get((d, c), 0)) for d in days] for c in report.channels}
    csat = {d: avg for d, avg, _ in report.csat}
    return {
        "conversations": bar_chart(labels, series, title="Conversations by channel per day"),
        "handoffs": flow_chart(report.handoffs, title="Channel handoffs"),
        "csat": line_chart(labels, [csat.get(d) for d in days], title="CSAT per day (1-5)"),
    }
