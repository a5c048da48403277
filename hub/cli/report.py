"""``hub report --since 30d``: the reports page's figures as text tables (or CSV)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from hub.cli.common import fail, run_with_hub
from hub.core import Hub
from hub.queries.reports import build_report, parse_since
from hub.reports.formats import report_csv, report_text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("report", help="print team figures for a date range")
    parser.add_argument(
        "--since", default="30d", help="start: 30d, 12h, 2w or a date (default 30d)"
    )
    parser.add_argument("--until", default=None, help="end: a date or time (default now)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of tables")
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    try:
        since = parse_since(args.since, now=now)
        until = parse_since(args.until, now=now) if args.until else now
    except ValueError as exc:
        return fail(str(exc))
    if until <= since:
        return fail("--until must be after --since")

    async def run(hub: Hub) -> str:
        async with hub.read() as session:
            report = await build_report(session, since, until)
        return report_csv(report) if args.csv else report_text(report)

    sys.stdout.write(run_with_hub(run))
    return 0
