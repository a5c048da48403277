"""A loopback Twilio for development and tests — never for production.

It speaks the parts of Twilio's REST API the hub's ``twilio`` client calls, records
what was sent, fails on demand and posts status callbacks signed exactly as Twilio
signs them. ``create_simulator_app`` builds it; ``serve_simulator`` runs it on a
loopback port; ``hub simulate twilio`` runs it from the command line.
"""

from simulators.twilio.app import RESOURCES, create_simulator_app
from simulators.twilio.core import Failure, Simulator
from simulators.twilio.server import RunningSimulator, serve_simulator

__all__ = [
    "RESOURCES",
    "Failure",
    "RunningSimulator",
    "Simulator",
    "create_simulator_app",
    "serve_simulator",
]
