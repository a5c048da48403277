"""What logged-in agents ask the phone connector for: a Voice SDK token, click-to-call,
the phone queue's size and "answer the next queued caller".

All need a signed-in console session and, for the POSTs, the header ``X-CSRF-Token``:
the hub's one browser check, ``hub.port.web.signed_in_agent``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from twilio.base.exceptions import TwilioException
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from connectors.phone import twiml
from connectors.twilio.client import twilio_client
from hub.errors import Conflict, HubError, Invalid
from hub.port.phone import ROUTE_NUMBER, ROUTE_SIP, VoiceAgent
from hub.port.web import signed_in_agent
from hub.types import CallUpdate

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

TOKEN_TTL_SECONDS = 3600
# Call progress Twilio reports to the status webhook for click-to-call.
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
MAX_CLIENT_ID_CHARS = 64


class NotConfigured(HubError):
    code = "not_configured"
    status = 503


class ProviderError(HubError):
    code = "provider_error"
    status = 502


class AgentPhone:
    """Handlers behind ``GET /phone/token``, ``POST /phone/calls``, ``GET /phone/queue``
    and ``POST /phone/queue/answer``."""

    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.phone = connector.port.phone
        self.settings = connector.port.settings
        # One click-to-call at a time per agent in this process, so a repeated request
        # with the same client_id finds the first one's call instead of racing it.
        self._placing: dict[int, asyncio.Lock] = {}

    async def agent_of(self, request: Request) -> VoiceAgent:
        """The signed-in agent (and, for POSTs, the CSRF token): the hub's one browser
        check (``hub.port.web.signed_in_agent``: 401 ``login_required``, 403 ``csrf``)."""
        return await signed_in_agent(request)

    async def token(self, request: Request) -> JSONResponse:
        """``GET /phone/token``: an access token for the browser Voice SDK. Its identity
        is the one incoming calls are dialled to (``<Dial><Client>``)."""
        agent = await self.agent_of(request)
        s = self.settings
        if not (
            s.twilio_account_sid
            and s.twilio_api_key_sid
            and s.twilio_api_key_secret
            and s.twilio_twiml_app_sid
        ):
            raise NotConfigured(
                "set TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET "
                "and TWILIO_TWIML_APP_SID to use the browser phone"
            )
        identity = twiml.client_identity(agent)
        token = AccessToken(
            s.twilio_account_sid,
            s.twilio_api_key_sid,
            s.twilio_api_key_secret,
            identity=identity,
            ttl=TOKEN_TTL_SECONDS,
        )
        token.add_grant(
            VoiceGrant(outgoing_application_sid=s.twilio_twiml_app_sid, incoming_allow=True)
        )
        return JSONResponse(
            {"token": token.to_jwt(), "identity": identity, "ttl": TOKEN_TTL_SECONDS},
            headers={"cache-control": "no-store"},
        )

    async def call(self, request: Request) -> JSONResponse:
        """``POST /phone/calls`` ``{"customer_id": int, "client_id"?: str}``: Twilio
        rings the agent (on their voice route), then bridges to the customer's phone.
        The call is recorded on the customer's thread and followed by the status
        webhook. ``client_id`` is an idempotency key: repeating it (a double click, a
        retry) answers 200 with the call already placed and calls nobody again."""
        agent = await self.agent_of(request)
        body: Any = await _json(request)
        customer_id = body.get("customer_id") if isinstance(body, dict) else None
        if not isinstance(customer_id, int):
            raise Invalid("customer_id must be an integer")
        client_id = body.get("client_id")
        if client_id is not None and (
            not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID_CHARS
        ):
            raise Invalid(f"client_id must be a string of 1-{MAX_CLIENT_ID_CHARS} characters")
        if not self.settings.twilio_voice_number:
            raise NotConfigured("set TWILIO_VOICE_NUMBER to place calls")
        async with self._placing.setdefault(agent.id, asyncio.Lock()):
            if client_id is not None:
                placed = await self.phone.placed_call(customer_id, agent.id, client_id)
                if placed is not None:
                    return JSONResponse({"call": placed})
            to = await self.phone.customer_phone(customer_id)
            bridge = twiml.callback_url(self.settings, twiml.BRIDGE_PATH, to=to)
            call = await self._create_call(agent, bridge)
            event = await self.phone.record_outbound_call(
                customer_id,
                CallUpdate(self.connector.channel, call.sid, call.status or "queued"),
                address=to,
                agent_id=agent.id,
                client_id=client_id,
            )
            # The agent's call is their leg in the call's room (``/twilio/voice/bridge``
            # puts it there and rings the customer in); its status follows the call's.
            await self.connector.port.calls.add_leg(
                self.connector.channel,
                call.sid,
                call.sid,
                twiml.AGENT_LABEL,
                status=call.status or "queued",
                agent_id=agent.id,
            )
        return JSONResponse({"call": event}, status_code=201)

    async def _waiting(self) -> tuple[int, int]:
        """Callers in the queue and pending callbacks."""
        _, waiting, callbacks = await self.phone.next_in_line(self.connector.channel)
        return waiting, callbacks

    async def queue(self, request: Request) -> JSONResponse:
        """``GET /phone/queue`` → ``{"waiting": n, "callbacks": n, "can_answer": bool}``:
        callers in the queue now and callbacks waiting for an agent; ``can_answer`` when
        the agent's voice route is a number or SIP (the hub rings that route)."""
        agent = await self.agent_of(request)
        waiting, callbacks = await self._waiting()
        return JSONResponse(
            {"waiting": waiting, "callbacks": callbacks, "can_answer": _rings_a_phone(agent)},
            headers={"cache-control": "no-store"},
        )

    async def answer_next(self, request: Request) -> JSONResponse:
        """``POST /phone/queue/answer``: Twilio rings the agent's number or SIP route;
        when they pick up, ``/twilio/voice/queue`` bridges the longest-waiting queued
        caller (``<Dial><Queue>``) and the call becomes theirs. 409 ``queue_empty`` when
        nobody waits, 409 ``no_phone_route`` for an agent reached in the browser."""
        agent = await self.agent_of(request)
        if not _rings_a_phone(agent):
            raise Conflict(
                "set a phone number or SIP address as your voice route to answer from the console",
                code="no_phone_route",
            )
        if not self.settings.twilio_voice_number:
            raise NotConfigured("set TWILIO_VOICE_NUMBER to place calls")
        # A callback ahead of every queued caller goes first: agent, then customer.
        taken = await self.connector.queue_callbacks.take_next_callback(agent)
        if taken is not None:
            return JSONResponse(
                {"call_sid": taken.provider_id, "kind": "callback"}, status_code=202
            )
        waiting, _ = await self._waiting()
        if waiting == 0:
            raise Conflict("nobody is waiting in the queue", code="queue_empty")
        url = twiml.callback_url(self.settings, twiml.AGENT_QUEUE_PATH, agent_id=agent.id)
        call = await self._create_call(agent, url, status_events=False)
        return JSONResponse({"call_sid": call.sid, "waiting": waiting}, status_code=202)

    async def _create_call(self, agent: VoiceAgent, url: str, *, status_events: bool = True) -> Any:
        """Ring ``agent`` on their route; once they answer, Twilio fetches ``url``. With
        ``status_events`` the call's progress is posted to the status webhook."""
        client = twilio_client(self.settings)
        status: dict[str, Any] = {}
        if status_events:
            status = {
                "status_callback": twiml.callback_url(self.settings, twiml.STATUS_PATH),
                "status_callback_method": "POST",
                "status_callback_event": STATUS_EVENTS,
            }
        try:
            return await client.calls.create_async(
                to=twiml.rest_address(agent),
                from_=self.settings.twilio_voice_number,
                url=url,
                method="POST",
                **status,
            )
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused the call: {exc}") from exc
        finally:
            await client.http_client.close()  # type: ignore[union-attr]


def _rings_a_phone(agent: VoiceAgent) -> bool:
    return agent.voice_route in (ROUTE_NUMBER, ROUTE_SIP) and bool(agent.voice_address)


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise Invalid("the body must be JSON") from exc
