"""The Conferences resource: rooms, their participants, hold and removal.

Twilio creates a conference when the first call executes ``<Dial><Conference>NAME``;
the simulator does the same from the TwiML the application answers a call's Url with
(``Simulator.twiml_listeners``), and tests put an incoming caller in the room the
hub's voice webhook answered with ``execute(call_sid, twiml)``. The REST side serves
what the ``twilio`` client calls: list conferences by ``FriendlyName``/``Status``,
list participants, update one (``Hold``, ``HoldUrl``, ``Muted``) and remove one (which
hangs up its call, as Twilio does). A room ends when its last participant leaves, or
when a participant with ``endConferenceOnExit`` leaves.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.twilio.core import API_VERSION, Simulator, new_sid, twilio_error
from simulators.twilio.resource import ACCOUNT_PATH, Resource
from simulators.twilio.voice import CallsResource


@dataclass
class SimulatedParticipant:
    call_sid: str
    label: str | None = None
    hold: bool = False
    muted: bool = False
    end_conference_on_exit: bool = False
    # Every update the application made: {"Hold": "true", "HoldUrl": ...}.
    updates: list[dict[str, str]] = field(default_factory=list)


@dataclass
class SimulatedConference:
    sid: str
    account_sid: str
    friendly_name: str
    status: str = "in-progress"
    participants: dict[str, SimulatedParticipant] = field(default_factory=dict)
    # Everyone who ever joined, in order (CallSid).
    joined: list[str] = field(default_factory=list)
    # CallSids removed by the application (REST delete), in order.
    removed: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "date_created": format_datetime(self.created_at, usegmt=True),
            "date_updated": format_datetime(self.created_at, usegmt=True),
            "friendly_name": self.friendly_name,
            "region": "us1",
            "sid": self.sid,
            "status": self.status,
            "uri": uri,
        }

    def participant_json(self, p: SimulatedParticipant) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "call_sid": p.call_sid,
            "conference_sid": self.sid,
            "label": p.label,
            "hold": p.hold,
            "muted": p.muted,
            "coaching": False,
            "end_conference_on_exit": p.end_conference_on_exit,
            "start_conference_on_enter": True,
            "status": "connected",
            "uri": f"{base}/Participants/{p.call_sid}.json",
        }


class ConferencesResource(Resource):
    """``/Conferences.json``, ``/Conferences/{Sid}/Participants[/{CallSid}].json``."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.conferences: list[SimulatedConference] = []
        sim.twiml_listeners.append(self.execute)

    def routes(self) -> Sequence[BaseRoute]:
        room = f"{ACCOUNT_PATH}/Conferences/{{sid}}"
        return [
            Route(f"{ACCOUNT_PATH}/Conferences.json", self.list, methods=["GET"]),
            Route(f"{room}/Participants.json", self.participants, methods=["GET"]),
            Route(f"{room}/Participants/{{call_sid}}.json", self.update, methods=["POST"]),
            Route(f"{room}/Participants/{{call_sid}}.json", self.remove, methods=["DELETE"]),
        ]

    # -- state ---------------------------------------------------------------------

    def room(self, friendly_name: str) -> SimulatedConference | None:
        """The live conference called ``friendly_name``, if any."""
        return next(
            (
                c
                for c in self.conferences
                if c.friendly_name == friendly_name and c.status == "in-progress"
            ),
            None,
        )

    def join(
        self, friendly_name: str, call_sid: str, *, label: str | None = None, ends: bool = False
    ) -> SimulatedConference:
        conference = self.room(friendly_name)
        if conference is None:
            conference = SimulatedConference(new_sid("CF"), self.sim.account_sid, friendly_name)
            self.conferences.append(conference)
        conference.participants[call_sid] = SimulatedParticipant(
            call_sid, label=label, end_conference_on_exit=ends
        )
        conference.joined.append(call_sid)
        return conference

    def leave(self, conference: SimulatedConference, call_sid: str) -> None:
        participant = conference.participants.pop(call_sid, None)
        if participant is not None and participant.end_conference_on_exit:
            for other in list(conference.participants):
                conference.participants.pop(other)
                self.sim.resource(CallsResource).hang_up(other)
        if not conference.participants:
            conference.status = "completed"

    def execute(self, call_sid: str, twiml: str) -> None:
        """Twilio running ``twiml`` for ``call_sid``: a ``<Dial><Conference>`` joins it."""
        try:
            root = ET.fromstring(twiml)
        except ET.ParseError:
            return
        node = root.find("Dial/Conference")
        if node is None or not (node.text or "").strip():
            return
        self.join(
            node.text.strip(),  # type: ignore[union-attr]
            call_sid,
            label=node.get("participantLabel"),
            ends=node.get("endConferenceOnExit") == "true",
        )

    # -- handlers ------------------------------------------------------------------

    def _find(self, request: Request) -> SimulatedConference | Response:
        if (denied := self.sim.authorize(request, request.path_params["account_sid"])) is not None:
            return denied
        sid = request.path_params["sid"]
        found = next((c for c in self.conferences if sid in (c.sid, c.friendly_name)), None)
        if found is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        return found

    async def list(self, request: Request) -> Response:
        account_sid = request.path_params["account_sid"]
        if (denied := self.sim.authorize(request, account_sid)) is not None:
            return denied
        query = request.query_params
        found = [
            c
            for c in reversed(self.conferences)
            if query.get("FriendlyName") in (None, c.friendly_name)
            and query.get("Status") in (None, c.status)
        ]
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Conferences.json"
        return JSONResponse(_page("conferences", [c.to_json() for c in found], uri))

    async def participants(self, request: Request) -> Response:
        conference = self._find(request)
        if isinstance(conference, Response):
            return conference
        items = [conference.participant_json(p) for p in conference.participants.values()]
        uri = f"/{API_VERSION}/Accounts/{conference.account_sid}/Conferences/{conference.sid}"
        return JSONResponse(_page("participants", items, f"{uri}/Participants.json"))

    async def update(self, request: Request) -> Response:
        """``Hold`` (with ``HoldUrl`` for the music) and ``Muted``."""
        conference = self._find(request)
        if isinstance(conference, Response):
            return conference
        participant = conference.participants.get(request.path_params["call_sid"])
        if participant is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        form = await request.form()
        participant.updates.append({k: str(v) for k, v in form.items()})
        if "Hold" in form:
            participant.hold = str(form["Hold"]).lower() == "true"
        if "Muted" in form:
            participant.muted = str(form["Muted"]).lower() == "true"
        return JSONResponse(conference.participant_json(participant))

    async def remove(self, request: Request) -> Response:
        """Kick a participant: its call hangs up."""
        conference = self._find(request)
        if isinstance(conference, Response):
            return conference
        call_sid = request.path_params["call_sid"]
        if call_sid not in conference.participants:
            return twilio_error(404, 20404, "The requested resource was not found")
        conference.removed.append(call_sid)
        self.leave(conference, call_sid)
        self.sim.resource(CallsResource).hang_up(call_sid)
        return Response(status_code=204)


def _page(key: str, items: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {
        key: items,
        "first_page_uri": f"{uri}?PageSize=50&Page=0",
        "next_page_uri": None,
        "previous_page_uri": None,
        "page": 0,
        "page_size": 50,
        "start": 0,
        "end": max(0, len(items) - 1),
        "uri": f"{uri}?PageSize=50&Page=0",
    }
