"""The IVR that knows the thread, on the phone (``hub.actions.ivr_calls``): a caller
whose number is carrier-verified and who has an open order hears its status first
("Your order W-10421 is ready for pickup at Downtown.") and presses 0 to talk to
someone; nobody else hears anything about orders.

``POST /twilio/voice/ivr-choice`` (signed) takes the key: 0 routes the call as usual
(agent, queue or voicemail); anything else, or nothing, ends it politely. The digit is
0, the usual "operator" key, distinct from 1 (the recent-chat confirmation, asked of
unknown callers only) and 2 (the queue's callback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from twilio.twiml.voice_response import VoiceResponse

from connectors.phone import twiml
from connectors.twilio.signatures import verified_form
from hub.core import UnitOfWork
from hub.settings import Settings
from hub.types import Inbound

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

IVR_CHOICE_PATH = "/twilio/voice/ivr-choice"
TALK_DIGIT = "0"
CHOICE_SECONDS = 6


def order_status_prompt(settings: Settings, hello: str, said: str) -> VoiceResponse:
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        action=twiml.callback_url(settings, IVR_CHOICE_PATH),
        method="POST",
        timeout=CHOICE_SECONDS,
    )
    gather.say(f"{hello} {said} Press {TALK_DIGIT} to talk to someone.")
    response.say("Thank you for calling. Goodbye.")
    response.hangup()
    return response


class OrderStatusIvr:
    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.hub = connector.hub
        self.settings = connector.hub.settings
        self.channel = connector.channel

    async def prompt_for(self, uow: UnitOfWork, inbound: Inbound) -> VoiceResponse | None:
        """The order-status TwiML for a verified caller with an open order (the call is
        recorded, not routed yet), else None (route as usual)."""
        told = await self.connector.port.phone.order_status(uow, inbound)
        if told is None:
            return None
        first_name, said = told
        return order_status_prompt(self.settings, twiml.greeting(first_name), said)

    async def choice(self, request: Request) -> Response:
        """``POST /twilio/voice/ivr-choice``."""
        form = await verified_form(request, self.settings)
        if str(form.get("Digits", "")).strip() != TALK_DIGIT:
            return twiml.twiml_response(twiml.goodbye())
        answer = await self.connector.port.phone.route_held_call(
            self.channel, str(form.get("CallSid", ""))
        )
        if answer is None:
            return twiml.twiml_response(twiml.goodbye())
        return twiml.twiml_response(twiml.answer_call(self.settings, answer))
