"""Report figures on a fixed fixture, checked against values computed by hand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from hub.core import Hub
from hub.models import Agent, CsatSurvey, Customer, Event, Thread
from hub.queries.reports import Percentiles, build_report, parse_since, percentile
from hub.reports.charts import bar_chart, flow_chart, line_chart, report_charts
from hub.reports.formats import report_csv, report_text

SINCE = datetime(2026, 11, 2, tzinfo=UTC)
UNTIL = datetime(2026, 11, 4, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def load_fixture(hub: Hub) -> None:
    """Three customers over 1-4 Nov 2026 (see the expected values in the tests)."""
    async with hub.uow() as uow:
        s = uow.session
        ann = Agent(email="ann@x.test", name="Ann", password_hash="-")
        bob = Agent(email="bob@x.test", name="Bob", password_hash="-")
        s.add_all([ann, bob])
        await s.flush()
        timelines: list[list[tuple[Any, ...]]] = [
            [  # (when, type, channel, direction, agent, status, data)
                (at(2, 10), "message", "webchat", "in", None, None, {}),
                (at(2, 10, 5), "message", "webchat", "out", ann.id, "sent", {"via": "console"}),
                (at(2, 10, 30), "message", "sms", "in", None, None, {}),
                (at(2, 11), "status", "console", None, ann.id, None, {"to": "resolved"}),
                (at(3, 9), "call", "phone", "in", bob.id, "completed", {}),
                (at(3, 9, 10), "status", "console", None, bob.id, None, {"to": "resolved"}),
            ],
            [
                (at(2, 12), "message", "sms", "in", None, None, {}),
                (at(2, 12, 1), "message", "sms", "out", None, "sent", {"via": "auto"}),
                (at(2, 12, 20), "message", "sms", "out", bob.id, "sent", {"via": "console"}),
                (at(3, 8), "message", "webchat", "in", None, None, {}),
                (at(3, 10), "status", "console", None, bob.id, None, {"to": "resolved"}),
            ],
            [
                (at(1, 23), "message", "webchat", "in", None, None, {}),
                (at(2, 9), "message", "sms", "in", None, None, {}),
                (at(2, 9, 30), "message", "sms", "out", ann.id, "sent", {"via": "console"}),
                (at(4, 1), "message", "webchat", "in", None, None, {}),
            ],
        ]
        customers = []
        for n, timeline in enumerate(timelines):
            customer = Customer(name=f"Customer {n}")
            s.add(customer)
            await s.flush()
            thread = Thread(customer_id=customer.id)
            s.add(thread)
            await s.flush()
            customers.append(customer)
            for when, kind, channel, direction, agent_id, status, data in timeline:
                s.add(
                    Event(
                        customer_id=customer.id,
                        thread_id=thread.id,
                        type=kind,
                        channel=channel,
                        direction=direction,
                        agent_id=agent_id,
                        status=status,
                        data=data,
                        created_at=when,
                        updated_at=when,
                    )
                )
        for score, when in ((5, at(2, 15)), (4, at(2, 16)), (2, at(3, 12)), (1, at(5, 12))):
            s.add(
                CsatSurvey(
                    customer_id=customers[0].id,
                    state="answered",
                    score=score,
                    answer_channel="sms",
                    answered_at=when,
                )
            )


async def test_figures_match_hand_computed_values(hub: Hub) -> None:
    await load_fixture(hub)
    async with hub.read() as session:
        report = await build_report(session, SINCE, UNTIL)
    assert report.conversations == [
        (date(2026, 11, 2), "sms", 3),
        (date(2026, 11, 2), "webchat", 1),
        (date(2026, 11, 3), "phone", 1),
        (date(2026, 11, 3), "webchat", 1),
    ]
    assert report.handoffs == [("webchat", "sms", 2), ("sms", "phone", 1), ("sms", "webchat", 1)]
    assert report.first_response_by_channel == {
        "phone": Percentiles(1, 0, 0),
        "sms": Percentiles(2, 1200, 1800),
        "webchat": Percentiles(1, 300, 300),
    }
    assert report.first_response_by_agent == {
        "Ann": Percentiles(2, 300, 1800),
        "Bob": Percentiles(2, 0, 1200),
    }
    assert report.resolution_by_channel == {
        "phone": Percentiles(1, 600, 600),
        "sms": Percentiles(1, 79200, 79200),
        "webchat": Percentiles(1, 3600, 3600),
    }
    assert report.resolution_by_agent == {
        "Ann": Percentiles(1, 3600, 3600),
        "Bob": Percentiles(2, 600, 79200),
    }
    assert report.csat == [(date(2026, 11, 2), 4.5, 2), (date(2026, 11, 3), 2.0, 1)]
    assert report.csat_average == 3.67
    assert report.days == [date(2026, 11, 2), date(2026, 11, 3)]

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert len(rows) == 4 + 3 + 3 + 2 + 3 + 2 + 2
    assert {"figure": "handoffs", "from": "webchat", "to": "sms", "count": "2"}.items() <= rows[
        4
    ].items()
    text = report_text(report)
    assert "webchat → sms" in text and "22h 00m" in text and "4.50" in text

    charts = report_charts(report)
    assert set(charts) == {"conversations", "handoffs", "csat"}
    assert all(svg.startswith("<svg") and svg.endswith("</svg>") for svg in charts.values())
    assert charts["conversations"].count("<rect") >= 4


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7
    assert percentile([4, 1, 3, 2], 50) == 2
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 12)), 90) == 10


def test_parse_since() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert parse_since("30d", now=now) == datetime(2026, 10, 26, 12, tzinfo=UTC)
    assert parse_since("12h", now=now) == datetime(2026, 11, 25, tzinfo=UTC)
    assert parse_since("2026-11-01", now=now) == datetime(2026, 11, 1, tzinfo=UTC)


def test_chart_labels_are_escaped() -> None:
    evil = '<script>alert("x")</script>'
    svgs = [
        bar_chart([evil], {evil: [3.0]}, title=evil),
        line_chart([evil], [4.0], title=evil),
        flow_chart([(evil, "sms", 2)], title=evil),
    ]
    for svg in svgs:
        assert "<script" not in svg
        assert "&lt;script&gt;alert(&quot;x&quot;)" in svg
    assert "No data" in bar_chart([], {}, title="t")
    assert "No data" in flow_chart([], title="t")
