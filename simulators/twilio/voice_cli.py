"""``hub simulate call``: phone the hub as a customer would, through signed voice webhooks.

Posts what Twilio posts during an incoming call, in order, to the hub at
``HUB_PUBLIC_URL`` signed with ``TWILIO_AUTH_TOKEN``: the incoming call, the handoff
code when the hub asks for one (``--digits``; repeat it to try another code), status
updates (in-progress, then completed with a duration), and for a voicemail the
recording and its transcription. It follows the URLs in the hub's TwiML answers.

A caller the hub puts in the queue waits there for ``--wait`` seconds (real time: the
wait URL is requested once per round of music, with the ``QueueTime`` so far), then
hangs up, or with ``--callback`` presses 2 for a callback and leaves the queue; the hub
may send them to voicemail first once the maximum wait is reached. A caller put
through to an agent stays on the line for ``--talk`` seconds (keeping that agent busy).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.settings import Settings
from simulators.twilio.core import API_VERSION, new_sid

MAX_GATHERS = 5
# Seconds between two requests of the queue's wait URL (one round of hold music).
WAIT_ROUND_SECONDS = 5.0
CALLBACK_DIGIT = "2"


@dataclass(frozen=True)
class Step:
    """One webhook posted: where, the HTTP status, and the TwiML verbs answered."""

    path: str
    status: int
    verbs: tuple[str, ...]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    call = subparsers.add_parser(
        "call", help="phone the hub through signed voice webhooks at HUB_PUBLIC_URL"
    )
    call.add_argument("--from", dest="caller", required=True, help="caller number, E.164")
    call.add_argument("--to", help="the hub's number (default TWILIO_VOICE_NUMBER)")
    call.add_argument(
        "--digits", action="append", default=[], help="handoff code to key in (repeatable)"
    )
    call.add_argument("--sid", help="CallSid to use (repeat one to test replays)")
    call.add_argument("--duration", type=int, default=42, help="seconds the call lasts")
    call.add_argument(
        "--message", default="Hi, please call me back about my order.", help="voicemail text"
    )
    call.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="if queued: seconds to wait in the queue before hanging up (or --callback)",
    )
    call.add_argument(
        "--callback",
        action="store_true",
        help="if queued: after --wait seconds press 2 to be called back instead",
    )
    call.add_argument(
        "--talk",
        type=float,
        default=0,
        metavar="SECONDS",
        help="if put through to an agent: seconds to stay on the line (the agent is busy)",
    )
    call.set_defaults(func=cmd_call)


class CallSimulation:
    """Drives one simulated incoming call against the hub."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        caller: str,
        *,
        to: str | None = None,
        sid: str | None = None,
    ) -> None:
        self.http = http
        self.settings = settings
        self.sid = sid or new_sid("CA")
        self.base = {
            "AccountSid": settings.twilio_account_sid or "",
            "ApiVersion": API_VERSION,
            "CallSid": self.sid,
            "Direction": "inbound",
            "From": caller,
            "To": to or settings.twilio_voice_number or "",
        }
        self.steps: list[Step] = []

    async def post(self, url: str, **params: str) -> ET.Element | None:
        """POST a signed webhook to ``url`` (absolute, or a path under the public URL)."""
        if url.startswith("/"):
            url = self.settings.public_url.rstrip("/") + url
        form = {**self.base, **params}
        headers = {SIGNATURE_HEADER: sign(self.settings, url, form)}
        response = await self.http.post(url, data=form, headers=headers)
        root = None
        if response.headers.get("content-type", "").startswith("text/xml"):
            root = ET.fromstring(response.text)
        verbs = tuple(child.tag for child in root) if root is not None else ()
        self.steps.append(Step(httpx.URL(url).path, response.status_code, verbs))
        response.raise_for_status()
        return root

    async def run(
        self,
        digits: list[str],
        *,
        duration: int,
        message: str,
        wait: float = 0,
        callback: bool = False,
        talk: float = 0,
    ) -> list[Step]:
        """The whole call, from ringing to completed (see the module for ``wait``,
        ``callback`` and ``talk``)."""
        root = await self.post("/twilio/voice", CallStatus="ringing")
        codes = list(digits)
        for _ in range(MAX_GATHERS):
            gather = root.find("Gather") if root is not None else None
            if gather is None:
                break
            code = codes.pop(0) if codes else ""
            root = await self.post(gather.get("action", ""), CallStatus="in-progress", Digits=code)
        await self.post("/twilio/voice/status", CallStatus="in-progress")
        enqueue = root.find("Enqueue") if root is not None else None
        if enqueue is not None:
            root = await self._queue(enqueue, wait, callback)
        if root is not None and root.find("Dial") is not None:
            dial = root.find("Dial")
            assert dial is not None
            await asyncio.sleep(talk)
            await self.post(
                dial.get("action", "/twilio/voice/dialed"),
                CallStatus="in-progress",
                DialCallStatus="completed",
                DialCallDuration=str(duration),
            )
        record = root.find("Record") if root is not None else None
        if record is not None:
            await self._voicemail(record, duration, message)
        await self.post("/twilio/voice/status", CallStatus="completed", CallDuration=str(duration))
        return self.steps

    async def _queue(self, enqueue: ET.Element, wait: float, callback: bool) -> ET.Element | None:
        """Wait in the queue: the wait URL once per round of music for ``wait`` seconds,
        then hang up, or press 2 (``callback``); ``<Leave/>`` from the hub (the maximum
        wait) ends the wait too. Returns the hub's answer to the Enqueue action."""
        waited = 0.0
        result = "hangup"
        while True:
            music = await self.post(
                enqueue.get("waitUrl", "/twilio/voice/wait"),
                CallStatus="in-progress",
                QueueTime=str(int(waited)),
                QueuePosition="1",
            )
            if music is not None and music.find("Leave") is not None:
                result = "leave"
                break
            if waited >= wait:
                gather = music.find("Gather") if music is not None else None
                if callback and gather is not None:
                    pressed = await self.post(
                        gather.get("action", ""), CallStatus="in-progress", Digits=CALLBACK_DIGIT
                    )
                    if pressed is not None and pressed.find("Leave") is not None:
                        result = "leave"
                break
            pause = min(WAIT_ROUND_SECONDS, wait - waited)
            await asyncio.sleep(pause)
            waited += pause
        return await self.post(
            enqueue.get("action", "/twilio/voice/enqueued"),
            CallStatus="in-progress",
            QueueResult=result,
            QueueTime=str(int(waited)),
        )

    async def _voicemail(self, record: ET.Element, duration: int, message: str) -> None:
        recording_sid = new_sid("RE")
        account = self.base["AccountSid"]
        url = f"https://api.twilio.com/{API_VERSION}/Accounts/{account}/Recordings/{recording_sid}"
        recording = {
            "RecordingSid": recording_sid,
            "RecordingUrl": url,
            "RecordingDuration": str(duration),
            "RecordingStatus": "completed",
        }
        if record.get("action"):
            await self.post(record.get("action", ""), CallStatus="in-progress", **recording)
        if record.get("recordingStatusCallback"):
            await self.post(record.get("recordingStatusCallback", ""), **recording)
        if record.get("transcribeCallback"):
            await self.post(
                record.get("transcribeCallback", ""),
                RecordingSid=recording_sid,
                RecordingUrl=url,
                TranscriptionSid=new_sid("TR"),
                TranscriptionStatus="completed",
                TranscriptionText=message,
            )


def cmd_call(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.twilio_auth_token:
        print("hub: set TWILIO_AUTH_TOKEN to the hub's token to sign the webhooks", file=sys.stderr)
        return 2

    async def go() -> list[Step]:
        async with httpx.AsyncClient(timeout=10.0) as http:
            simulation = CallSimulation(http, settings, args.caller, to=args.to, sid=args.sid)
            try:
                return await simulation.run(
                    args.digits,
                    duration=args.duration,
                    message=args.message,
                    wait=max(0.0, args.wait),
                    callback=args.callback,
                    talk=max(0.0, args.talk),
                )
            finally:
                for step in simulation.steps:
                    print(f"{step.status} {step.path} {' '.join(step.verbs)}".rstrip())

    try:
        asyncio.run(go())
    except httpx.HTTPError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1
    return 0
