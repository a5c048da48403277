"""The base of a simulated Twilio REST resource.

To add one (e.g. Calls): subclass ``Resource`` in ``simulators/twilio/<name>.py``,
implement ``validate``/``accept``/``find`` (the shared ``create`` and ``fetch``
handlers use them, with Basic auth and failures-on-demand), return its Starlette
routes from ``routes()`` (paths under ``ACCOUNT_PATH``), and add the class to
``RESOURCES`` in ``simulators/twilio/app.py``. Tests reach the instance with
``simulator.resource(MyResource)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from simulators.twilio.core import API_VERSION, Simulator, twilio_error

ACCOUNT_PATH = f"/{API_VERSION}/Accounts/{{account_sid}}"


class Record(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class Resource:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def routes(self) -> Sequence[BaseRoute]:
        return ()

    def validate(self, form: FormData) -> tuple[int, str] | None:
        """Twilio's ``(error code, message)`` for an invalid create request, else None."""
        return None

    def accept(self, account_sid: str, form: FormData) -> Record:
        """Record a valid create request and return the new instance."""
        raise NotImplementedError

    def find(self, sid: str) -> Record | None:
        return None

    async def create(self, request: Request) -> Response:
        """``POST …/<Resource>.json``. A failure set up on the simulator answers instead;
        an "accepted but answer lost" failure still records a valid request."""
        account_sid = request.path_params["account_sid"]
        if (denied := self.sim.authorize(request, account_sid)) is not None:
            return denied
        form = await request.form()
        invalid = self.validate(form)
        failure = self.sim.take_failure()
        if failure is not None:

            async def carry_out() -> None:
                if invalid is None:
                    self.accept(account_sid, form)

            return await self.sim.answer_failure(failure, carry_out)
        if invalid is not None:
            return twilio_error(400, *invalid)
        return JSONResponse(self.accept(account_sid, form).to_json(), status_code=201)

    async def fetch(self, request: Request) -> Response:
        """``GET …/<Resource>/{Sid}.json``."""
        if (denied := self.sim.authorize(request, request.path_params["account_sid"])) is not None:
            return denied
        record = self.find(request.path_params["sid"])
        if record is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        return JSONResponse(record.to_json())
