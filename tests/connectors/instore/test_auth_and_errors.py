"""Keys, close codes, malformed frames and role limits over a real WebSocket."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from connectors.instore.protocol import CLOSE_BAD_KEY, CLOSE_REVOKED, MAX_FRAME_BYTES
from hub.actions.staff import revoke_terminal
from hub.models import Event, TerminalFrame
from tests.conftest import LiveServer
from tests.connectors.instore.conftest import (
    Keys,
    call,
    count,
    recv_json,
    sms_customer_with_order,
    terminal,
)


@pytest.mark.parametrize("key", [None, "term_nope", "term_0123456789ab_wrong-secret"])
async def test_bad_key_closes_with_4401(instore: LiveServer, keys: Keys, key: str | None) -> None:
    async with terminal(instore, key) as ws:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == CLOSE_BAD_KEY
    assert ws.close_reason == "unknown terminal key"


async def test_revoked_key_closes_with_4403_even_when_connected(
    instore: LiveServer, keys: Keys
) -> None:
    async with terminal(instore, keys.associate) as ws:
        assert (await call(ws, {"id": "l1", "type": "lookup", "phone": "+15550000000"}))["ok"]
        async with instore.hub.uow() as uow:
            await revoke_terminal(uow, keys.associate_id, actor="test")
        await ws.send(json.dumps({"id": "l2", "type": "lookup", "phone": "+15550000000"}))
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == CLOSE_REVOKED
    async with terminal(instore, keys.associate) as ws:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == CLOSE_REVOKED
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{instore.url}/instore/v1/lookup",
            json={"id": "l3", "phone": "+15550000000"},
            headers={"Authorization": f"Bearer {keys.associate}"},
        )
    assert response.status_code == 403 and response.json()["error"]["code"] == "revoked"


async def test_malformed_frames_get_error_acks_and_the_socket_stays_usable(
    instore: LiveServer, keys: Keys
) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    cases = [
        ("{not json", None, "bad_json"),
        ("[1, 2]", None, "bad_frame"),
        (json.dumps({"type": "lookup"}), None, "bad_frame"),
        (json.dumps({"id": "x" * 65, "type": "lookup"}), None, "bad_frame"),
        (json.dumps({"id": "u1", "type": "teleport"}), "u1", "unknown_type"),
        (
            json.dumps({"id": "f1", "type": "note", "customer_id": customer_id}),
            "f1",
            "missing_field",
        ),
        (
            json.dumps({"id": "f2", "type": "note", "customer_id": "7", "body": "x"}),
            "f2",
            "invalid_field",
        ),
        (
            json.dumps({"id": "f3", "type": "note", "customer_id": 999999, "body": "x"}),
            "f3",
            "not_found",
        ),
        (
            json.dumps({"id": "f4", "type": "purchase", "receipt_id": "R1", "items": []}),
            "f4",
            "missing_field",
        ),
        (
            json.dumps({"id": "f5", "type": "lookup", "phone": "not a phone"}),
            "f5",
            "invalid_address",
        ),
        (
            json.dumps({"id": "big", "type": "note", "body": "x" * MAX_FRAME_BYTES}),
            None,
            "too_large",
        ),
    ]
    async with terminal(instore, keys.associate) as ws:
        for raw, frame_id, code in cases:
            ack = await call(ws, raw)
            assert ack["ok"] is False and ack["id"] == frame_id, (raw[:60], ack)
            assert ack["error"]["code"] == code, (raw[:60], ack)
            assert ack["error"]["message"]
        await ws.send(b'{"id": "bin", "type": "lookup", "phone": "+15551230000"}')
        assert (await recv_json(ws))["found"] is True
        ok = await call(
            ws, {"id": "ok1", "type": "note", "customer_id": customer_id, "body": "still fine"}
        )
    assert ok["ok"], ok
    # Refusals of well-formed frames are stored (a resend gets the same answer).
    assert await count(instore.hub, TerminalFrame, TerminalFrame.frame_id == "f3") == 1
    assert await count(instore.hub, TerminalFrame, TerminalFrame.frame_id == "u1") == 0


async def test_role_limits(instore: LiveServer, keys: Keys) -> None:
    customer_id = await sms_customer_with_order(instore.hub)
    sale = {
        "type": "purchase",
        "phone": "+15551230000",
        "items": [{"name": "Mug", "unit_price_cents": 900}],
    }
    async with terminal(instore, keys.kiosk) as kiosk:
        found = await call(kiosk, {"id": "k1", "type": "lookup", "phone": "+15551230000"})
        checked_in = await call(kiosk, {"id": "k2", "type": "checkin", "customer_id": customer_id})
        note = await call(
            kiosk, {"id": "k3", "type": "note", "customer_id": customer_id, "body": "x"}
        )
        bought = await call(kiosk, {"id": "k4", "receipt_id": "K4", **sale})
    # A kiosk learns only that the customer exists, never their history.
    assert found == {
        "type": "ack",
        "id": "k1",
        "ok": True,
        "found": True,
        "customer": {"id": customer_id, "first_name": None},
    }
    assert checked_in["ok"]
    assert note["error"]["code"] == "forbidden" and bought["error"]["code"] == "forbidden"

    async with terminal(instore, keys.pos) as pos:
        card = await call(pos, {"id": "p1", "type": "lookup", "phone": "+15551230000"})
        bought = await call(pos, {"id": "p2", "receipt_id": "P2", **sale})
        note = await call(
            pos, {"id": "p3", "type": "note", "customer_id": customer_id, "body": "x"}
        )
        message = await call(
            pos, {"id": "p4", "type": "message", "customer_id": customer_id, "body": "x"}
        )
        assist = await call(
            pos, {"id": "p5", "type": "assist", "customer_id": customer_id, "body": "x"}
        )
    assert card["customer"]["orders"] and bought["ok"]
    for refused in (note, message, assist):
        assert refused["error"]["code"] == "forbidden", refused
    assert await count(instore.hub, Event, Event.type == "note") == 0
