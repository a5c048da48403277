"""The simulator's Messages resource, driven by the real ``twilio`` client over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from connectors.twilio.client import twilio_client
from hub.settings import Settings
from simulators.twilio import RunningSimulator, serve_simulator
from simulators.twilio.messages import MessagesResource
from tests.conftest import TWILIO_TEST_SID, TWILIO_TEST_TOKEN, free_socket

CUSTOMER = "+15551230000"
OURS = "+15550001111"


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    async with serve_simulator(TWILIO_TEST_SID, TWILIO_TEST_TOKEN, callback_delay=0.0) as running:
        yield running


def client_for(sim: RunningSimulator, token: str = TWILIO_TEST_TOKEN) -> Client:
    return twilio_client(
        Settings(
            twilio_account_sid=TWILIO_TEST_SID, twilio_auth_token=token, twilio_api_base=sim.url
        )
    )


@pytest.fixture
async def client(sim: RunningSimulator) -> AsyncIterator[Client]:
    twilio = client_for(sim)
    yield twilio
    await twilio.http_client.close()  # type: ignore[attr-defined]


async def test_create_fetch_and_list(sim: RunningSimulator, client: Client) -> None:
    first = await client.messages.create_async(to=CUSTOMER, from_=OURS, body="one ✓")
    second = await client.messages.create_async(
        to=CUSTOMER, from_=OURS, body="two", media_url=["https://example.com/a.jpg"]
    )
    await client.messages.create_async(to="+15559990000", from_=OURS, body="other")
    assert first.sid.startswith("SM") and len(first.sid) == 34
    assert (first.status, first.to, first.from_, first.body) == ("queued", CUSTOMER, OURS, "one ✓")
    assert first.account_sid == TWILIO_TEST_SID
    assert second.num_media == "1"

    fetched = await client.messages(first.sid).fetch_async()
    assert (fetched.sid, fetched.body) == (first.sid, "one ✓")

    listed = await client.messages.list_async(to=CUSTOMER, from_=OURS, limit=20)
    assert [m.sid for m in listed] == [second.sid, first.sid]  # newest first
    recorded = sim.simulator.resource(MessagesResource).sent
    assert [m.body for m in recorded] == ["one ✓", "two", "other"]
    assert recorded[1].media_urls == ["https://example.com/a.jpg"]


async def test_wrong_credentials_are_refused(sim: RunningSimulator) -> None:
    twilio = client_for(sim, token="not-the-token")
    try:
        with pytest.raises(TwilioRestException) as refused:
            await twilio.messages.create_async(to=CUSTOMER, from_=OURS, body="x")
    finally:
        await twilio.http_client.close()  # type: ignore[attr-defined]
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert sim.simulator.resource(MessagesResource).sent == []


async def test_invalid_request_gets_twilios_error(client: Client) -> None:
    with pytest.raises(TwilioRestException) as refused:
        await client.messages.create_async(to=CUSTOMER, from_=OURS, body="x" * 1601)
    assert (refused.value.status, refused.value.code) == (400, 21617)
    with pytest.raises(TwilioRestException) as missing:
        await client.messages("SM" + "0" * 32).fetch_async()
    assert (missing.value.status, missing.value.code) == (404, 20404)


async def test_failures_on_demand(sim: RunningSimulator, client: Client) -> None:
    sim.simulator.fail_next(2, status=503)
    sim.simulator.reject_next(21211, "The 'To' number +1555 is not a valid phone number.")
    for _ in range(2):
        with pytest.raises(TwilioRestException) as outage:
            await client.messages.create_async(to=CUSTOMER, from_=OURS, body="x")
        assert outage.value.status == 503
    with pytest.raises(TwilioRestException) as rejected:
        await client.messages.create_async(to=CUSTOMER, from_=OURS, body="x")
    assert (rejected.value.status, rejected.value.code) == (400, 21211)
    assert rejected.value.msg.endswith(": The 'To' number +1555 is not a valid phone number.")
    assert sim.simulator.resource(MessagesResource).sent == []

    sim.simulator.accept_and_fail_next(status=502)
    with pytest.raises(TwilioRestException):
        await client.messages.create_async(to=CUSTOMER, from_=OURS, body="lost answer")
    assert [m.body for m in sim.simulator.resource(MessagesResource).sent] == ["lost answer"]
    ok = await client.messages.create_async(to=CUSTOMER, from_=OURS, body="fine")
    assert ok.status == "queued"


class Receiver:
    """A stand-in application that checks signatures exactly as the hub does."""

    def __init__(self) -> None:
        self.url = ""
        self.received: list[tuple[dict[str, str], bool]] = []

    async def handle(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).multi_items()}
        valid = RequestValidator(TWILIO_TEST_TOKEN).validate(
            self.url + request.url.path + "?" + request.url.query,
            form,
            request.headers.get("x-twilio-signature", ""),
        )
        self.received.append((form, valid))
        return Response(status_code=204 if valid else 403)


async def test_status_callbacks_are_signed_like_twilios(
    sim: RunningSimulator, client: Client
) -> None:
    receiver = Receiver()
    sock = free_socket()
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = Starlette(routes=[Route("/status", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        messages = sim.simulator.resource(MessagesResource)
        messages.set_outcome("+15559990000", "undelivered", 30003)
        callback = f"{receiver.url}/status?m=42"
        ok = await client.messages.create_async(
            to=CUSTOMER, from_=OURS, body="hi", status_callback=callback
        )
        bad = await client.messages.create_async(
            to="+15559990000", from_=OURS, body="hi", status_callback=callback
        )
        for _ in range(200):
            if len(receiver.received) == 4:
                break
            await asyncio.sleep(0.02)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()

    assert all(valid for _, valid in receiver.received)
    by_sid: dict[str, list[tuple[str, Any]]] = {}
    for form, _ in receiver.received:
        assert form["AccountSid"] == TWILIO_TEST_SID
        assert form["SmsStatus"] == form["MessageStatus"]
        by_sid.setdefault(form["MessageSid"], []).append(
            (form["MessageStatus"], form.get("ErrorCode"))
        )
    assert by_sid == {
        ok.sid: [("sent", None), ("delivered", None)],
        bad.sid: [("sent", None), ("undelivered", "30003")],
    }
    fetched = await client.messages(bad.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)
