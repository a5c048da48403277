"""The TwiML the hub answers Twilio Voice with, built with the ``twilio`` package.

Every callback URL is absolute, built from ``HUB_PUBLIC_URL`` (the URL Twilio signs).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from starlette.responses import Response
from twilio.twiml.voice_response import VoiceResponse

from connectors.phone.settings import PhoneSettings
from hub.port import AGENT, QUEUE
from hub.port.phone import CODE_DIGITS, ROUTE_NUMBER, ROUTE_SIP, CallMenu, CallRoute, VoiceAgent
from hub.settings import Settings

VOICE_PATH = "/twilio/voice"
STATUS_PATH = "/twilio/voice/status"
GATHER_PATH = "/twilio/voice/gather"
RECORDING_PATH = "/twilio/voice/recording"
TRANSCRIPTION_PATH = "/twilio/voice/transcription"
DIALED_PATH = "/twilio/voice/dialed"
WAIT_PATH = "/twilio/voice/wait"
BRIDGE_PATH = "/twilio/voice/bridge"
CLIENT_PATH = "/twilio/voice/client"
DEQUEUED_PATH = "/twilio/voice/dequeued"
ENQUEUED_PATH = "/twilio/voice/enqueued"
AGENT_QUEUE_PATH = "/twilio/voice/queue"
JOIN_PATH = "/twilio/voice/join"
CALLBACK_CHOICE_PATH = "/twilio/voice/callback-choice"
CALL_RECORDING_PATH = "/twilio/voice/call-recording"
RECORDING_ANNOUNCEMENT = "This call may be recorded for quality and training."
VOICEMAIL_PROMPT = "Please leave a message after the tone and we will call you back."
# Said outside hours by a phone menu that books a callback instead of a voicemail.
CLOSED_CALLBACK = "We will call you back on this number when we open. Goodbye."
# The digit a queued caller presses for a callback (1 is the recent-chat confirmation).
CALLBACK_DIGIT = "2"
LEG_PATH = "/twilio/voice/leg"
CLIENT_PREFIX = "client:agent-"

QUEUE_NAME = "support"
# Twilio's own public hold-music file.
WAIT_MUSIC_URL = "https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
# What a caller hears in their call's room while the agent's phone rings.
RINGING_URL = "https://com.twilio.music.classical.s3.amazonaws.com/ith_chopin-15-2.mp3"
CUSTOMER_LABEL = "customer"
AGENT_LABEL = "agent"
GATHER_TIMEOUT_SECONDS = 8
VOICEMAIL_MAX_SECONDS = 120


def callback_url(settings: Settings, path: str, **query: str | int) -> str:
    """The absolute URL of one of the hub's voice webhooks."""
    url = settings.public_url.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url


def twiml_response(twiml: VoiceResponse) -> Response:
    return Response(str(twiml), media_type="text/xml")


def client_identity(agent: VoiceAgent) -> str:
    """The Voice SDK identity an agent's browser registers with (and is dialled as)."""
    return f"agent-{agent.id}"


def dial_address(agent: VoiceAgent) -> tuple[str, str]:
    """``(noun, address)`` to reach ``agent``: ``client``, ``number`` or ``sip``.

    An agent whose number/SIP route has no address is reached in the browser."""
    if agent.voice_route == ROUTE_NUMBER and agent.voice_address:
        return "number", agent.voice_address
    if agent.voice_route == ROUTE_SIP and agent.voice_address:
        address = agent.voice_address
        return "sip", address if address.startswith("sip:") else f"sip:{address}"
    return "client", client_identity(agent)


def rest_address(agent: VoiceAgent) -> str:
    """The ``To`` of a REST call that rings ``agent`` (click-to-call's first leg)."""
    noun, address = dial_address(agent)
    return f"client:{address}" if noun == "client" else address


def greeting(first_name: str | None, text: str | None = None) -> str:
    """ "Hello Dana, thanks for calling." or, with a phone menu's greeting ``text``,
    "Hello Dana. <text>"."""
    if text:
        return f"Hello {first_name}. {text}" if first_name else text
    return f"Hello {first_name}, thanks for calling." if first_name else "Thanks for calling."


