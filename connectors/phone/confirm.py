"""The IVR's "were you just chatting with us?" step (see ``hub.actions.claim_links``).

A caller whose number a recent chat gave (typed or written, ``HUB_CLAIM_MATCH_HOURS``)
hears, before being asked for a handoff code: "It looks like you were just chatting
with us on our website. Press 1 if that was you." Pressing 1 from the number the
carrier delivered is the proof that links the call to that chat (a reversible merge);
anything else, or nothing, goes on to the code prompt and links nothing.
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
    from connectors.phone.callbacks import VoiceCallbacks

CONFIRM_PATH = "/twilio/voice/confirm"
QUESTION = "It looks like you were just chatting with us on our website. Press 1 if that was you."


def ask_to_confirm(settings: Settings, menu: CallMenu) -> VoiceResponse:
    """One digit, then ``/twilio/voice/confirm`` (also on silence); the greeting is the
    phone menu's."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        action=twiml.callback_url(settings, CONFIRM_PATH),
        method="POST",
        timeout=twiml.GATHER_TIMEOUT_SECONDS,
        action_on_empty_result=True,
    )
    gather.say(f"{twiml.greeting(None, menu.greeting)} {QUESTION}")
    return response


async def confirmed(hooks: VoiceCallbacks, request: Request) -> Response:
    """``POST /twilio/voice/confirm``: "1" links the call to the chat and puts it
    through; anything else continues with the handoff-code prompt."""
    form = await verified_form(request, hooks.settings)
    if not hooks._reachable(form):
        return twiml.twiml_response(twiml.unidentifiable())
    answer = None
    if str(form.get("Digits", "")).strip() == "1":
        answer = await hooks.connector.port.phone.start_confirmed_call(hooks._inbound(form))
    if answer is None:
        return twiml.twiml_response(twiml.ask_for_code(hooks.settings, attempt=1, greeted=True))
    return twiml.twiml_response(twiml.answer_call(hooks.settings, answer))
