"""Scale-out of in-store pushes: an agent's answer committed by one ``hub serve``
process reaches the terminal whose WebSocket is connected to another (Redis relay)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from hub.actions.staff import create_terminal
from tests.scaleout.conftest import WAIT, Cluster, console_cookie


async def next_frame(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next frame of ``type`` ``kind`` (others are skipped)."""
    async with asyncio.timeout(WAIT):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame  # type: ignore[no-any-return]


async def test_assist_reply_committed_on_a_reaches_terminal_on_b(cluster: Cluster) -> None:
    a, b = await cluster.start(2)
    agent_id = await cluster.agent("Grace")
    async with cluster.hub.uow() as uow:
        terminal, key = await create_terminal(uow, "S9", "Front desk", role="associate")
    ws_url = b.url.replace("http://", "ws://") + "/instore/ws"
    headers = {"Authorization": f"Bearer {key}"}
    async with connect(ws_url, additional_headers=headers, open_timeout=WAIT) as ws:
        await ws.send(json.dumps({"id": "c1", "type": "checkin", "phone": "+15557770001"}))
        checked_in = await next_frame(ws, "ack")
        assert checked_in["ok"], checked_in
        await ws.send(
            json.dumps(
                {
                    "id": "a1",
                    "type": "assist",
                    "customer_id": checked_in["customer_id"],
                    "body": "Can we refund W1001?",
                }
            )
        )
        asked = await next_frame(ws, "ack")
        assert asked["ok"], asked

        cookie, csrf = await console_cookie(cluster, agent_id)
        async with httpx.AsyncClient(timeout=WAIT) as http:
            response = await http.post(
                f"{a.url}/instore/assists/{asked['assist_id']}/reply",
                json={"body": "Refund approved."},
                headers={"Cookie": cookie, "X-CSRF-Token": csrf},
            )
        assert response.status_code == 200, response.text

        pushed = await next_frame(ws, "assist.reply")
        assert pushed["assist_id"] == asked["assist_id"]
        assert pushed["terminal_id"] == terminal.id
        assert pushed["body"] == "Refund approved."
        assert pushed["reply_id"] == response.json()["event"]["id"]