def ask_for_code(
    settings: Settings, attempt: int, *, greeted: bool = False, menu: CallMenu | None = None
) -> VoiceResponse:
    """Ask an unknown caller for the handoff code shown in their chat or text
    (``greeted``: they were already greeted, by ``menu``'s greeting or thanks)."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=CODE_DIGITS,
        action=callback_url(settings, GATHER_PATH, attempt=attempt),
        method="POST",
        timeout=GATHER_TIMEOUT_SECONDS,
        finish_on_key="#",
        action_on_empty_result=True,
    )
    if attempt == 1:
        gather.say(
            ("" if greeted else greeting(None, menu.greeting if menu else None) + " ")
            + "If you were given a code in our chat or by text message, "
            "or have an order number, enter it now, then press pound. Otherwise, please hold."
        )
    else:
        gather.say("Sorry, that code was not recognised. Please enter it again.")
    return response


def answer_call(settings: Settings, route: CallRoute) -> VoiceResponse:
    """Put the call through: to the chosen agent, into the queue, or to voicemail."""
    response = VoiceResponse()
    menu = route.menu
    hello = greeting(route.first_name, menu.greeting)
    if route.mode == AGENT and route.agent_id is not None and route.call_sid:
        # The hub then rings the agent into the room (``connectors.phone.live``).
        return caller_into_room(settings, route.call_sid, hello)
    if route.mode == QUEUE:
        response.say(f"{hello} All our agents are busy. Please hold.")
        response.enqueue(
            QUEUE_NAME,
            action=callback_url(settings, ENQUEUED_PATH),
            method="POST",
            wait_url=wait_url(settings, offer_callback=menu.callback),
            wait_url_method="POST",
        )
    elif route.closed and route.callback:
        response.say(f"{hello} {closed_greeting(route.opens_at)} {CLOSED_CALLBACK}")
        response.hangup()
    elif route.closed and menu.voicemail_greeting:
        said = menu.voicemail_greeting.replace("{opening}", spoken_opening(route.opens_at))
        voicemail(settings, response, f"{hello} {said}", tone_prompt=False)
    elif route.closed:
        voicemail(settings, response, f"{hello} {closed_greeting(route.opens_at)}")
    else:
        voicemail(settings, response, f"{hello} Nobody can take your call right now.")
    return response


def room_of(call_sid: str) -> str:
    """Each answered call has its own conference room, named after the caller's
    CallSid. The caller waits in it (ringing tone) until the agent the hub rang joins;
    the caller leaving ends the room (``endConferenceOnExit``), nobody else leaving
    does, so an agent can hand the call over and leave."""
    return f"call-{call_sid}"


def caller_into_room(settings: Settings, call_sid: str, hello: str) -> VoiceResponse:
    """The caller's TwiML once routed to an agent: wait in the call's room."""
    response = VoiceResponse()
    announce = PhoneSettings.from_settings(settings).recording == "announce"
    response.say(f"{hello} {RECORDING_ANNOUNCEMENT + ' ' if announce else ''}Connecting you now.")
    dial = response.dial(action=callback_url(settings, DIALED_PATH), method="POST")
    dial.conference(
        room_of(call_sid),
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        wait_url=RINGING_URL,
        wait_method="GET",
        beep=False,
        participant_label=CUSTOMER_LABEL,
    )
    return response


def join_room(call_sid: str, label: str, whisper: str | None = None) -> VoiceResponse:
    """An agent's (or transfer target's) TwiML once they pick up: hear ``whisper``
    (only they hear it), then join the call's room. A customer called back (label
    ``customer``) ends the room when they hang up, like a caller."""
    response = VoiceResponse()
    if whisper:
        response.say(whisper)
    dial = response.dial()
    dial.conference(
        room_of(call_sid),
        start_conference_on_enter=True,
        end_conference_on_exit=label == CUSTOMER_LABEL,
        beep=False,
        participant_label=label,
    )
    return response


def closed_greeting(opens_at: datetime | None) -> str:
    """What a caller hears outside business hours; ``opens_at`` is in the schedule's
    local time and is read out as a weekday and a 24-hour time."""
    if opens_at is None:
        return "We are closed right now."
    return f"We are closed right now. We open again on {spoken_opening(opens_at)}."


def spoken_opening(opens_at: datetime | None) -> str:
    """ "Monday at 09:00" (a menu's voicemail greeting says it for ``{opening}``)."""
    return f"{opens_at:%A} at {opens_at:%H:%M}" if opens_at is not None else "soon"


def voicemail(
    settings: Settings,
    response: VoiceResponse | None = None,
    greeting: str = "Nobody can take your call right now.",
    *,
    tone_prompt: bool = True,
) -> VoiceResponse:
    """Record a message with transcription after ``greeting`` (followed by "Please
    leave a message after the tone…" unless ``tone_prompt`` is off: a phone menu's own
    voicemail greeting is said as written); the recording webhook then hangs up."""
    response = response or VoiceResponse()
    response.say(f"{greeting.strip()} {VOICEMAIL_PROMPT}" if tone_prompt else greeting.strip())
    response.record(
        action=callback_url(settings, RECORDING_PATH),
        method="POST",
        max_length=VOICEMAIL_MAX_SECONDS,
        play_beep=True,
        recording_status_callback=callback_url(settings, RECORDING_PATH),
        recording_status_callback_method="POST",
        transcribe=True,
        transcribe_callback=callback_url(settings, TRANSCRIPTION_PATH),
    )
    response.hangup()
    return response


def wait_url(settings: Settings, *, offer_callback: bool = True) -> str:
    """The queue's wait URL; ``offer=0`` when the number's phone menu offers no callback
    (signed with the URL, so it can be trusted)."""
    if offer_callback:
        return callback_url(settings, WAIT_PATH)
    return callback_url(settings, WAIT_PATH, offer=0)


def hold_music(settings: Settings, *, offer_callback: bool = True) -> VoiceResponse:
    """What a queued caller hears (the wait URL): the callback offer, then one round of
    music; Twilio requests the wait URL again when it ends. The callback digit is 2 so
    it never reads like the "press 1 if you were just chatting with us" question some
    callers hear before the queue (``connectors.phone.confirm``). Without the offer
    (the number's phone menu has callbacks off): thanks and the music only."""
    response = VoiceResponse()
    if not offer_callback:
        response.say("Thanks for holding. An agent will be with you shortly.")
        response.play(WAIT_MUSIC_URL, loop=1)
        return response
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        action=callback_url(settings, CALLBACK_CHOICE_PATH),
        method="POST",
        timeout=1,
    )
    gather.say(
        "Thanks for holding. An agent will be with you shortly. "
        f"Press {CALLBACK_DIGIT} to be called back instead: you keep your place in line."
    )
    gather.play(WAIT_MUSIC_URL, loop=1)
    return response


