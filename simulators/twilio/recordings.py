"""The Recordings of a live call: ``POST /Calls/{Sid}/Recordings.json`` starts one.

Records what was asked (``RecordingChannels``, status callback), answers Twilio's JSON,
then, after ``callback_delay``, posts a signed recording status callback with
``RecordingStatus=completed``, ``RecordingSid``, ``RecordingUrl``,
``RecordingDuration`` and ``RecordingChannels`` (2 for ``dual``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.twilio.core import API_VERSION, Simulator, new_sid, twilio_error
from simulators.twilio.resource import ACCOUNT_PATH, Resource
from simulators.twilio.voice import CallsResource

SIMULATED_SECONDS = 42


@dataclass
class SimulatedRecording:
    sid: str
    account_sid: str
    call_sid: str
    channels: int
    status_callback: str | None

    @property
    def url(self) -> str:
        return f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{self.sid}"

    def to_json(self) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "call_sid": self.call_sid,
            "channels": self.channels,
            "sid": self.sid,
            "source": "StartCallRecordingAPI",
            "status": "in-progress",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.call_sid}"
            f"/Recordings/{self.sid}.json",
        }


class RecordingsResource(Resource):
    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.recordings: list[SimulatedRecording] = []

    def routes(self) -> Sequence[BaseRoute]:
        path = f"{ACCOUNT_PATH}/Calls/{{call_sid}}/Recordings.json"
        return [Route(path, self.start, methods=["POST"])]

    async def start(self, request: Request) -> Response:
        account_sid = request.path_params["account_sid"]
        if (denied := self.sim.authorize(request, account_sid)) is not None:
            return denied
        call_sid = request.path_params["call_sid"]
        if self.sim.resource(CallsResource).find(call_sid) is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        form = await request.form()
        recording = SimulatedRecording(
            sid=new_sid("RE"),
            account_sid=account_sid,
            call_sid=call_sid,
            channels=2 if form.get("RecordingChannels") == "dual" else 1,
            status_callback=str(form["RecordingStatusCallback"])
            if form.get("RecordingStatusCallback")
            else None,
        )
        self.recordings.append(recording)
        self.sim.background(self._complete(recording))
        return JSONResponse(recording.to_json(), status_code=201)

    async def _complete(self, recording: SimulatedRecording) -> None:
        await asyncio.sleep(self.sim.callback_delay)
        if recording.status_callback:
            await self.sim.post_webhook(
                recording.status_callback,
                {
                    "AccountSid": recording.account_sid,
                    "CallSid": recording.call_sid,
                    "RecordingSid": recording.sid,
                    "RecordingUrl": recording.url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(SIMULATED_SECONDS),
                    "RecordingChannels": str(recording.channels),
                    "RecordingSource": "StartCallRecordingAPI",
                },
            )
