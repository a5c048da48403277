"""What logged-in agents ask the phone connector for: a Voice SDK token and click-to-call.

Both need the console session (``request.session["agent_id"]``, set by the console's
login). Click-to-call changes state, so it also needs the header ``X-CSRF-Token``
equal to ``request.session["csrf"]``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse
from twilio.base.exceptions import TwilioException
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from connectors.phone import twiml
from connectors.twilio.client import twilio_client
from hub.actions.calls import record_outbound_call
from hub.actions.customers import get_customer
from hub.errors import Forbidden, HubError, Invalid, Unreachable
from hub.models import Agent, Identity
from hub.models.customer import PHONE
from hub.serializers import event_dict

if TYPE_CHECKING:
    from connectors.phone.connector import PhoneConnector

TOKEN_TTL_SECONDS = 3600
CSRF_HEADER = "x-csrf-token"
# Call progress Twilio reports to the status webhook for click-to-call.
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class NotConfigured(HubError):
    code = "not_configured"
    status = 503


class ProviderError(HubError):
    code = "provider_error"
    status = 502


class AgentPhone:
    """Handlers behind ``GET /phone/token`` and ``POST /phone/calls``."""

    def __init__(self, connector: PhoneConnector) -> None:
        self.connector = connector
        self.hub = connector.hub
        self.settings = connector.hub.settings

    async def _agent(self, request: Request) -> Agent:
        agent_id = request.session.get("agent_id")
        if not isinstance(agent_id, int):
            raise Forbidden("login required", code="login_required")
        async with self.hub.read() as session:
            agent = await session.get(Agent, agent_id)
        if agent is None or not agent.is_active:
            raise Forbidden("login required", code="login_required")
        return agent

    async def token(self, request: Request) -> JSONResponse:
        """``GET /phone/token``: an access token for the browser Voice SDK. Its identity
        is the one incoming calls are dialled to (``<Dial><Client>``)."""
        agent = await self._agent(request)
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
        """``POST /phone/calls`` ``{"customer_id": int}``: Twilio rings the agent (on
        their voice route), then bridges to the customer's phone. The call is recorded
        on the customer's thread and followed by the status webhook."""
        agent = await self._agent(request)
        expected = request.session.get("csrf")
        given = request.headers.get(CSRF_HEADER, "")
        if not isinstance(expected, str) or not secrets.compare_digest(expected, given):
            raise Forbidden("missing or wrong X-CSRF-Token", code="csrf")
        body: Any = await _json(request)
        customer_id = body.get("customer_id") if isinstance(body, dict) else None
        if not isinstance(customer_id, int):
            raise Invalid("customer_id must be an integer")
        if not self.settings.twilio_voice_number:
            raise NotConfigured("set TWILIO_VOICE_NUMBER to place calls")
        to = await self._customer_phone(customer_id)
        call = await self._create_call(agent, to)
        async with self.hub.uow() as uow:
            event = await record_outbound_call(
                uow,
                customer_id,
                channel=self.connector.channel,
                kind=PHONE,
                address=to,
                call_id=call.sid,
                agent_id=agent.id,
                status=call.status or "queued",
            )
        return JSONResponse({"call": event_dict(event)}, status_code=201)

    async def _customer_phone(self, customer_id: int) -> str:
        async with self.hub.read() as session:
            customer = await get_customer(session, customer_id)
            result = await session.execute(
                select(Identity.address)
                .where(Identity.customer_id == customer.id, Identity.kind == PHONE)
                .order_by(Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
            )
            phone = result.scalars().first()
        if phone is None:
            raise Unreachable("the customer has no phone number")
        return phone

    async def _create_call(self, agent: Agent, to: str) -> Any:
        client = twilio_client(self.settings)
        try:
            return await client.calls.create_async(
                to=twiml.rest_address(agent),
                from_=self.settings.twilio_voice_number,
                url=twiml.callback_url(self.settings, twiml.BRIDGE_PATH, to=to),
                method="POST",
                status_callback=twiml.callback_url(self.settings, twiml.STATUS_PATH),
                status_callback_method="POST",
                status_callback_event=STATUS_EVENTS,
            )
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused the call: {exc}") from exc
        finally:
            await client.http_client.close()  # type: ignore[union-attr]


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise Invalid("the body must be JSON") from exc
