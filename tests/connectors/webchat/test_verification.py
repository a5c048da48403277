"""Verifying a typed-in phone with a one-time code, then continuing by SMS."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from hub.ingest import IngestBatcher
from hub.models import Event, Identity
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import LiveServer, live_server

PHONE = "+15550106060"


@pytest.fixture
async def hub_server(settings: Settings) -> AsyncIterator[LiveServer]:
    """A live hub whose outbox is off: the code's text is committed, not sent to Twilio."""
    async with live_server(settings, run_outbox=False) as live:
        if not any("phone" in c.reply_kinds for c in live.hub.connectors.values()):
            pytest.skip("no connector reaches phones")
        yield live


async def texts_to(live: LiveServer, address: str) -> list[Event]:
    async with live.hub.read() as db:
        result = await db.execute(
            select(Event)
            .join(Identity, Event.identity_id == Identity.id)
            .where(Event.direction == "out", Identity.address == address)
            .order_by(Event.id)
        )
        return list(result.scalars())


async def test_code_verifies_the_phone_and_unlocks_sms(
    hub_server: LiveServer, visitors: Any
) -> None:
    visitor, _ = await visitors(hub_server.url)
    await visitor.send("hi", details={"phone": PHONE})
    assert (await visitor.call("handoff", {"to": "sms"}))["error"] == "unverified_phone"

    ack = await visitor.call("verify", {"kind": "phone", "address": "(555) 010-6060"})
    assert ack == {"ok": True, "kind": "phone"}
    [text] = await texts_to(hub_server, PHONE)
    match = re.search(r"\b(\d{6})\b", text.body or "")
    assert match is not None
    code = match.group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert (await visitor.call("verify_code", {"code": wrong}))["error"] == "wrong_code"
    assert await visitor.call("verify_code", {"code": code}) == {
        "ok": True,
        "kind": "phone",
        "address": PHONE,
    }
    async with hub_server.hub.read() as db:
        phone = (await db.execute(select(Identity).where(Identity.address == PHONE))).scalar_one()
    assert phone.verification == "verified"

    handoff = await visitor.call("handoff", {"to": "sms"})
    assert handoff["ok"] is True
    assert handoff["code"] in ((await texts_to(hub_server, PHONE))[-1].body or "")


async def test_someone_elses_number_gets_no_code(hub_server: LiveServer, visitors: Any) -> None:
    """A number another customer proved (it texted in) is theirs: no code is sent."""
    await IngestBatcher(hub_server.hub).submit(
        Inbound(channel="sms", kind="phone", address=PHONE, body="mine", provider_id="SMown")
    )
    intruder, _ = await visitors(hub_server.url)
    ack = await intruder.call("verify", {"kind": "phone", "address": PHONE})
    assert ack["ok"] is False and ack["error"] == "taken"
    assert await texts_to(hub_server, PHONE) == []


async def test_codes_run_out(hub_server: LiveServer, visitors: Any) -> None:
    visitor, _ = await visitors(hub_server.url)
    assert (await visitor.call("verify_code", {"code": "123456"}))["error"] == "no_code"
    assert (await visitor.call("verify", {"kind": "phone", "address": PHONE}))["ok"]
    [text] = await texts_to(hub_server, PHONE)
    wrong = "000000" if "000000" not in (text.body or "") else "111111"
    errors = [(await visitor.call("verify_code", {"code": wrong}))["error"] for _ in range(5)]
    assert errors == ["wrong_code"] * 4 + ["no_code"]
