"""Twilio Voice webhooks: verify the signature, call one action, answer TwiML.

Every handler answers 403 (and stores nothing) unless ``X-Twilio-Signature``
verifies. Replays are harmless: the call is keyed by CallSid, statuses by
CallSid + status, recordings by RecordingSid (see ``hub.actions.calls``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from connectors.phone import confirm, twiml
from connectors.phone.conference import ConferenceLine, ProviderError
from connectors.twilio.signatures import verified_form
from hub.errors import HubError
from hub.identity import InvalidAddress, normalize_phone
from hub.port import PHONE
from hub.types import CallUpdate, Inbound

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

log = logging.getLogger(__name__)

MAX_CODE_ATTEMPTS = 2
# Queued callers tried in turn when the first ones hung up meanwhile.
TAKE_ATTEMPTS = 3
ANSWERED_DIAL_STATUSES = ("completed", "answered")
# <Enqueue action> QueueResult values after which the caller leaves a voicemail
# (``leave``: the wait URL answered <Leave/> after the maximum wait).
VOICEMAIL_QUEUE_RESULTS = ("leave", "queue-full", "system-error", "error")


class VoiceCallbacks:
    """The handlers behind ``/twilio/voice*``; one instance per connector."""

    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.phone = connector.port.phone
        self.settings = connector.port.settings
        self.channel = connector.channel

    def _inbound(self, form: FormData, status: str = "ringing") -> Inbound:
        return Inbound(
            channel=self.channel,
            kind=PHONE,
            address=str(form.get("From", "")),
            body="Incoming call",
            provider_id=str(form.get("CallSid", "")) or None,
            type="call",
            status=status,
            awaits_reply=False,
            data={"from": str(form.get("From", "")), "to": str(form.get("To", ""))},
        )

    def _reachable(self, form: FormData) -> bool:
        try:
            normalize_phone(str(form.get("From", "")), self.settings.default_region)
        except InvalidAddress:
            return False
        return bool(form.get("CallSid"))

    async def incoming(self, request: Request) -> Response:
        """``POST /twilio/voice``: a known caller is routed; an unknown one whose number
        a recent chat gave is asked to confirm that chat (``confirm``), any other
        unknown one for a handoff code. Outside business hours every caller goes
        straight to voicemail or a callback (``choose_route`` decides; nobody would
        answer after the code). The phone menu of the dialled number (``To``) says the
        greeting, the options and whose hours apply."""
        form = await verified_form(request, self.settings)
        if not self._reachable(form):
            return twiml.twiml_response(twiml.unidentifiable())
        call = await self.phone.incoming_call(self._inbound(form), str(form.get("To", "")))
        menu = call.menu
        if call.order_status is not None:
            # A verified caller with an open order hears its status first (ivr.py).
            return twiml.twiml_response(self.connector.ivr.prompt(call.order_status, menu))
        if call.route is None and call.claimed:
            return twiml.twiml_response(confirm.ask_to_confirm(self.settings, menu))
        if call.route is None:
            return twiml.twiml_response(twiml.ask_for_code(self.settings, attempt=1, menu=menu))
        return twiml.twiml_response(twiml.answer_call(self.settings, call.route))

    async def gather(self, request: Request) -> Response:
        """``POST /twilio/voice/gather``: a correct code links the call to its customer;
        an order number starts the call with that order's customer as a suggestion; a
        wrong code is asked again once, then the caller is a new customer."""
        form = await verified_form(request, self.settings)
        if not self._reachable(form):
            return twiml.twiml_response(twiml.unidentifiable())
        digits = str(form.get("Digits", "")).strip()
        try:
            attempt = int(request.query_params.get("attempt", "1"))
        except ValueError:
            attempt = MAX_CODE_ATTEMPTS
        route = await self.phone.start_call_with_digits(
            self._inbound(form), digits, last_try=attempt >= MAX_CODE_ATTEMPTS
        )
        if route is None:
            return twiml.twiml_response(twiml.ask_for_code(self.settings, attempt + 1))
        return twiml.twiml_response(twiml.answer_call(self.settings, route))

    async def status(self, request: Request) -> Response:
        """``POST /twilio/voice/status``: ringing, in-progress, completed, busy... A final
        status for a call never recorded (hung up while asked for a code) is kept as a
        missed call."""
        form = await verified_form(request, self.settings)
        call_sid = str(form.get("CallSid", ""))
        if not call_sid:
            return Response(status_code=204)
        duration = _int(form.get("CallDuration"))
        inbound = str(form.get("Direction", "")) == "inbound" and self._reachable(form)
        await self.phone.update_call_status(
            CallUpdate(self.channel, call_sid, str(form.get("CallStatus", "")), duration),
            missed=self._inbound(form) if inbound else None,
        )
        return Response(status_code=204)

    async def dialed(self, request: Request) -> Response:
        """``POST /twilio/voice/dialed``: the ``<Dial>`` to an agent ended; if nobody
        answered, the caller leaves a voicemail."""
        form = await verified_form(request, self.settings)
        if str(form.get("DialCallStatus", "")) in ANSWERED_DIAL_STATUSES:
            return twiml.twiml_response(twiml.hangup())
        await self.phone.send_to_voicemail(self.channel, str(form.get("CallSid", "")))
        return twiml.twiml_response(twiml.voicemail(self.settings))

    async def recording(self, request: Request) -> Response:
        """``POST /twilio/voice/recording``: both ``<Record action>`` and the recording
        status callback; attaches the recording to the call and hangs up."""
        form = await verified_form(request, self.settings)
        url = str(form.get("RecordingUrl", ""))
        recording_sid = str(form.get("RecordingSid", "")) or url.rstrip("/").rsplit("/", 1)[-1]
        status = str(form.get("RecordingStatus", "completed"))
        if url and recording_sid and status == "completed":
            await self.phone.attach_recording(
                self.channel,
                str(form.get("CallSid", "")),
                recording_sid,
                url,
                duration=_int(form.get("RecordingDuration")),
            )
        return twiml.twiml_response(twiml.hangup())

    async def transcription(self, request: Request) -> Response:
        """``POST /twilio/voice/transcription``: the voicemail's text."""
        form = await verified_form(request, self.settings)
        text = str(form.get("TranscriptionText", "")).strip()
        recording_sid = str(form.get("RecordingSid", ""))
        if text and recording_sid and form.get("TranscriptionStatus") == "completed":
            await self.phone.attach_transcript(
                self.channel,
                str(form.get("CallSid", "")),
                recording_sid,
                text,
                url=str(form.get("RecordingUrl", "")) or None,
            )
        return Response(status_code=204)

    async def wait(self, request: Request) -> Response:
        """``POST /twilio/voice/wait``: what a queued caller hears, until ``QueueTime``
        (seconds in the queue) reaches ``HUB_QUEUE_MAX_WAIT_SECONDS``: then
        ``<Leave/>``, and the Enqueue action (``enqueued``) offers voicemail."""
        form = await verified_form(request, self.settings)
        waited = _int(form.get("QueueTime")) or 0
        if waited >= self.settings.queue_max_wait_seconds:
            return twiml.twiml_response(twiml.leave_queue())
        offer = request.query_params.get("offer") != "0"  # signed: part of the URL
        return twiml.twiml_response(twiml.hold_music(self.settings, offer_callback=offer))

    async def enqueued(self, request: Request) -> Response:
        """``POST /twilio/voice/enqueued``: the caller left the queue. After the
        maximum wait (``QueueResult=leave``) or a queue error they leave a voicemail and
        the thread waits for a call-back; moved into its room by an agent who took it
        (``redirected``) it stays there; otherwise (bridged, hung up) the call ends."""
        form = await verified_form(request, self.settings)
        call_sid = str(form.get("CallSid", ""))
        if str(form.get("QueueResult", "")) == "redirected":
            # An agent took the caller into the call's room (``_take_from_queue``):
            # should Twilio ask, the room is where the caller goes on.
            return twiml.twiml_response(
                twiml.caller_into_room(self.settings, call_sid, "Thanks for waiting.")
            )
        if str(form.get("QueueResult", "")) not in VOICEMAIL_QUEUE_RESULTS:
            return twiml.twiml_response(twiml.hangup())
        # A caller who chose a callback left the queue on purpose: no voicemail.
        if await self.phone.left_queue(self.channel, call_sid):
            return twiml.twiml_response(twiml.hangup())
        return twiml.twiml_response(
            twiml.voicemail(self.settings, greeting="Sorry, all our agents are still busy.")
        )

    async def agent_queue(self, request: Request) -> Response:
        """``POST /twilio/voice/queue?agent_id=…``: the agent answered the call the
        console's "Answer next caller" placed; bridge the longest-waiting queued caller.
        ``agent_id`` is safe to trust: the URL is part of the signature."""
        form = await verified_form(request, self.settings)
        agent_id = _int(request.query_params.get("agent_id"))
        if agent_id is None or not await self._active(agent_id):
            return twiml.twiml_response(twiml.hangup())
        return await self._take_from_queue(agent_id, str(form.get("CallSid", "")))

    async def _take_from_queue(self, agent_id: int, leg_id: str) -> Response:
        """The agent's answered call ``leg_id`` takes the longest-waiting queued caller
        into the caller's own room: the hub takes the call for them, moves the caller
        from the queue into the room (REST: new TwiML for the caller's call) and the
        agent's call joins it, so hold and transfer work as for any call. A caller only
        Twilio's queue knows (none in the hub's) is bridged from the queue as before."""
        calls = self.connector.port.calls
        for _ in range(TAKE_ATTEMPTS):
            taken = await calls.take_queued(self.channel, agent_id, leg_id)
            if taken is None or not taken.provider_id:
                break
            caller = taken.provider_id
            try:
                await ConferenceLine(self.settings, caller).redirect(
                    twiml.caller_into_room(self.settings, caller, "Thanks for waiting.")
                )
            except ProviderError:  # they hung up meanwhile: the next in line
                log.warning("queued call %s could not be moved into its room", caller)
                await calls.end_leg(self.channel, caller, leg_id, "Had left the queue")
                continue
            await self.connector.recordings.start(caller, caller)
            return twiml.twiml_response(twiml.join_room(caller, twiml.AGENT_LABEL))
        if taken is None:
            return twiml.twiml_response(twiml.answer_queue(self.settings, agent_id))
        return twiml.twiml_response(twiml.cannot_call("Sorry, the caller has just hung up."))

    async def _ring_customer(self, call_sid: str, to: str) -> Response:
        """Click-to-call, the agent's call ``call_sid`` is answered: it enters its own
        room and the hub rings the customer into it (``role=customer``), so hold and
        transfer work as for an incoming call. A retried webhook rings nobody twice."""
        call = await self.connector.port.find_event(self.channel, call_sid)
        if call is not None and any(
            isinstance(leg, dict) and leg.get("role") == twiml.CUSTOMER_LABEL
            for leg in call.data.get("legs") or []
        ):
            return twiml.twiml_response(twiml.join_room(call_sid, twiml.AGENT_LABEL))
        try:
            leg = await ConferenceLine(self.settings, call_sid).ring(to, twiml.CUSTOMER_LABEL)
        except ProviderError:
            log.exception("could not ring %s for call %s", to, call_sid)
            return twiml.twiml_response(twiml.cannot_call("Sorry, the call could not be placed."))
        await self.connector.port.calls.add_leg(self.channel, call_sid, leg, twiml.CUSTOMER_LABEL)
        return twiml.twiml_response(twiml.join_room(call_sid, twiml.AGENT_LABEL))

    async def bridge(self, request: Request) -> Response:
        """``POST /twilio/voice/bridge?to=…``: click-to-call, the agent answered: their
        call enters its room and the customer is rung into it. ``to`` is safe to trust:
        the URL is part of the signature."""
        form = await verified_form(request, self.settings)
        try:
            to = normalize_phone(request.query_params.get("to", ""), self.settings.default_region)
        except InvalidAddress:
            return twiml.twiml_response(twiml.hangup())
        return await self._ring_customer(str(form.get("CallSid", "")), to)

    async def client(self, request: Request) -> Response:
        """``POST /twilio/voice/client``: the TwiML App's Voice URL, called when an
        agent's browser phone places a call: ``To`` empty or ``queue`` answers the next
        queued caller; ``customer_id`` (click-to-call from a thread) calls that
        customer's latest phone number and records the call on their thread; a phone
        number calls it showing the hub's number. A deactivated agent's browser phone
        (its access token lives up to an hour) is hung up on."""
        form = await verified_form(request, self.settings)
        agent_id = twiml.agent_id_of_client(str(form.get("From", "")))
        if agent_id is None or not await self._active(agent_id):
            return twiml.twiml_response(twiml.hangup())
        customer_id = _int(form.get("customer_id"))
        if customer_id is not None:
            return await self._call_customer(form, agent_id, customer_id)
        to = str(form.get("To", "")).strip()
        if to in ("", "queue"):
            return await self._take_from_queue(agent_id, str(form.get("CallSid", "")))
        try:
            number = normalize_phone(to, self.settings.default_region)
        except InvalidAddress:
            return twiml.twiml_response(twiml.hangup())
        return twiml.twiml_response(twiml.bridge(self.settings, number))

    async def _call_customer(self, form: FormData, agent_id: int, customer_id: int) -> Response:
        """The browser softphone's click-to-call: the agent's own call (its CallSid)
        becomes the ``call`` event on the customer's thread and enters its room, then
        the customer is rung into it."""
        try:
            to = await self.phone.customer_phone(customer_id)
        except HubError as exc:
            return twiml.twiml_response(twiml.cannot_call(f"Sorry, {exc.message}."))
        call_sid = str(form.get("CallSid", ""))
        await self.phone.record_outbound_call(
            customer_id,
            CallUpdate(self.channel, call_sid, "in-progress"),
            address=to,
            agent_id=agent_id,
        )
        # The agent's own call is their leg in the call's room.
        await self.connector.port.calls.add_leg(
            self.channel,
            call_sid,
            call_sid,
            twiml.AGENT_LABEL,
            status="in-progress",
            agent_id=agent_id,
        )
        return await self._ring_customer(call_sid, to)

    async def dequeued(self, request: Request) -> Response:
        """``POST /twilio/voice/dequeued?agent_id=…``: played to the queued caller as an
        agent takes them; the call becomes that agent's."""
        form = await verified_form(request, self.settings)
        agent_id = _int(request.query_params.get("agent_id"))
        if agent_id is not None and await self._active(agent_id):
            await self.phone.take_queued_call(self.channel, str(form.get("CallSid", "")), agent_id)
        return twiml.twiml_response(twiml.connecting())

    async def _active(self, agent_id: int) -> bool:
        """Whether ``agent_id`` is an active agent (voice webhooks act for no one else)."""
        agent = await self.connector.port.calls.agent(agent_id)
        return agent is not None and agent.is_active


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None
