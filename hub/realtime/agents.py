"""The ``/agent`` namespace: console users, authenticated by the session cookie.

Rooms: ``agents`` (everyone), ``agent:<id>`` (one agent's tabs), ``customer:<id>``
(tabs showing that customer's thread, joined with the ``watch`` event).
Presence is the set of agent ids with at least one socket in this process who have not
set themselves ``away`` (an away agent gets no calls or chats), announced with
``presence.updated``; with Redis, ``hub.realtime.presence.SharedPresence`` merges
the sets of every hub process into ``hub.presence()``.

Only the console's own origin (``HUB_PUBLIC_URL``) may open it: the widget's allowed
origins are for ``/widget`` (a script on the shop's site must not ride an agent's
cookie into the console). A socket lives only as long as its server-side session
(``hub.actions.sessions``): a revocation committed in this process disconnects that
session's sockets at once (``agent.sessions_revoked``), and every process re-checks
its sockets' sessions every ``SWEEP_SECONDS`` in the shared database, so a
revocation in another process, an expiry or a deactivation takes effect within
seconds everywhere, with or without Redis.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import socketio

from hub import events as ev
from hub.core import Hub
from hub.queries.sessions import find_session, live_session_ids
from hub.web.sessions import SESSION_KEY, read_session_cookie
from hub.workers.periodic import Periodic

log = logging.getLogger(__name__)

NAMESPACE = "/agent"
ALL_AGENTS = "agents"
SWEEP_SECONDS = 2.0


def agent_room(agent_id: int) -> str:
    return f"agent:{agent_id}"


def customer_room(customer_id: int) -> str:
    return f"customer:{customer_id}"


class AgentNamespace(socketio.AsyncNamespace):
    def __init__(self, hub: Hub) -> None:
        super().__init__(NAMESPACE)
        self.hub = hub
        self.connections: Counter[int] = Counter()
        self.status: dict[int, str] = {}
        # Called when the set of agents online here changes (shared presence, scale-out).
        self.presence_changed: Callable[[], None] = lambda: None
        # socket id -> (agent id, server-side session id), for revocation.
        self.sockets: dict[str, tuple[int, int]] = {}
        self._sweeper = Periodic(
            "agent-sessions-sweep",
            self.sweep,
            every=SWEEP_SECONDS,
            failed="agent session sweep failed",
        )

    def online_agent_ids(self) -> set[int]:
        """Agents with a console open here who have not set themselves away: the ones
        calls and chats may be routed to (``hub.presence()``)."""
        return {
            agent_id
            for agent_id, n in self.connections.items()
            if n > 0 and self.status.get(agent_id) != "away"
        }

    @property
    def console_origin(self) -> str:
        return self.hub.settings.public_url.rstrip("/")

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        """Admit a socket of a live console session from the console's own origin.

        A browser sends ``Origin`` on every cross-site handshake (and on WebSocket
        upgrades); a same-origin polling request may omit it.
        """
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin.rstrip("/") != self.console_origin:
            raise socketio.exceptions.ConnectionRefusedError("origin not allowed")
        headers = dict(environ.get("asgi.scope", {}).get("headers", []))
        cookie = headers.get(b"cookie", b"").decode("latin-1") or environ.get("HTTP_COOKIE")
        key = read_session_cookie(cookie, self.hub.settings.secret_key).get(SESSION_KEY)
        if not isinstance(key, str) or not key:
            raise socketio.exceptions.ConnectionRefusedError("login required")
        async with self.hub.read() as db:
            found = await find_session(db, key)
        if found is None:
            raise socketio.exceptions.ConnectionRefusedError("login required")
        agent_session, agent = found
        await self.save_session(sid, {"agent_id": agent.id, "name": agent.name, "role": agent.role})
        self.sockets[sid] = (agent.id, agent_session.id)
        await self.enter_room(sid, ALL_AGENTS)
        await self.enter_room(sid, agent_room(agent.id))
        self.connections[agent.id] += 1
        self.status.setdefault(agent.id, "online")
        if self.connections[agent.id] == 1:
            self.presence_changed()
            await self._announce(agent.id, self.status[agent.id])
        return True

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.sockets.pop(sid, None)
        session = await self.get_session(sid)
        agent_id = session.get("agent_id") if session else None
        if isinstance(agent_id, int):
            self.connections[agent_id] -= 1
            if self.connections[agent_id] <= 0:
                del self.connections[agent_id]
                self.status.pop(agent_id, None)
                self.presence_changed()
                await self._announce(agent_id, "offline")

    async def on_watch(self, sid: str, data: Any) -> dict[str, Any]:
        """Join the room of one customer's thread (typing indicators, live timeline)."""
        customer_id = data.get("customer_id") if isinstance(data, dict) else None
        if not isinstance(customer_id, int):
            return {"ok": False, "error": "customer_id must be an integer"}
        for room in self.rooms(sid, NAMESPACE):
            if room.startswith("customer:"):
                await self.leave_room(sid, room)
        await self.enter_room(sid, customer_room(customer_id))
        return {"ok": True}

    async def on_typing(self, sid: str, data: Any) -> None:
        """An agent is typing in a customer's thread; the customer's channel may show it."""
        customer_id = data.get("customer_id") if isinstance(data, dict) else None
        if not isinstance(customer_id, int):
            return
        session = await self.get_session(sid)
        payload = {
            "customer_id": customer_id,
            "who": "agent",
            "typing": bool(data.get("typing", True)),
            "name": session.get("name"),
        }
        # Ephemeral: nothing is stored, so it is published directly, not after a commit.
        await self.hub.publish([ev.DomainEvent(ev.TYPING, payload, customer_id)])

    async def on_presence(self, sid: str, data: Any) -> dict[str, Any]:
        """Set this agent's status: ``online`` or ``away``."""
        status = data.get("status") if isinstance(data, dict) else None
        if status not in ("online", "away"):
            return {"ok": False, "error": "status must be online or away"}
        session = await self.get_session(sid)
        changed = self.status.get(session["agent_id"]) != status
        self.status[session["agent_id"]] = status
        if changed:
            self.presence_changed()
        await self._announce(session["agent_id"], status)
        return {"ok": True}

    async def _announce(self, agent_id: int, status: str) -> None:
        await self.emit(
            ev.PRESENCE_UPDATED, {"agent_id": agent_id, "status": status}, room=ALL_AGENTS
        )

    # -- revocation --------------------------------------------------------------------

    async def on_domain_event(self, event: ev.DomainEvent) -> None:
        """Disconnect this process's sockets of sessions revoked here (after commit)."""
        if event.name != ev.AGENT_SESSIONS_REVOKED:
            return
        agent_id = event.payload["agent_id"]
        revoked = set(event.payload["session_ids"])
        everything = bool(event.payload.get("all"))
        for sid, (owner, session_id) in list(self.sockets.items()):
            if owner == agent_id and (everything or session_id in revoked):
                await self._drop(sid)

    async def sweep(self) -> None:
        """Disconnect sockets whose session is no longer live in the database
        (revoked by another process, expired, agent deactivated)."""
        if not self.sockets:
            return
        sessions = {session_id for _, session_id in self.sockets.values()}
        async with self.hub.read() as db:
            live = await live_session_ids(db, sessions)
        for sid, (_, session_id) in list(self.sockets.items()):
            if session_id not in live:
                await self._drop(sid)

    async def _drop(self, sid: str) -> None:
        self.sockets.pop(sid, None)
        with contextlib.suppress(Exception):
            await self.emit("session.revoked", {}, to=sid)
        await self.disconnect(sid)

    def start_sweeping(self) -> None:
        self._sweeper.start()

    async def stop_sweeping(self) -> None:
        await self._sweeper.stop()
