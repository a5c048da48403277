"""Load generators that keep going across hub crashes and remember what was acknowledged.

Each behaves as the real client does: Twilio retries a webhook until it gets a 2xx
(same MessageSid), the widget resends an unacknowledged message with the same
``client_id`` after reconnecting, and an integrator's API call either got its 202 or
did not (it is never retried, so its body may or may not exist).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import socketio

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN
from tests.reliability.conftest import SMS_NUMBER

PHONES = [f"+1555010{n:04d}" for n in range(6)]


@dataclass
class Acked:
    """What clients were told was accepted, by unique body."""

    sms: set[str] = field(default_factory=set)
    widget: set[str] = field(default_factory=set)
    replies: set[str] = field(default_factory=set)
    reply_attempts: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class SmsFlood:
    """Signed inbound SMS, each retried with its MessageSid until a 2xx."""

    def __init__(self, url: str, acked: Acked, stop: asyncio.Event) -> None:
        self.url = url
        self.acked = acked
        self.stop = stop
        self.counter = 0
        self.unacked: list[dict[str, str]] = []

    def next_params(self) -> dict[str, str]:
        self.counter += 1
        return {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": TWILIO_TEST_SID,
            "From": PHONES[self.counter % len(PHONES)],
            "To": SMS_NUMBER,
            "Body": f"sms-{self.counter:05d}",
            "NumMedia": "0",
        }

    async def post(self, client: httpx.AsyncClient, params: dict[str, str]) -> bool:
        url = self.url + "/twilio/sms"
        headers = {SIGNATURE_HEADER: sign(TWILIO_TEST_TOKEN, url, params)}
        try:
            response = await client.post(url, data=params, headers=headers)
        except httpx.HTTPError:
            self.acked.error("sms-network")
            return False
        if response.is_success:
            self.acked.sms.add(params["Body"])
            return True
        self.acked.error(f"sms-{response.status_code}")
        return False

    async def worker(self) -> None:
        async with httpx.AsyncClient(timeout=3.0) as client:
            while not self.stop.is_set():
                params = self.unacked.pop() if self.unacked else self.next_params()
                if not await self.post(client, params):
                    self.unacked.append(params)
                    await asyncio.sleep(0.1)

    async def drain(self, within: float) -> None:
        """Deliver the webhooks still unacknowledged (Twilio's retries)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with httpx.AsyncClient(timeout=3.0) as client:
            while self.unacked and loop.time() < deadline:
                params = self.unacked.pop()
                if not await self.post(client, params):
                    self.unacked.append(params)
                    await asyncio.sleep(0.1)


class WidgetVisitor:
    """One widget tab: keeps its visitor token and resends unacked messages after a
    reconnect with the same ``client_id``."""

    def __init__(self, url: str, name: str, acked: Acked, stop: asyncio.Event) -> None:
        self.url = url
        self.name = name
        self.acked = acked
        self.stop = stop
        self.token: str | None = None
        self.counter = 0

    async def connect(self) -> tuple[socketio.AsyncClient, aiohttp.ClientSession] | None:
        http = aiohttp.ClientSession()
        client = socketio.AsyncClient(reconnection=False, http_session=http)
        session: asyncio.Queue[Any] = asyncio.Queue()
        client.on("session", session.put, namespace="/widget")
        auth = {"visitor_token": self.token} if self.token else {}
        try:
            await client.connect(
                self.url,
                namespaces=["/widget"],
                auth=auth,
                transports=["websocket"],
                headers={"Origin": self.url},
                wait_timeout=3,
            )
            payload = await asyncio.wait_for(session.get(), 3)
        except (socketio.exceptions.ConnectionError, TimeoutError, OSError):
            self.acked.error("widget-connect")
            await _close(client, http)
            return None
        self.token = self.token or payload["visitor_token"]
        return client, http

    async def run(self) -> None:
        pending: tuple[str, str] | None = None
        while not self.stop.is_set():
            connected = await self.connect()
            if connected is None:
                await asyncio.sleep(0.2)
                continue
            client, http = connected
            try:
                while not self.stop.is_set() and client.connected:
                    if pending is None:
                        self.counter += 1
                        pending = (f"{self.name}-{self.counter}", f"web-{self.name}-{self.counter}")
                    client_id, body = pending
                    try:
                        ack = await client.call(
                            "message",
                            {"client_id": client_id, "body": body},
                            namespace="/widget",
                            timeout=3,
                        )
                    except (socketio.exceptions.SocketIOError, TimeoutError, OSError):
                        self.acked.error("widget-send")
                        break
                    if ack.get("ok"):
                        self.acked.widget.add(body)
                        pending = None
                    else:
                        self.acked.error(f"widget-{ack.get('error')}")
                    await asyncio.sleep(1.2)
            finally:
                await _close(client, http)


async def _close(client: socketio.AsyncClient, http: aiohttp.ClientSession) -> None:
    try:
        await asyncio.wait_for(client.disconnect(), 2)
    except (TimeoutError, OSError, socketio.exceptions.SocketIOError):
        pass
    await http.close()


class ReplyFlood:
    """Agent replies through the REST API to the SMS customers; never retried."""

    def __init__(self, url: str, token: str, acked: Acked, stop: asyncio.Event) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acked = acked
        self.stop = stop
        self.counter = 0
        self.customers: dict[str, int] = {}

    async def customer_id(self, client: httpx.AsyncClient, phone: str) -> int | None:
        if phone not in self.customers:
            response = await client.get(
                self.url + "/api/v1/customers", params={"phone": phone}, headers=self.headers
            )
            items = response.json().get("items", []) if response.is_success else []
            if not items:
                return None
            self.customers[phone] = items[0]["id"]
        return self.customers[phone]

    async def worker(self) -> None:
        async with httpx.AsyncClient(timeout=3.0) as client:
            while not self.stop.is_set():
                self.counter += 1
                phone = PHONES[self.counter % len(PHONES)]
                body = f"reply-{self.counter:05d}"
                try:
                    customer = await self.customer_id(client, phone)
                    if customer is None:
                        await asyncio.sleep(0.1)
                        continue
                    self.acked.reply_attempts.add(body)
                    response = await client.post(
                        f"{self.url}/api/v1/customers/{customer}/messages",
                        json={"body": body, "channel": "sms"},
                        headers=self.headers,
                    )
                except httpx.HTTPError:
                    self.acked.error("reply-network")
                    await asyncio.sleep(0.1)
                    continue
                if response.status_code == 202:
                    self.acked.replies.add(body)
                else:
                    self.acked.error(f"reply-{response.status_code}")
                await asyncio.sleep(0.05)
