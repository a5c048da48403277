"""Secrets and personal data never reach the log: a real ``hub serve`` process at DEBUG
(uvicorn's loggers included), its whole output captured, on both engines.

It takes a valid and a wrong API token (and a customer look-up by phone and email in
the query string), Twilio signatures (right and wrong) on an SMS with a phone number
and a body, a wrong and a right console password (the session cookie it sets, then
pages and a logout with it), a terminal connecting with its key and sending a look-up
with a phone number and an email, and a widget visitor's message. The output must
contain no secret (tokens, keys, signatures, passwords, cookies, configured secrets)
and no phone number, email address or message body.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import socketio
from websockets.asyncio.client import connect as ws_connect

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.staff import create_agent
from hub.core import Hub
from tests.conftest import TEST_SECRET, TWILIO_TEST_TOKEN, make_settings
from tests.hub.web.console.conftest import csrf_of
from tests.reliability.conftest import HubProcess

PASSWORD = "hunter2-correct-horse-battery"
PHONE = "+15550100555"
EMAIL = "dana.private@example.org"
BODY = "my card ends 4242 and I live at 9 Secret Row"
WIDGET_BODY = "please call me, this is urgent and private"


async def test_no_secret_or_personal_data_is_logged_at_debug(db_url: str, tmp_path: Path) -> None:
    hub = HubProcess(db_url, tmp_path, "http://127.0.0.1:9", HUB_LOG_LEVEL="DEBUG")
    await hub.start()  # migrates the database
    core = Hub(make_settings(db_url, tmp_path))
    try:
        async with core.uow() as uow:
            await create_agent(uow, "ann.agent@example.com", "Ann", PASSWORD)
    finally:
        await core.dispose()
    token = (await hub.run("create-api-token", "logs")).split()[-1]
    terminal_key = (await hub.run("create-terminal", "--store", "S1", "till")).split()[-1]
    wrong_token = token[:-6] + "zzzzzz"
    params = {"MessageSid": "SM" + "f" * 32, "From": PHONE, "To": "+15550001111", "Body": BODY}
    signature = sign(TWILIO_TEST_TOKEN, hub.url + "/twilio/sms", params)
    wrong_signature = sign("not-the-token", hub.url + "/twilio/sms", params)
    try:
        async with httpx.AsyncClient(base_url=hub.url, timeout=10) as client:
            for bearer in (token, wrong_token):
                for query in ({"phone": PHONE}, {"email": EMAIL}, {"q": "Dana"}):
                    await client.get(
                        "/api/v1/customers",
                        params=query,
                        headers={"Authorization": f"Bearer {bearer}"},
                    )
            for sig in (signature, wrong_signature):
                await client.post("/twilio/sms", data=params, headers={SIGNATURE_HEADER: sig})
            for password in ("wrong " + PASSWORD, PASSWORD):
                login = await client.get("/login")
                await client.post(
                    "/login",
                    data={
                        "email": "ann.agent@example.com",
                        "password": password,
                        "csrf": csrf_of(login.text),
                    },
                )
            cookie = client.cookies.get("hub_session") or ""
            assert cookie, "the right password signed in"
            page = await client.get("/")
            assert page.status_code == 200
            await client.post("/logout", data={"csrf": csrf_of(page.text)})
        ws_url = hub.url.replace("http://", "ws://") + "/instore/ws"
        headers = {"Authorization": f"Bearer {terminal_key}"}
        async with ws_connect(ws_url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"id": "l1", "type": "lookup", "phone": PHONE}))
            await ws.recv()
            await ws.send(json.dumps({"id": "l2", "type": "lookup", "email": EMAIL}))
            await ws.recv()
        visitor = socketio.AsyncClient(reconnection=False)
        await visitor.connect(
            hub.url,
            namespaces=["/widget"],
            transports=["websocket"],
            headers={"Origin": hub.url},
            auth={"email": EMAIL, "phone": PHONE},
        )
        ack = await visitor.call(
            "message", {"client_id": "c1", "body": WIDGET_BODY}, namespace="/widget"
        )
        assert ack["ok"], ack
        await visitor.disconnect()
    finally:
        await hub.stop()
    log = hub.log_path.read_text(errors="replace")
    assert "/api/v1/customers" in log and "/twilio/sms" in log, log[-2000:]
    assert "DEBUG" in log, "the hub ran at DEBUG"
    # A key is ``<kind>_<prefix>_<secret>``; the secret is URL-safe base64 and may hold
    # "_" itself, so it is everything after the second underscore.
    forbidden = {
        "API token": token,
        "API token secret": token.split("_", 2)[2],
        "wrong API token": wrong_token,
        "terminal key": terminal_key,
        "terminal key secret": terminal_key.split("_", 2)[2],
        "Twilio signature": signature,
        "wrong Twilio signature": wrong_signature,
        "password": PASSWORD,
        "Twilio auth token": TWILIO_TEST_TOKEN,
        "secret key": TEST_SECRET,
        "session cookie": cookie,
        "phone number": PHONE[2:],
        "URL-encoded phone": "%2B" + PHONE[1:],
        "email": EMAIL,
        "agent's email": "ann.agent@example.com",
        "SMS body": "9 Secret Row",
        "widget message": WIDGET_BODY,
    }
    leaked = [name for name, value in forbidden.items() if value and value in log]
    assert not leaked, leaked
