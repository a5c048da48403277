"""The cross-process relay fails soft: with Redis down, an agent's answer is still
pushed to the terminal connected to the committing process (SQLite and PostgreSQL).
The cross-process path itself is tested in ``tests/scaleout/test_instore_relay.py``."""

from __future__ import annotations

import httpx

from hub.actions.staff import create_terminal
from hub.settings import Settings
from tests.conftest import free_socket, live_server
from tests.connectors.instore.conftest import agent_cookie, call, recv_json, terminal


async def test_answer_reaches_local_terminal_while_redis_is_down(settings: Settings) -> None:
    closed = free_socket()  # bound, never listening: connections are refused
    dead_redis = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    try:
        async with live_server(settings.with_(redis_url=dead_redis), run_outbox=False) as live:
            async with live.hub.uow() as uow:
                _, key = await create_terminal(uow, "S1", "Tablet", role="associate")
            _, cookie = await agent_cookie(live.hub, live.settings.secret_key)
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
                        headers={"X-CSRF-Token": "csrf-token-1"},
                    )
                assert answer.status_code == 200, answer.text
                pushed = await recv_json(ws)
        assert pushed["type"] == "assist.reply" and pushed["body"] == "On my way"
    finally:
        closed.close()
