"""``hub simulate …``: stand-ins for providers, for development and demos.

Each module in ``SIMULATE_MODULES`` has a ``register(subparsers)`` adding one or
more ``hub simulate <what>`` commands; add a module there to add a simulation.
"""

from __future__ import annotations

import argparse
import importlib

SIMULATE_MODULES = [
    "connectors.simulator.cli",  # hub simulate twilio | sms
    "connectors.simulator.voice_cli",  # hub simulate call
    "simulators.mail.cli",  # hub simulate email | mail-catcher
]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate = subparsers.add_parser(
        "simulate", help="simulate providers and customers (development and tests only)"
    )
    commands = simulate.add_subparsers(dest="simulation", required=True, metavar="WHAT")
    for name in SIMULATE_MODULES:
        importlib.import_module(name).register(commands)
