"""The IVR that knows the thread, on the phone (``hub.actions.ivr_calls``): a caller
whose number is carrier-verified and who has an open order hears its status first
("Your order W-10421 is ready for pickup at Downtown.") and presses 0 to talk to
someone; nobody else hears anything about orders.

``POST /twilio/voice/ivr-choice`` (signed) takes the key: 0 routes the call as usual
(agent, queue or voicemail), 2 books a callback; anything else, or nothing, ends it
politely. The digit is 0, the usual "operator" key, distinct from 1 (the recent-chat
confirmation, asked of unknown callers only); 2 is the callback, as in the queue.
The dialled number's phone menu (``HubPort.phone.call_menu``) says whether the status is
told at all and which of 0 and 2 are offered; with neither, the status ends the call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from twilio.twiml.voice_response import VoiceResponse

from connectors.phone import twiml
from connectors.twilio.signatures import verified_form
from hub.port.phone import CallMenu
from hub.settings import Settings

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

IVR_CHOICE_PATH = "/twilio/voice/ivr-choice"
TALK_DIGIT = "0"
CHOICE_SECONDS = 6


def order_status_prompt(
    settings: Settings, hello: str, said: str, menu: CallMenu | None = None
) -> VoiceResponse:
    """The status, then the options ``menu`` offers (0 to talk to someone, 2 to be
    called back), then goodbye."""
    menu = menu or CallMenu()
    offers = [f"Press {TALK_DIGIT} to talk to someone."] if menu.talk_to_someone else []
    if menu.status_callback:
        offers.append(f"Press {twiml.CALLBACK_DIGIT} to be called back.")
    response = VoiceResponse()
    if offers:
        gather = response.gather(
            input="dtmf",
            num_digits=1,
            action=twiml.callback_url(settings, IVR_CHOICE_PATH),
            method="POST",
            timeout=CHOICE_SECONDS,
        )
        gather.say(" ".join([hello, said, *offers]))
    else:
        response.say(f"{hello} {said}")
    response.say("Thank you for calling. Goodbye.")
    response.hangup()
    return response


class OrderStatusIvr:
    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.settings = connector.port.settings
        self.channel = connector.channel

    def prompt(self, told: tuple[str | None, str], menu: CallMenu) -> VoiceResponse:
        """The order-status TwiML for a verified caller held to hear their open order
        (``IncomingCall.order_status``: their first name and the words)."""
        first_name, said = told
        return order_status_prompt(
            self.settings, twiml.greeting(first_name, menu.greeting), said, menu
        )

    async def choice(self, request: Request) -> Response:
        """``POST /twilio/voice/ivr-choice``: only the keys the menu offered count."""
        form = await verified_form(request, self.settings)
        digit = str(form.get("Digits", "")).strip()
        menu = await self.connector.port.phone.call_menu(str(form.get("To", "")))
        if digit == twiml.CALLBACK_DIGIT and menu.status_callback:
            booked = await self.connector.port.phone.request_callback(
                self.channel, str(form.get("CallSid", ""))
            )
            return twiml.twiml_response(
                twiml.callback_promised() if booked is not None else twiml.goodbye()
            )
        if digit != TALK_DIGIT or not menu.talk_to_someone:
            return twiml.twiml_response(twiml.goodbye())
        answer = await self.connector.port.phone.route_held_call(
            self.channel, str(form.get("CallSid", ""))
        )
        if answer is None:
            return twiml.twiml_response(twiml.goodbye())
        return twiml.twiml_response(twiml.answer_call(self.settings, answer))
