"""The ``hub`` command. Each sub-command lives in its own module with a ``register``
function; add a module to ``COMMAND_MODULES`` to add a command. Commands raise
``HubError`` for a refusal; ``main`` answers it (the message on stderr, exit 2)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hub.cli.common import fail
from hub.errors import HubError

COMMAND_MODULES = [
    "hub.cli.serve",
    "hub.cli.check",
    "hub.cli.admin",
    "hub.cli.demo",
    "hub.cli.report",
    "hub.cli.imports",
    "hub.cli.subscriptions",
    "hub.cli.simulate",
    "hub.cli.customer",
    "hub.cli.terminal",
    "hub.cli.commerce",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub", description="Omnichannel support hub: one thread per customer."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except HubError as exc:
        return fail(exc.message)
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
