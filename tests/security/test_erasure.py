"""Erase means erased: a person who texted, was looked up and checked in at a store
terminal, ordered through the API with a pickup note, got a reply, and whose events
went out to a webhook endpoint, is erased with ``hub customer erase ID --yes``; then
every table of the database is dumped and nothing of the person is found (both
engines)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.actions.staff import create_api_token, create_terminal
from hub.actions.subscriptions import create_webhook
from hub.app import create_app
from hub.cli import main
from hub.core import Hub
from hub.db import Base
from hub.models import Customer, TerminalFrame, WebhookDelivery
from hub.models.subscriptions import WEBHOOK_EVENTS
from hub.settings import Settings
from tests.conftest import TEST_SECRET, running_app

PHONE = "+15550109876"
NAME = "Dana Zephyrine"
EMAIL = "dana.zephyrine@example.org"
ADDRESS = "12 Quillfeather Lane"
PICKUP = "Locker 7, ring Zephyrine at 12 Quillfeather Lane"
BODY = "my marmalade-otter order is late"
# Each of these, in any table after the erasure, is a leak.
TRACES = {
    "phone": PHONE[2:],
    "name": "Zephyrine",
    "email": "dana.zephyrine",
    "address": "Quillfeather",
    "message": "marmalade-otter",
}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The app with private webhook targets allowed (the endpoint is a loopback URL
    nobody answers) and no outbox worker: deliveries stay logged as pending/failed."""
    application = create_app(settings.with_(webhooks_allow_private=True), run_outbox=False)
    async with running_app(application):
        yield application


async def dump(hub: Hub) -> str:
    """Every row of every table, as text."""
    parts: list[str] = []
    async with hub.read() as db:
        for table in Base.metadata.sorted_tables:
            rows = (await db.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            parts.extend(f"{table.name}: {tuple(row)!r}" for row in rows)
    return "\n".join(parts)


async def test_after_hub_customer_erase_no_table_holds_anything_of_the_person(
    app: Any,
    settings: Settings,
    db_url: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core: Hub = app.state.hub
    async with core.uow() as uow:
        _, api_token = await create_api_token(uow, "shop")
        _, terminal_key = await create_terminal(uow, "S1", "till")
        await create_webhook(uow, "http://127.0.0.1:9/hook", list(WEBHOOK_EVENTS))
    api = {"Authorization": f"Bearer {api_token}"}
    till = {"Authorization": f"Bearer {terminal_key}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        params = {
            "MessageSid": "SM" + "7" * 32,
            "AccountSid": "AC" + "0" * 32,
            "From": PHONE,
            "To": "+15550001111",
            "Body": BODY,
            "NumMedia": "0",
        }
        signature = sign(settings, settings.public_url + "/twilio/sms", params)
        sms = await client.post("/twilio/sms", data=params, headers={SIGNATURE_HEADER: signature})
        assert sms.status_code == 200
        found = await client.post(
            "/instore/v1/checkin", json={"id": "f1", "phone": PHONE, "name": NAME}, headers=till
        )
        assert found.status_code == 200 and found.json()["ok"], found.text
        person = found.json()["customer_id"]
        for n, (key, value) in enumerate((("email", EMAIL), ("address", ADDRESS))):
            detail = await client.post(
                "/instore/v1/detail",
                json={"id": f"d{n}", "customer_id": person, "key": key, "value": value},
                headers=till,
            )
            assert detail.json()["ok"], detail.text
        card = await client.post(
            "/instore/v1/lookup", json={"id": "l1", "phone": PHONE}, headers=till
        )
        assert ADDRESS in card.text and EMAIL in card.text  # the stored ack holds the card
        order = await client.post(
            "/api/v1/orders",
            json={
                "external_id": "web-42",
                "phone": PHONE,
                "number": "W42",
                "total_cents": 1200,
                "pickup_location": PICKUP,
                "items": [{"name": "Kettle", "quantity": 1, "unit_price_cents": 1200}],
            },
            headers=api,
        )
        assert order.status_code in (200, 201), order.text
        reply = await client.post(
            f"/api/v1/customers/{person}/messages",
            json={"body": f"Hi {NAME}, your order is at {PICKUP}"},
            headers=api,
        )
        assert reply.status_code in (200, 201, 202), reply.text

    async with core.read() as db:
        assert (await db.execute(select(TerminalFrame))).first() is not None
        assert (await db.execute(select(WebhookDelivery))).first() is not None
    before = await dump(core)
    assert all(trace in before for trace in TRACES.values()), "the person is in the data"

    monkeypatch.setenv("HUB_DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "cli-var"))
    assert await asyncio.to_thread(main, ["customer", "erase", str(person), "--yes"]) == 0

    after = await dump(core)
    leaks = {
        name: [line[:300] for line in after.splitlines() if trace.lower() in line.lower()]
        for name, trace in TRACES.items()
    }
    assert not any(leaks.values()), leaks
    async with core.read() as db:
        erased = await db.get(Customer, person)
        assert erased is not None and erased.erased_at is not None
