"""The ``/widget`` socket.io namespace: one socket per open widget (see docs/widget.md).

Handlers stay thin: check the origin, the limits and the payload, call one action
inside ``hub.uow()``, and acknowledge only after the commit. Every socket joins the
room of each widget identity it speaks for, so a reply reaches all of a visitor's
open tabs (across processes through the Redis manager when configured).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import socketio
from sqlalchemy.exc import DBAPIError

from connectors.webchat import prechat
from connectors.webchat.handoff import request_email_handoff, request_handoff
from connectors.webchat.history import visitor_view
from connectors.webchat.hours import hours_view
from connectors.webchat.identity import (
    MAX_USER_ID,
    Principal,
    VisitorTokens,
    room_for,
    user_hash_matches,
)
from connectors.webchat.limits import WidgetLimits
from connectors.webchat.verify import check_code, request_code
from hub.errors import HubError
from hub.identity import InvalidAddress, normalize
from hub.port import USER, VISITOR
from hub.types import Inbound

if TYPE_CHECKING:
    from connectors.webchat.connector import WebchatConnector

log = logging.getLogger(__name__)

NAMESPACE = "/widget"
MAX_CLIENT_ID = 64
_CLIENT_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
# The database (or the network to it) is down: nothing was stored, or a resend of the
# same client_id is harmless. The widget retries with a backoff.
_OUTAGE = (DBAPIError, ConnectionError, OSError)
UNAVAILABLE: dict[str, Any] = {
    "ok": False,
    "error": "unavailable",
    "message": "the hub cannot store messages right now; retrying",
    "retry": True,
}


def refuse(message: str) -> socketio.exceptions.ConnectionRefusedError:
    return socketio.exceptions.ConnectionRefusedError(message)


def failure(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message}


def _valid_client_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_CLIENT_ID
        and set(value) <= _CLIENT_ID_CHARS
    )


def client_ip(environ: dict[str, Any]) -> str:
    client = environ.get("asgi.scope", {}).get("client")
    return str(client[0]) if client else str(environ.get("REMOTE_ADDR", "?"))


class WidgetNamespace(socketio.AsyncNamespace):
    def __init__(self, connector: WebchatConnector) -> None:
        super().__init__(NAMESPACE)
        self.connector = connector
        self.port = connector.port
        self.tokens = VisitorTokens(
            self.port.settings.secret_key, max_age_days=self.port.settings.visitor_token_days
        )
        self.limits = WidgetLimits.defaults()

    @property
    def allowed_origins(self) -> set[str]:
        settings = self.port.settings
        return {*settings.origins, settings.public_url.rstrip("/")}

    # -- connection --------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        """Authenticate the visitor, join its rooms and send ``session`` with its history.

        A browser always sends ``Origin`` on a cross-site handshake; a non-browser client
        without one is let through (it could forge any header anyway).
        """
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin.rstrip("/") not in self.allowed_origins:
            raise refuse(f"origin {origin} is not allowed to open the widget")
        ip = client_ip(environ)
        if not self.limits.ip_connects.allow(ip):
            raise refuse("too many connections from this address; retry in a minute")
        auth = auth if isinstance(auth, dict) else {}
        principal, token = self._principal(auth, ip)
        pending = prechat.clean_quietly(auth, self.port.settings.default_region)

        customer_id, messages, survey = await visitor_view(
            self.connector.port, self.connector.channel, principal
        )
        hours = await hours_view(self.port)
        await self.save_session(
            sid,
            {"principal": principal, "ip": ip, "customer_id": customer_id, "pending": pending},
        )
        for kind, address in principal.identities:
            await self.enter_room(sid, room_for(kind, address))
        await self.emit(
            "session",
            {
                "visitor_token": token,
                "customer_id": customer_id,
                "verified": principal.kind == USER,
                "online": self.port.agents_online(),
                "messages": messages,
                "max_message_chars": self.port.settings.max_message_chars,
                "hours": hours,
                "csat": survey,
            },
            to=sid,
        )
        return True

    def _principal(self, auth: dict[str, Any], ip: str) -> tuple[Principal, str]:
        visitor_id = self.tokens.read(auth.get("visitor_token"))
        if visitor_id is None:
            visitor_id, token = self.tokens.mint()
        else:
            token = self.tokens.token_for(visitor_id)
        user_id = auth.get("user_id")
        secret = self.port.settings.widget_secret
        if not isinstance(user_id, str) or not user_id.strip() or not secret:
            # Without HUB_WIDGET_SECRET a user id cannot be verified, so it is ignored:
            # anyone could type someone else's.
            return Principal(VISITOR, visitor_id, visitor_id), token
        if not self.limits.ip_user_hash.allow(ip):
            raise refuse("too many identity checks from this address; retry later")
        user_id = user_id.strip()
        if len(user_id) > MAX_USER_ID or not user_hash_matches(
            secret, user_id, auth.get("user_hash")
        ):
            raise refuse("user_hash does not match user_id")
        try:
            address = normalize(USER, user_id)
        except InvalidAddress as exc:
            raise refuse(str(exc)) from exc
        return Principal(USER, address, visitor_id), token

    # -- messages ----------------------------------------------------------------------

    async def on_message(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{"client_id", "body", "details"?}`` → ack ``{"ok": true, "id", "customer_id"}``.

        The same ``client_id`` again (a resend after a lost ack) returns the same id
        and stores nothing new. While the database is unreachable the ack is
        ``UNAVAILABLE`` (``error: "unavailable"``, ``retry: true``), at once.
        """
        if not isinstance(data, dict):
            return failure("invalid", "a message is an object with client_id and body")
        client_id = data.get("client_id")
        body = data.get("body")
        if not _valid_client_id(client_id):
            return failure("invalid_client_id", "client_id must be 1-64 letters, digits, - or _")
        if not isinstance(body, str) or not body.strip():
            return failure("empty_body", "the message is empty")
        limit = self.port.settings.max_message_chars
        if len(body) > limit:
            return failure("too_long", f"messages are limited to {limit} characters")
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        if not self.limits.visitor_messages.allow(principal.scope) or not (
            self.limits.ip_messages.allow(session["ip"])
        ):
            return failure("rate_limited", "you are sending messages too fast; wait a moment")
        try:
            extra = prechat.clean(data.get("details"), self.port.settings.default_region)
        except prechat.InvalidAnswer as exc:
            return failure(exc.code, str(exc))
        answers = {**session["pending"], **extra}
        inbound = Inbound(
            channel=self.connector.channel,
            kind=principal.kind,
            address=principal.address,
            body=body.strip(),
            provider_id=f"{principal.scope}:{client_id}",
            name=answers.get("name"),
            details=answers,
            claims=prechat.claims(answers),
            data={"client_id": client_id},
        )
        try:
            return await self._store(sid, session, inbound, str(client_id))
        except HubError as exc:
            return failure(exc.code, exc.message)
        except _OUTAGE as exc:
            log.warning("widget message %s not stored, database unavailable: %r", client_id, exc)
            return dict(UNAVAILABLE)

    async def _store(
        self, sid: str, session: dict[str, Any], inbound: Inbound, client_id: str
    ) -> dict[str, Any]:
        """Ingest the message, remember the customer, tell the visitor's other tabs."""
        principal: Principal = session["principal"]
        received = await self.connector.port.ingest(inbound)
        customer_id = received.customer_id
        session["pending"] = {}
        session["customer_id"] = customer_id
        await self.save_session(sid, session)
        if not received.duplicate:
            message = {
                "id": received.event_id,
                "client_id": client_id,
                "direction": "in",
                "body": inbound.body,
                "agent_name": None,
                "created_at": None,
            }
            # The visitor's other tabs show what this one sent.
            await self.emit(
                "message", message, room=room_for(principal.kind, principal.address), skip_sid=sid
            )
        return {"ok": True, "id": received.event_id, "customer_id": customer_id}

    async def on_typing(self, sid: str, data: Any = None) -> None:
        """``{"typing": bool}``: shown to agents watching this customer (never stored)."""
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        customer_id = session.get("customer_id")
        if customer_id is None or not self.limits.visitor_typing.allow(principal.scope):
            return
        typing = bool(data.get("typing", True)) if isinstance(data, dict) else True
        await self.port.customer_typing(customer_id, typing)

    async def on_status(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Whether an agent is online now and the business hours (the widget asks when
        its panel opens)."""
        hours = await hours_view(self.port)
        return {"ok": True, "online": self.port.agents_online(), "hours": hours}

    async def on_csat(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{"score": 1-5, "survey_id"?, "client_id"?}`` → ``{"ok": true, "survey_id",
        "score"}`` once committed.

        Idempotent per survey (or per ``client_id`` when no survey is named): the first
        answer stands. The visitor's other tabs get a ``csat`` event with
        ``answered: true`` so they hide the control.
        """
        if not isinstance(data, dict):
            return failure("invalid", "a rating is an object with score")
        score, survey_id, client_id = (
            data.get("score"),
            data.get("survey_id"),
            data.get("client_id"),
        )
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            return failure("invalid_score", "score must be a whole number from 1 to 5")
        if survey_id is not None and (
            not isinstance(survey_id, int) or isinstance(survey_id, bool)
        ):
            return failure("invalid", "survey_id must be the survey's number")
        if survey_id is None and not _valid_client_id(client_id):
            return failure("invalid_client_id", "a rating needs survey_id or client_id")
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        customer_id = session.get("customer_id")
        if customer_id is None:
            return failure("no_conversation", "there is no conversation to rate yet")
        if not self.limits.visitor_messages.allow(principal.scope):
            return failure("rate_limited", "you are sending too fast; wait a moment")
        key = f"survey-{survey_id}" if survey_id is not None else client_id
        try:
            survey = await self.connector.port.visitors.rate(
                customer_id,
                score,
                channel=self.connector.channel,
                provider_id=f"{principal.scope}:csat:{key}",
                survey_id=survey_id,
            )
        except HubError as exc:
            return failure(exc.code, exc.message)
        answered = {"survey_id": survey.id, "answered": True, "score": survey.score}
        await self.emit(
            "csat", answered, room=room_for(principal.kind, principal.address), skip_sid=sid
        )
        return {"ok": True, "survey_id": survey.id, "score": survey.score}

    async def on_handoff(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{"to": "phone"|"sms"|"email"}`` → ``{"ok": true, "code", "number"|"address"}``
        (see handoff.py)."""
        target = data.get("to") if isinstance(data, dict) else None
        if target not in ("phone", "sms", "email"):
            return failure("invalid", 'handoff "to" must be "phone", "sms" or "email"')
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        if not self.limits.visitor_handoffs.allow(principal.scope):
            return failure("rate_limited", "too many handoff requests; wait a minute")
        if target == "email":
            result, customer_id = await request_email_handoff(
                self.connector, principal, client=session["ip"]
            )
        else:
            result, customer_id = await request_handoff(
                self.connector, principal, target, client=session["ip"]
            )
        if customer_id is not None and session.get("customer_id") != customer_id:
            session["customer_id"] = customer_id
            await self.save_session(sid, session)
        return result

    async def on_verify(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{"kind": "phone"|"email", "address"}``: send a one-time code there."""
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        if not self.limits.visitor_verifications.allow(principal.scope):
            return failure("rate_limited", "too many codes requested; wait a few minutes")
        ack, challenge = await request_code(self.connector, principal, data, client=session["ip"])
        if challenge is not None:
            session["challenge"] = challenge
            session["customer_id"] = challenge.customer_id
            await self.save_session(sid, session)
        return ack

    async def on_verify_code(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{"code"}``: confirm the code sent by ``verify``."""
        session = await self.get_session(sid)
        ack, session["challenge"] = await check_code(self.connector, session.get("challenge"), data)
        await self.save_session(sid, session)
        return ack