def callback_booked() -> VoiceResponse:
    """The caller chose a callback: tell them, then leave the queue (the Enqueue action
    then hangs up instead of offering voicemail)."""
    response = VoiceResponse()
    response.say(
        "Thank you. We will call you back on this number as soon as it is your turn. Goodbye."
    )
    response.leave()
    return response


def callback_promised() -> VoiceResponse:
    """The caller chose a callback from the order-status menu (not in the queue)."""
    response = VoiceResponse()
    response.say("Thank you. We will call you back on this number as soon as we can. Goodbye.")
    response.hangup()
    return response


def goodbye() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def leave_queue() -> VoiceResponse:
    """The caller waited too long: ``<Leave/>`` takes them out of the queue, and
    Twilio continues with the ``<Enqueue action>`` (``/twilio/voice/enqueued``)."""
    response = VoiceResponse()
    response.leave()
    return response


def bridge(settings: Settings, to: str) -> VoiceResponse:
    """Click-to-call's second leg: the agent has answered, now ring the customer."""
    response = VoiceResponse()
    dial = response.dial(caller_id=settings.twilio_voice_number)
    dial.number(to)
    return response


def answer_queue(settings: Settings, agent_id: int) -> VoiceResponse:
    """The browser phone asked for the next queued caller."""
    response = VoiceResponse()
    dial = response.dial()
    dial.queue(
        QUEUE_NAME, url=callback_url(settings, DEQUEUED_PATH, agent_id=agent_id), method="POST"
    )
    return response


def cannot_call(reason: str) -> VoiceResponse:
    """Said to an agent whose browser call cannot be placed (no number, no customer)."""
    response = VoiceResponse()
    response.say(reason)
    response.hangup()
    return response


def connecting() -> VoiceResponse:
    response = VoiceResponse()
    response.say("Connecting you to an agent.")
    return response


def agent_id_of_client(address: str) -> int | None:
    """The agent id in a Voice SDK caller address ``client:agent-<id>``, else None."""
    if not address.startswith(CLIENT_PREFIX):
        return None
    rest = address[len(CLIENT_PREFIX) :]
    return int(rest) if rest.isdigit() else None


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def unidentifiable() -> VoiceResponse:
    """For a caller whose number is withheld or malformed (nothing can be recorded)."""
    response = VoiceResponse()
    response.say(
        "Sorry, we cannot take calls from withheld numbers. "
        "Please call again showing your number, or contact us by chat."
    )
    response.hangup()
    return response
