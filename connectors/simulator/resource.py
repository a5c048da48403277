"""The base of a simulated Twilio REST resource.

To add one (e.g. Calls): subclass ``Resource`` in ``connectors/simulator/<name>.py``,
return its Starlette routes from ``routes()`` (paths under ``ACCOUNT_PATH``), and add
the class to ``RESOURCES`` in ``connectors/simulator/app.py``. Tests reach the
instance with ``simulator.resource(MyResource)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute

from connectors.simulator.core import API_VERSION, Simulator

ACCOUNT_PATH = f"/{API_VERSION}/Accounts/{{account_sid}}"


class Resource:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def routes(self) -> Sequence[BaseRoute]:
        return ()
