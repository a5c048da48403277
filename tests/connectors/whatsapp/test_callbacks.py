"""POST /twilio/whatsapp and /twilio/whatsapp/status: signed, idempotent, one thread
per number with SMS, statuses that only move forward (read after delivered)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.models import Customer, Event, Identity
from hub.models.customer import VERIFIED
from hub.settings import Settings
from hub.types import Inbound
from tests.connectors.sms.support import payload, post_signed

CUSTOMER = "+15551230000"


async def events(hub: Hub, channel: str | None = None) -> list[Event]:
    async with hub.read() as session:
        query = select(Event).order_by(Event.id)
        if channel:
            query = query.where(Event.channel == channel)
        return list((await session.execute(query)).scalars())


async def count(hub: Hub, model: type[Any]) -> int:
    async with hub.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_signed_message_lands_on_the_verified_phone_identity(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    params = payload("whatsapp_incoming", settings)
    response = await post_signed(client, settings, "/twilio/whatsapp", params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    [event] = await events(hub)
    assert (event.channel, event.direction, event.provider_id) == (
        "whatsapp",
        "in",
        params["MessageSid"],
    )
    assert event.body == params["Body"]
    assert event.data["wa_id"] == "15551230000"
    async with hub.read() as session:
        identity = (await session.execute(select(Identity))).scalar_one()
        customer = await session.get(Customer, identity.customer_id)
    assert (identity.kind, identity.address, identity.verification) == ("phone", CUSTOMER, VERIFIED)
    assert customer is not None and customer.name == "Ann Shopper"


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": ""},  # no header
        {"signature": "bm90IGEgc2lnbmF0dXJl"},
        {"signed_params": {"Body": "something else"}},  # the body was changed after signing
        {"signed_url": "http://testserver/twilio/sms"},  # signed for another URL
    ],
)
async def test_forged_or_tampered_requests_are_403_and_store_nothing(
    app: Any, client: httpx.AsyncClient, settings: Settings, tamper: dict[str, Any]
) -> None:
    params = payload("whatsapp_incoming", settings)
    if "signed_params" in tamper:
        tamper = {"signed_params": {**params, **tamper["signed_params"]}}
    response = await post_signed(client, settings, "/twilio/whatsapp", params, **tamper)
    assert response.status_code == 403
    assert await count(app.state.hub, Event) == 0
    status = await post_signed(
        client, settings, "/twilio/whatsapp/status", payload("whatsapp_status", settings), **tamper
    )
    assert status.status_code == 403


async def test_a_replayed_message_sid_changes_nothing(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    params = payload("whatsapp_incoming", settings)
    for _ in range(3):
        response = await post_signed(client, settings, "/twilio/whatsapp", params)
        assert response.status_code == 200
    assert len(await events(hub)) == 1
    assert await count(hub, Customer) == 1


async def test_media_location_and_button_replies_are_kept(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    for name in (
        "whatsapp_incoming_media",
        "whatsapp_incoming_location",
        "whatsapp_incoming_button",
    ):
        response = await post_signed(client, settings, "/twilio/whatsapp", payload(name, settings))
        assert response.status_code == 200
    media, location, button = await events(hub)
    assert media.body == "The box arrived damaged"
    assert media.data["media"] == [
        {
            "url": payload("whatsapp_incoming_media", settings)["MediaUrl0"],
            "content_type": "image/jpeg",
        }
    ]
    assert location.data["location"] == {
        "latitude": 37.7749,
        "longitude": -122.4194,
        "address": "1 Market St, San Francisco",
        "label": "Home",
    }
    assert location.body is not None and "Home, 1 Market St" in location.body
    assert button.body == "Yes, deliver tomorrow"
    assert button.data["button"] == {"text": "Yes, deliver tomorrow", "payload": "confirm_delivery"}
    assert button.data["replied_to"] == "SMad4e5f60718293a4b5c6d7e8f90a1b2c"
    assert len({e.customer_id for e in (media, location, button)}) == 1


async def test_sms_call_and_whatsapp_from_one_number_are_one_customer_one_thread(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    sms = await post_signed(client, settings, "/twilio/sms", payload("sms_incoming", settings))
    assert sms.status_code == 200
    async with hub.uow() as uow:
        await receive_inbound(
            uow,
            Inbound(
                channel="phone",
                kind="phone",
                address=CUSTOMER,
                type="call",
                status="completed",
                provider_id="CA0123",
            ),
        )
    wa = await post_signed(
        client, settings, "/twilio/whatsapp", payload("whatsapp_incoming", settings)
    )
    assert wa.status_code == 200
    stored = await events(hub)
    assert [e.channel for e in stored] == ["sms", "phone", "whatsapp"]
    assert len({e.customer_id for e in stored}) == 1
    assert await count(hub, Customer) == 1
    assert await count(hub, Identity) == 1


async def test_a_whatsapp_message_on_the_sms_webhook_is_stored_as_whatsapp(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    params = payload("whatsapp_incoming", settings)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    [event] = await events(hub)
    assert event.channel == "whatsapp"
    assert event.data["wa_id"] == "15551230000"
    # The same MessageSid on the WhatsApp webhook is the same message.
    again = await post_signed(client, settings, "/twilio/whatsapp", params)
    assert again.status_code == 200
    assert len(await events(hub)) == 1
    # Forged on the SMS webhook: refused like any forgery.
    forged = await post_signed(client, settings, "/twilio/sms", params, signature="Zm9yZ2Vk")
    assert forged.status_code == 403


async def test_messages_from_the_hubs_own_sender_are_ignored(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    params = payload("whatsapp_incoming", settings, From="whatsapp:+15550003333")
    response = await post_signed(client, settings, "/twilio/whatsapp", params)
    assert response.status_code == 200
    assert await count(app.state.hub, Event) == 0
