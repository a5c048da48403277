"""The Calls resource: create (click-to-call) and fetch, with call progress callbacks.

Create accepts what the ``twilio`` client sends (To, From, Url or Twiml,
StatusCallback, StatusCallbackEvent...), records the call as ``queued`` and answers
201 with Twilio's JSON. The call then progresses in the background the way Twilio's
does: ``initiated`` → ``ringing`` → ``answered`` (the simulator requests ``Url``, signed,
and keeps the answer's HTTP status) → ``completed``, posting a signed status callback for
each event asked for in ``StatusCallbackEvent`` (default: ``completed`` only).
``set_outcome`` makes calls to a number end ``busy``, ``no-answer`` or ``failed``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.twilio.core import API_VERSION, new_sid, twilio_error
from simulators.twilio.resource import ACCOUNT_PATH, Resource

DEFAULT_EVENTS = ("completed",)
# Call progress: (StatusCallbackEvent name, CallStatus reported).
PROGRESS = (("initiated", "queued"), ("ringing", "ringing"), ("answered", "in-progress"))
SIMULATED_DURATION = 1


@dataclass
class SimulatedCall:
    """One call the simulator placed, as Twilio would hold it."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    events: tuple[str, ...]
    status: str = "queued"
    duration: int | None = None
    # The HTTP status the application answered ``url`` with when the call was picked up.
    url_status: int | None = None
    direction: str = "outbound-api"
    # What the application asked of the live call (``POST /Calls/{Sid}.json``).
    updates: list[dict[str, str]] = field(default_factory=list)
    # Set when the call is hung up (stay-open calls wait for it).
    ended: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "answered_by": None,
            "caller_name": None,
            "date_created": format_datetime(self.created_at, usegmt=True),
            "date_updated": format_datetime(self.updated_at, usegmt=True),
            "direction": self.direction,
            "duration": str(self.duration) if self.duration is not None else None,
            "from": self.from_,
            "from_formatted": self.from_,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "to": self.to,
            "to_formatted": self.to,
            "uri": uri,
        }


class CallsResource(Resource):
    """``/2010-04-01/Accounts/{Sid}/Calls.json`` and ``/Calls/{Sid}.json``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[SimulatedCall] = []
        # To-address -> final status instead of "completed" (busy, no-answer, failed).
        self.outcomes: dict[str, str] = {}
        # When True, answered calls stay in progress until hung up (an update with
        # Status=completed, or removed from a conference) instead of ending at once.
        self.stay_open = False

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route(f"{ACCOUNT_PATH}/Calls.json", self.create, methods=["POST"]),
            Route(f"{ACCOUNT_PATH}/Calls/{{sid}}.json", self.fetch, methods=["GET"]),
            Route(f"{ACCOUNT_PATH}/Calls/{{sid}}.json", self.update, methods=["POST"]),
        ]

    def incoming(self, from_: str, to: str) -> SimulatedCall:
        """A caller ringing the application's number (the test then posts the voice
        webhooks for it); in progress until hung up, so it can be updated."""
        call = SimulatedCall(
            sid=new_sid("CA"),
            account_sid=self.sim.account_sid,
            to=to,
            from_=from_,
            url=None,
            twiml=None,
            status_callback=None,
            events=(),
            status="in-progress",
            direction="inbound",
        )
        self.calls.append(call)
        return call

    def hang_up(self, sid: str) -> None:
        call = self.find(sid)
        if call is not None:
            call.ended.set()
            if call.direction == "inbound":
                self._set(call, "completed")

    async def update(self, request: Request) -> Response:
        """``POST …/Calls/{Sid}.json``: new ``Twiml``/``Url`` for a live call (recorded
        in ``updates``; new ``Twiml`` runs, e.g. into a conference) or
        ``Status=completed`` to hang it up."""
        if (denied := self.sim.authorize(request, request.path_params["account_sid"])) is not None:
            return denied
        call = self.find(request.path_params["sid"])
        if call is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        form = await request.form()
        call.updates.append({k: str(v) for k, v in form.items()})
        if form.get("Status") in ("completed", "canceled"):
            self.hang_up(call.sid)
        elif form.get("Twiml"):
            for listener in self.sim.twiml_listeners:  # the call runs its new TwiML
                listener(call.sid, str(form["Twiml"]))
        return JSONResponse(call.to_json())

    def set_outcome(self, to: str, status: str) -> None:
        """Calls to ``to`` end ``status`` ("busy", "no-answer" or "failed")."""
        self.outcomes[to] = status

    def validate(self, form: FormData) -> tuple[int, str] | None:
        return _invalid(form)

    def find(self, sid: str) -> SimulatedCall | None:
        return next((c for c in self.calls if c.sid == sid), None)

    def accept(self, account_sid: str, form: FormData) -> SimulatedCall:
        events = tuple(str(e) for e in form.getlist("StatusCallbackEvent")) or DEFAULT_EVENTS
        call = SimulatedCall(
            sid=new_sid("CA"),
            account_sid=account_sid,
            to=str(form.get("To", "")),
            from_=str(form.get("From", "")),
            url=str(form["Url"]) if form.get("Url") else None,
            twiml=str(form["Twiml"]) if form.get("Twiml") else None,
            status_callback=str(form["StatusCallback"]) if form.get("StatusCallback") else None,
            events=events,
        )
        self.calls.append(call)
        self.sim.background(self._progress(call))
        return call

    async def _progress(self, call: SimulatedCall) -> None:
        final = self.outcomes.get(call.to, "completed")
        for event, status in PROGRESS:
            if event == "answered" and final != "completed":
                break
            await asyncio.sleep(self.sim.callback_delay)
            self._set(call, status)
            if event == "answered" and call.url:
                await self._answer(call)
            await self._notify(call, event)
        if self.stay_open and final == "completed":
            await call.ended.wait()
        await asyncio.sleep(self.sim.callback_delay)
        call.duration = SIMULATED_DURATION if final == "completed" else 0
        self._set(call, final)
        await self._notify(call, "completed")

    async def _answer(self, call: SimulatedCall) -> None:
        assert call.url is not None
        call.url_status = await self.sim.post_twiml(call.sid, call.url, _params(call))

    async def _notify(self, call: SimulatedCall, event: str) -> None:
        if call.status_callback and event in call.events:
            params = _params(call)
            params["CallbackSource"] = "call-progress-events"
            if call.duration is not None:
                params["CallDuration"] = str(call.duration)
            await self.sim.post_webhook(call.status_callback, params)

    @staticmethod
    def _set(call: SimulatedCall, status: str) -> None:
        call.status = status
        call.updated_at = datetime.now(UTC)


def _invalid(form: FormData) -> tuple[int, str] | None:
    """Twilio's 400 for a create it would refuse, as (code, message)."""
    if not form.get("To"):
        return 21201, "No 'To' number is specified"
    if not form.get("From"):
        return 21213, "No 'From' number is specified"
    if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
        return 21205, "Url parameter is required."
    return None


def _params(call: SimulatedCall) -> dict[str, str]:
    """The form Twilio posts to a call's Url and StatusCallback."""
    return {
        "AccountSid": call.account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call.sid,
        "CallStatus": call.status,
        "Direction": "outbound-api",
        "From": call.from_,
        "To": call.to,
    }
