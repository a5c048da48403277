"""POST /twilio/whatsapp/status: sent → delivered → read, never backwards."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from hub.actions.replies import send_reply
from hub.core import Hub
from hub.events import EVENT_UPDATED, DomainEvent
from hub.models import Event
from hub.settings import Settings
from tests.connectors.sms.support import payload, post_signed

SID = "SMcf60718293a4b5c6d7e8f90a1b2c3d4e"


async def pending_reply(client: httpx.AsyncClient, settings: Settings, hub: Hub) -> int:
    """The customer wrote on WhatsApp (the window is open); an agent answers."""
    incoming = payload("whatsapp_incoming", settings)
    assert (await post_signed(client, settings, "/twilio/whatsapp", incoming)).status_code == 200
    async with hub.read() as session:
        customer_id = (await session.execute(select(Event.customer_id))).scalar_one()
    async with hub.uow() as uow:
        event = await send_reply(uow, customer_id, "It is ready!", channel="whatsapp")
    return event.id


async def reply(hub: Hub, event_id: int) -> Event:
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    return event


async def report(
    client: httpx.AsyncClient,
    settings: Settings,
    status: str,
    event_id: int | None = None,
    **more: str,
) -> httpx.Response:
    path = "/twilio/whatsapp/status" + (f"?m={event_id}" if event_id is not None else "")
    params = payload("whatsapp_status", settings, MessageStatus=status, SmsStatus=status, **more)
    return await post_signed(client, settings, path, params)


async def test_read_after_delivered_and_never_backwards(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(client, settings, hub)
    updates: list[DomainEvent] = []

    async def listen(event: DomainEvent) -> None:
        if event.name == EVENT_UPDATED:
            updates.append(event)

    hub.subscribe(listen)
    assert (await report(client, settings, "sent", event_id)).status_code == 204
    assert (await reply(hub, event_id)).status == "sent"
    assert (await report(client, settings, "delivered", event_id)).status_code == 204
    assert (await report(client, settings, "read", event_id)).status_code == 204
    event = await reply(hub, event_id)
    assert (event.status, event.provider_id) == ("read", SID)
    changes = len(updates)
    # Late and replayed callbacks: a "sent" or "delivered" after "read" changes nothing,
    # nor does "read" again, found by the event id or by the MessageSid alone.
    for status in ("sent", "delivered", "read"):
        assert (await report(client, settings, status, event_id)).status_code == 204
        assert (await report(client, settings, status)).status_code == 204
    assert (await reply(hub, event_id)).status == "read"
    assert len(updates) == changes
    assert [u.payload["event"]["status"] for u in updates] == ["sent", "delivered", "read"]


async def test_read_arriving_before_delivered_stays_read(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(client, settings, hub)
    assert (await report(client, settings, "read", event_id)).status_code == 204
    assert (await report(client, settings, "delivered", event_id)).status_code == 204
    assert (await reply(hub, event_id)).status == "read"


async def test_failed_keeps_whatsapps_error(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(client, settings, hub)
    response = await report(client, settings, "failed", event_id, ErrorCode="63016")
    assert response.status_code == 204
    event = await reply(hub, event_id)
    assert (event.status, event.error_code) == ("failed", "63016")
    assert event.error_message is not None and "24-hour" in event.error_message


async def test_unknown_message_is_a_204_no_op(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    assert (await report(client, settings, "read")).status_code == 204
