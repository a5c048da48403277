"""The cross-process relay fails soft: with Redis down, an agent's answer is still
pushed to the terminal connected to the committing process (SQLite and PostgreSQL).
The cross-process path itself is tested in ``tests/scaleout/test_instore_relay.py``."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx

from hub.actions.staff import create_terminal
from hub.settings import Settings
from tests.conftest import REDIS_URL, free_socket, live_server, require_service
from tests.connectors.instore.conftest import agent_cookie, call, recv_json, terminal


async def test_answer_reaches_local_terminal_while_redis_is_down(settings: Settings) -> None:
    closed = free_socket()  # bound, never listening: connections are refused
    dead_redis = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    try:
        async with live_server(settings.with_(redis_url=dead_redis), run_outbox=False) as live:
            async with live.hub.uow() as uow:
                _, key = await create_terminal(uow, "S1", "Tablet", role="associate")
            _, cookie, csrf = await agent_cookie(live.hub)
            async with terminal(live, key) as ws:
                walk_in = await call(ws, {"id": "c1", "type": "checkin", "phone": "+15551112222"})
                asked = await call(
                    ws,
                    {
                        "id": "a1",
                        "type": "assist",
                        "customer_id": walk_in["customer_id"],
                        "body": "Help",
                    },
                )
                async with httpx.AsyncClient(headers={"Cookie": cookie}) as http:
                    answer = await http.post(
                        f"{live.url}/instore/assists/{asked['assist_id']}/reply",
                        json={"body": "On my way"},
                        headers={"X-CSRF-Token": csrf},
                    )
                assert answer.status_code == 200, answer.text
                pushed = await recv_json(ws)
        assert pushed["type"] == "assist.reply" and pushed["body"] == "On my way"
    finally:
        closed.close()


async def test_with_redis_the_local_terminal_gets_the_answer_once(settings: Settings) -> None:
    """The committing process pushes directly and skips its own published copy."""
    redis_url = require_service(REDIS_URL, "Redis", "HUB_TEST_REDIS_URL")
    settings = settings.with_(redis_url=redis_url, redis_channel=f"hub-test-{uuid.uuid4().hex}")
    async with live_server(settings, run_outbox=False) as live:
        async with live.hub.uow() as uow:
            _, key = await create_terminal(uow, "S1", "Tablet", role="associate")
        _, cookie, csrf = await agent_cookie(live.hub)
        async with terminal(live, key) as ws:
            walk_in = await call(ws, {"id": "c1", "type": "checkin", "phone": "+15551112222"})
            asked = await call(
                ws,
                {"id": "a1", "type": "assist", "customer_id": walk_in["customer_id"], "body": "?"},
            )
            async with httpx.AsyncClient(headers={"Cookie": cookie}) as http:
                answer = await http.post(
                    f"{live.url}/instore/assists/{asked['assist_id']}/reply",
                    json={"body": "Coming"},
                    headers={"X-CSRF-Token": csrf},
                )
            assert answer.status_code == 200, answer.text
            assert (await recv_json(ws))["body"] == "Coming"
            # A lookup's ack comes next: no second copy of the push arrived meanwhile.
            await asyncio.sleep(0.3)
            await ws.send(json.dumps({"id": "l1", "type": "lookup", "email": "n@o.pe"}))
            assert (await recv_json(ws))["type"] == "ack"
