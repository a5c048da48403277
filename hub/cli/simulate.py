"""``hub simulate …``: stand-ins for providers, for development and demos.

Each module in ``SIMULATE_MODULES`` has a ``register(subparsers)`` adding one or
more ``hub simulate <what>`` commands; add a module there to add a simulation. The
CLI is, with ``hub.app``, the composition root: the only part of ``hub`` that may
import the development-only ``simulators`` package.
"""

from __future__ import annotations

import argparse
from types import ModuleType

from simulators.mail import cli as mail_cli
from simulators.twilio import cli as twilio_cli
from simulators.twilio import voice_cli, whatsapp_cli

SIMULATE_MODULES: list[ModuleType] = [
    twilio_cli,  # hub simulate twilio | sms
    voice_cli,  # hub simulate call
    whatsapp_cli,  # hub simulate whatsapp
    mail_cli,  # hub simulate email | mail-catcher
]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate = subparsers.add_parser(
        "simulate", help="simulate providers and customers (development and tests only)"
    )
    commands = simulate.add_subparsers(dest="simulation", required=True, metavar="WHAT")
    for module in SIMULATE_MODULES:
        module.register(commands)
