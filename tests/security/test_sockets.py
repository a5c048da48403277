"""Hostile clients on the sockets: widget origins, tampered tokens, other visitors'
ids, oversized and malformed socket.io / WebSocket frames, terminal roles.

A real uvicorn server on loopback, both engines. After every abuse an honest
visitor still connects and chats: one bad client never takes the server down.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import socketio
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from hub.actions.staff import create_terminal
from tests.conftest import LiveServer
from tests.connectors.webchat.conftest import Visitor, visitors  # noqa: F401 (fixture)

EIO_PATH = "/socket.io/?EIO=4&transport=websocket"


def ws_base(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://")


async def honest_visitor_still_chats(server: LiveServer, visitors: Any) -> None:  # noqa: F811
    visitor, _ = await visitors(server.url)
    ack = await visitor.send("still here")
    assert ack["ok"] is True


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        "{url}.evil.example",
        "{url}@evil.example",
        "http://localhost.evil.example",
    ],
)
async def test_widget_handshake_from_a_disallowed_origin_is_refused(
    server: LiveServer,
    visitors: Any,  # noqa: F811
    origin: str,
) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await visitors(server.url, origin=origin.format(url=server.url))
    await honest_visitor_still_chats(server, visitors)


async def test_tampered_or_borrowed_ids_never_reach_another_visitors_history(
    server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    alice, session = await visitors(server.url)
    assert (await alice.send("alice's secret order 1234"))["ok"]
    token: str = session["visitor_token"]
    alice_customer = (await alice.send("again"))["customer_id"]
    payload, _, signature = token.rpartition(".")
    # Change the first character: the last one of base64 may only hold padding bits.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    tampered = [
        payload + "." + flipped,  # right visitor, wrong signature
        token[:-4],  # truncated
        token + "x",  # extended
        "not-a-token",
        json.dumps({"visitor_id": 1}),
    ]
    for forged in tampered:
        mallory, seen = await visitors(
            server.url,
            auth={"visitor_token": forged, "customer_id": alice_customer, "visitor_id": 1},
        )
        assert seen["visitor_token"] != token and seen["customer_id"] is None, forged
        assert seen["messages"] == [], forged
        ack = await mallory.send("hi", customer_id=alice_customer, visitor_token=token)
        assert ack["ok"] and ack["customer_id"] != alice_customer, forged
    # The genuine token still opens Alice's own history, and only hers.
    _, again = await visitors(server.url, auth={"visitor_token": token})
    assert again["customer_id"] == alice_customer
    assert {m["body"] for m in again["messages"]} == {"alice's secret order 1234", "again"}


async def test_a_visitor_cannot_join_the_agent_namespace(server: LiveServer) -> None:
    visitor = Visitor(server.url)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await visitor.client.connect(
                server.url,
                namespaces=["/agent"],
                transports=["websocket"],
                headers={"Origin": server.url},
                wait_timeout=5,
            )
    finally:
        await visitor.close()


async def test_oversized_and_malformed_socketio_frames_leave_the_server_up(
    server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    visitor, _ = await visitors(server.url)
    too_long = await visitor.send("x" * (server.settings.max_message_chars + 1))
    assert too_long == {"ok": False, "error": "too_long", "message": too_long["message"]}
    # Past socket.io's buffer limit the server drops the connection.
    try:
        await asyncio.wait_for(visitor.send("y" * 200_000), 3)
    except (TimeoutError, socketio.exceptions.SocketIOError):
        pass
    for _ in range(50):
        if not visitor.client.connected:
            break
        await asyncio.sleep(0.05)
    assert not visitor.client.connected
    # Raw engine.io frames: garbage, broken packets, binary junk, invalid UTF-8.
    garbage: list[str | bytes] = [
        "",
        "not a packet",
        "40/widget,{not json",
        "42/widget,[" * 2000,
        '42/widget,["message",{"client_id":' + "[" * 5000 + "]}]",
        "4" + "\x00" * 100,
        b"\xff\xfe\x00binary",
        "0" * 70_000,
    ]
    for frame in garbage:
        try:
            async with ws_connect(
                ws_base(server) + EIO_PATH, additional_headers={"Origin": server.url}
            ) as ws:
                await asyncio.wait_for(ws.recv(), 3)  # the engine.io open packet
                await ws.send("40/widget,{}")
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), 1)
        except (TimeoutError, ConnectionClosed):
            pass
    async with ws_connect(ws_base(server) + EIO_PATH) as ws:
        await asyncio.wait_for(ws.recv(), 3)
        await ws.send(b"\xff\xfe", text=True)  # a text frame that is not UTF-8
        with pytest.raises(ConnectionClosed):
            for _ in range(5):
                await asyncio.wait_for(ws.recv(), 3)
    await honest_visitor_still_chats(server, visitors)


async def terminal_call(ws: Any, frame: str | bytes, *, text: bool = True) -> dict[str, Any]:
    await ws.send(frame, text=text)
    while True:
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if answer.get("type") == "ack":
            return answer  # type: ignore[no-any-return]


async def test_terminal_frames_oversized_malformed_and_kiosk_limits(
    server: LiveServer,
    visitors: Any,  # noqa: F811
) -> None:
    async with server.hub.uow() as uow:
        _, associate = await create_terminal(uow, "S1", "till", role="associate")
        _, kiosk = await create_terminal(uow, "S1", "kiosk", role="kiosk")
    url = ws_base(server) + "/instore/ws"
    async with ws_connect(url, additional_headers={"Authorization": f"Bearer {associate}"}) as ws:
        note = {"id": "c1", "type": "checkin", "phone": "+15550100321", "name": "Dana Secret"}
        checkin = await terminal_call(ws, json.dumps(note))
        assert checkin["ok"], checkin
        detail = {
            "id": "d1",
            "type": "detail",
            "customer_id": checkin["customer_id"],
            "key": "address",
            "value": "1 Private Lane",
        }
        assert (await terminal_call(ws, json.dumps(detail)))["ok"]
        for bad, code in [
            ('{"id": "x1", "type": "note", "body": "' + "z" * 70_000 + '"}', "too_large"),
            ("[" * 5000 + "]" * 5000, "bad_json"),
            ("{not json", "bad_json"),
            ('{"id": "x2", "type": "drop_tables"}', "unknown_type"),
        ]:
            ack = await terminal_call(ws, bad)
            assert ack["ok"] is False and ack["error"]["code"] == code, ack
        ack = await terminal_call(ws, b'{"id": "x3", "type": "lookup"}', text=False)
        assert "ok" in ack
    # Invalid UTF-8 in a text frame: the connection is closed, the server stays up.
    async with ws_connect(url, additional_headers={"Authorization": f"Bearer {associate}"}) as ws:
        await ws.send(b'{"id": "\xff"}', text=True)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 3)
    async with ws_connect(url, additional_headers={"Authorization": f"Bearer {kiosk}"}) as ws:
        lookup = await terminal_call(
            ws, json.dumps({"id": "k1", "type": "lookup", "phone": "+15550100321"})
        )
        assert lookup["ok"] and lookup["found"]
        shown = json.dumps(lookup)
        assert "Private Lane" not in shown and "+15550100321" not in shown
        assert set(lookup["customer"]) == {"id", "first_name"}
        for frame_type in ("note", "detail", "purchase", "message"):
            frame = {"id": f"k-{frame_type}", "type": frame_type, "customer_id": 1, "body": "x"}
            ack = await terminal_call(ws, json.dumps(frame))
            assert ack["ok"] is False, (frame_type, ack)
    await honest_visitor_still_chats(server, visitors)
