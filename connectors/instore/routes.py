"""HTTP and WebSocket endpoints of the in-store connector.

- ``WS /instore/ws``: ``Authorization: Bearer <terminal key>``; frames in, acks out,
  ``assist.reply`` frames pushed. Closes with 4401 (bad key) or 4403 (revoked).
- ``POST /instore/v1/{type}``: the REST mirror; the body is the frame, the answer its ack.
- ``POST /instore/assists/{event_id}/reply``: the console's reply box (session + CSRF).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from connectors.instore.handlers import process_frame
from connectors.instore.lookups import LOOKUP_TYPES, answer_lookup
from connectors.instore.protocol import (
    CLOSE_BAD_KEY,
    CLOSE_REVOKED,
    CLOSE_UNAVAILABLE,
    MAX_FRAME_BYTES,
    OUTAGE_ERRORS,
    FrameError,
    ack_error,
    ack_ok,
    frame_id_of,
    http_status,
    parse_frame,
    text,
)
from hub.errors import HubError
from hub.port import HubPort
from hub.port.terminals import MAX_ASSIST_CHARS, Revoked
from hub.port.web import error_response, signed_in_agent

log = logging.getLogger(__name__)


def bearer_key(conn: HTTPConnection) -> str:
    scheme, _, key = conn.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


class TerminalSocket:
    """One open terminal connection; sends are serialised (acks and pushed frames)."""

    def __init__(self, websocket: WebSocket, terminal_id: int) -> None:
        self.websocket = websocket
        self.terminal_id = terminal_id
        self._lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._lock:
            await self.websocket.send_text(json.dumps(frame))


class InstoreEndpoints:
    """The endpoints, and the terminals connected to this process (for pushed frames)."""

    def __init__(self, port: HubPort) -> None:
        self.port = port
        self.sockets: dict[int, set[TerminalSocket]] = defaultdict(set)

    async def push(self, terminal_id: int, frame: dict[str, Any]) -> int:
        """Send ``frame`` to every connection of ``terminal_id`` in this process."""
        sent = 0
        for sock in list(self.sockets.get(terminal_id, ())):
            try:
                await sock.send(frame)
                sent += 1
            except (WebSocketDisconnect, OSError, RuntimeError):
                self.sockets[terminal_id].discard(sock)
        return sent

    async def authenticate(self, key: str) -> int:
        return await self.port.terminals.authenticate(key)

    async def answer(self, terminal_id: int, raw: str | bytes) -> dict[str, Any]:
        """The ack for one raw frame (``Revoked`` propagates)."""
        try:
            frame_id, frame = parse_frame(raw)
        except FrameError as exc:
            return ack_error(frame_id_of(raw), exc.code, exc.message)
        try:
            if frame["type"] in LOOKUP_TYPES:
                try:
                    return ack_ok(frame_id, await answer_lookup(self.port, terminal_id, frame))
                except HubError as exc:
                    if isinstance(exc, Revoked):
                        raise
                    return ack_error(frame_id, exc.code, exc.message)
                except OUTAGE_ERRORS:
                    return ack_error(frame_id, "unavailable", "the database is unavailable")
            return await process_frame(self.port, terminal_id, frame_id, frame)
        except Revoked:
            raise
        except Exception:
            log.exception("frame %s from terminal %s failed", frame_id, terminal_id)
            return ack_error(frame_id, "internal", "the hub could not process this frame")

    async def websocket(self, websocket: WebSocket) -> None:
        # Accept first: a close code can only be sent on an open socket.
        await websocket.accept()
        try:
            terminal_id = await self.authenticate(bearer_key(websocket))
        except Revoked as exc:
            await websocket.close(CLOSE_REVOKED, exc.message)
            return
        except HubError as exc:
            await websocket.close(CLOSE_BAD_KEY, exc.message)
            return
        except OUTAGE_ERRORS as exc:
            log.warning("terminal connection refused, database unavailable: %r", exc)
            await websocket.close(CLOSE_UNAVAILABLE, "database unavailable; reconnect later")
            return
        sock = TerminalSocket(websocket, terminal_id)
        self.sockets[terminal_id].add(sock)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                if raw is None:
                    raw = message.get("bytes") or b""
                try:
                    ack = await self.answer(terminal_id, raw)
                except Revoked as exc:
                    await websocket.close(CLOSE_REVOKED, exc.message)
                    break
                await sock.send(ack)
        except (WebSocketDisconnect, OSError):
            # The terminal went away, possibly between a commit and its ack: it will
            # resend the frame and get the stored ack.
            pass
        finally:
            self.sockets[terminal_id].discard(sock)
            if not self.sockets[terminal_id]:
                del self.sockets[terminal_id]

    async def rest(self, request: Request) -> JSONResponse:
        try:
            terminal_id = await self.authenticate(bearer_key(request))
        except HubError as exc:
            return error_response(exc.status, exc.code, exc.message)
        except OUTAGE_ERRORS as exc:
            log.warning("terminal request refused, database unavailable: %r", exc)
            return error_response(503, "unavailable", "the database is unavailable; retry later")
        body = await request.body()
        try:
            frame = json.loads(body) if 0 < len(body) <= MAX_FRAME_BYTES else None
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
            frame = None
        frame_type = request.path_params["type"]
        if isinstance(frame, dict):
            if frame.setdefault("type", frame_type) != frame_type:
                ack = ack_error(frame.get("id"), "bad_frame", "type differs from the URL")
                return JSONResponse(ack, status_code=http_status(ack))
            body = json.dumps(frame).encode()
        try:
            ack = await self.answer(terminal_id, body)
        except Revoked as exc:
            return error_response(exc.status, exc.code, exc.message)
        return JSONResponse(ack, status_code=http_status(ack))

    async def reply_to_assist(self, request: Request) -> JSONResponse:
        """The console answers an assist request: ``{"body": str}``.

        Needs a signed-in console session and ``X-CSRF-Token`` (the hub's one browser
        check, ``signed_in_agent``). Answers ``{"ok": true, "event": <the reply event>}``.
        """
        agent_id = (await signed_in_agent(request)).id
        try:
            payload = await request.json()
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            return error_response(400, "bad_json", "the body is a JSON object")
        body = text(payload, "body", required=True, max_len=MAX_ASSIST_CHARS)
        event = await self.port.terminals.reply_to_assist(
            request.path_params["event_id"], body, agent_id
        )
        return JSONResponse({"ok": True, "event": event})
