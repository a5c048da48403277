"""The phone channel: Twilio Voice webhooks plus the agent's browser phone endpoints.

Agents do not send text on this channel (``reply_kinds`` is empty); calls are
recorded on the customer's timeline by ``hub.actions.calls``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from starlette.routing import BaseRoute, Route

from connectors.base import Connector
from connectors.phone import confirm, twiml
from connectors.phone.callbacks import VoiceCallbacks
from connectors.phone.console import AgentPhone
from connectors.phone.ivr import IVR_CHOICE_PATH, OrderStatusIvr
from connectors.phone.live import LiveCalls
from connectors.phone.queue_callbacks import QueueCallbacks
from connectors.phone.recordings import CallRecordings
from connectors.phone.settings import PhoneSettings
from connectors.phone.transcripts import InvalidTranscriber, load_transcriber
from connectors.phone.wallboard import Wallboard
from connectors.twilio.checks import credential_problems, number_problems
from hub.checks import Problem, together_problems
from hub.port import HubPort
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.events import DomainEvent

TOKEN_PATH = "/phone/token"
CALLS_PATH = "/phone/calls"
QUEUE_PATH = "/phone/queue"
ANSWER_PATH = "/phone/queue/answer"
NEXT_PATH = "/phone/queue/next"
WALLBOARD_PATH = "/phone/wallboard"
HOLD_PATH = "/phone/calls/{sid}/hold"
TRANSFER_PATH = "/phone/calls/{sid}/transfer"
COMPLETE_PATH = "/phone/calls/{sid}/transfer/complete"
TARGETS_PATH = "/phone/transfer-targets"


class PhoneConnector(Connector):
    channel: ClassVar[str] = "phone"
    reply_kinds: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = "Phone"
    # The Twilio Voice JavaScript SDK (vendored by the Makefile) and the softphone.
    console_scripts: ClassVar[tuple[str, ...]] = (
        "/static/vendor/twilio.min.js",
        "/static/phone.js",
    )

    def __init__(self, port: HubPort) -> None:
        super().__init__(port)
        self.callbacks = VoiceCallbacks(self)
        self.agents = AgentPhone(self)
        self.live = LiveCalls(self)
        self.queue_callbacks = QueueCallbacks(self)
        self.recordings = CallRecordings(self)
        self.ivr = OrderStatusIvr(self)
        self.wallboard = Wallboard(self)

    async def shutdown(self) -> None:
        await self.live.shutdown()

    async def on_event(self, event: DomainEvent) -> None:
        self.live.on_event(event)
        self.wallboard.on_event(event)

    @classmethod
    async def check(cls, settings: Settings) -> Sequence[Problem]:
        browser_phone = {
            "TWILIO_API_KEY_SID": settings.twilio_api_key_sid,
            "TWILIO_API_KEY_SECRET": settings.twilio_api_key_secret,
            "TWILIO_TWIML_APP_SID": settings.twilio_twiml_app_sid,
        }
        return [
            *credential_problems(settings),
            *number_problems(settings, "TWILIO_VOICE_NUMBER", settings.twilio_voice_number),
            *together_problems(browser_phone, "agents' browser phone"),
            *(
                Problem(variable, message, fatal=False)
                for variable, message in PhoneSettings.problems(settings)
            ),
            *_transcriber_problems(settings),
        ]

    def routes(self) -> Sequence[BaseRoute]:
        hooks = self.callbacks
        return [
            Route(twiml.VOICE_PATH, hooks.incoming, methods=["POST"]),
            Route(twiml.STATUS_PATH, hooks.status, methods=["POST"]),
            Route(twiml.GATHER_PATH, hooks.gather, methods=["POST"]),
            Route(confirm.CONFIRM_PATH, partial(confirm.confirmed, hooks), methods=["POST"]),
            Route(twiml.RECORDING_PATH, hooks.recording, methods=["POST"]),
            Route(twiml.TRANSCRIPTION_PATH, hooks.transcription, methods=["POST"]),
            Route(twiml.DIALED_PATH, hooks.dialed, methods=["POST"]),
            Route(twiml.WAIT_PATH, hooks.wait, methods=["POST"]),
            Route(twiml.BRIDGE_PATH, hooks.bridge, methods=["POST"]),
            Route(twiml.CLIENT_PATH, hooks.client, methods=["POST"]),
            Route(twiml.DEQUEUED_PATH, hooks.dequeued, methods=["POST"]),
            Route(twiml.ENQUEUED_PATH, hooks.enqueued, methods=["POST"]),
            Route(twiml.AGENT_QUEUE_PATH, hooks.agent_queue, methods=["POST"]),
            Route(twiml.JOIN_PATH, self.live.join, methods=["POST"]),
            Route(twiml.LEG_PATH, self.live.leg, methods=["POST"]),
            Route(twiml.CALLBACK_CHOICE_PATH, self.queue_callbacks.choice, methods=["POST"]),
            Route(NEXT_PATH, self.queue_callbacks.next, methods=["POST"]),
            Route(WALLBOARD_PATH, self.wallboard.get, methods=["GET"]),
            Route(twiml.CALL_RECORDING_PATH, self.recordings.completed, methods=["POST"]),
            Route(IVR_CHOICE_PATH, self.ivr.choice, methods=["POST"]),
            Route(HOLD_PATH, self.live.hold, methods=["POST"]),
            Route(TRANSFER_PATH, self.live.transfer, methods=["POST"]),
            Route(COMPLETE_PATH, self.live.complete, methods=["POST"]),
            Route(TARGETS_PATH, self.live.targets, methods=["GET"]),
            Route(TOKEN_PATH, self.agents.token, methods=["GET"]),
            Route(CALLS_PATH, self.agents.call, methods=["POST"]),
            Route(QUEUE_PATH, self.agents.queue, methods=["GET"]),
            Route(ANSWER_PATH, self.agents.answer_next, methods=["POST"]),
        ]


def _transcriber_problems(settings: Settings) -> list[Problem]:
    try:
        load_transcriber(PhoneSettings.from_settings(settings).transcriber, settings)
    except InvalidTranscriber as exc:
        return [Problem("HUB_CALL_TRANSCRIBER", str(exc))]
    return []
