"""``hub check``: the configuration, checked the way ``hub serve`` checks it at start."""

from __future__ import annotations

import argparse
import asyncio

from hub.checks.runner import problems, report, run_checks
from hub.cli.common import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser(
        "check", help="validate the configuration; plain-words report, exit 1 on a problem"
    )
    check.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 1
    outcomes = asyncio.run(run_checks(settings))
    print(report(outcomes))
    return 1 if problems(outcomes) else 0
