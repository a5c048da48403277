"""A kiosk is a screen anyone in the shop can touch: it cannot walk customer ids to
list first names (terminal socket, both engines)."""

from __future__ import annotations

import json

from websockets.asyncio.client import connect as ws_connect

from hub.actions.staff import create_terminal
from tests.conftest import LiveServer
from tests.security.test_sockets import terminal_call, ws_base


async def test_a_kiosk_cannot_look_customers_up_by_id(server: LiveServer) -> None:
    async with server.hub.uow() as uow:
        _, associate = await create_terminal(uow, "S1", "till", role="associate")
        _, kiosk = await create_terminal(uow, "S1", "kiosk", role="kiosk")
    url = ws_base(server) + "/instore/ws"
    async with ws_connect(url, additional_headers={"Authorization": f"Bearer {associate}"}) as ws:
        frame = {"id": "c1", "type": "checkin", "phone": "+15550100321", "name": "Dana Secret"}
        checkin = await terminal_call(ws, json.dumps(frame))
        assert checkin["ok"], checkin
    victim = checkin["customer_id"]
    async with ws_connect(url, additional_headers={"Authorization": f"Bearer {kiosk}"}) as ws:
        for n in range(4):
            frame = {"id": f"k{n}", "type": "lookup", "customer_id": victim + n}
            ack = await terminal_call(ws, json.dumps(frame))
            assert ack["ok"] is False and ack["error"]["code"] == "forbidden", ack
            assert "Dana" not in json.dumps(ack)
        # What a kiosk is for still works: the customer types their own phone number.
        own = {"id": "k9", "type": "lookup", "phone": "+15550100321"}
        ack = await terminal_call(ws, json.dumps(own))
        assert ack["ok"] and ack["customer"] == {"id": victim, "first_name": "Dana"}
