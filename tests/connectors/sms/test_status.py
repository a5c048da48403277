"""POST /twilio/sms/status: delivery reports move a reply's status forward only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.actions.inbound import receive_inbound
from hub.actions.replies import send_reply
from hub.core import Hub
from hub.events import EVENT_UPDATED, DomainEvent
from hub.models import Event
from hub.settings import Settings
from hub.types import Inbound
from tests.connectors.sms.support import payload, post_signed

SID = "SM5e6f708192a3b4c5d6e7f8091a2b3c4d"


async def pending_reply(hub: Hub) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="sms", kind="phone", address="+15551230000", body="hi", provider_id="SMin"
            ),
        )
        event = await send_reply(uow, received.customer.id, "Hello!", channel="sms")
    return event.id


async def reply(hub: Hub, event_id: int) -> Event:
    async with hub.read() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    return event


async def report(
    client: httpx.AsyncClient, settings: Settings, event_id: int | None, name: str, **changes: str
) -> httpx.Response:
    path = "/twilio/sms/status" + (f"?m={event_id}" if event_id is not None else "")
    return await post_signed(client, settings, path, payload(name, settings, **changes))


async def test_delivered_callback_records_sid_and_status(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    response = await report(client, settings, event_id, "sms_status_delivered")
    assert response.status_code == 204
    event = await reply(hub, event_id)
    assert (event.status, event.provider_id) == ("delivered", SID)


async def test_out_of_order_and_replayed_callbacks_never_move_backwards(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    for status in ("sent", "delivered", "sent", "queued", "delivered"):
        response = await report(
            client,
            settings,
            event_id,
            "sms_status_delivered",
            MessageStatus=status,
            SmsStatus=status,
        )
        assert response.status_code == 204
    assert (await reply(hub, event_id)).status == "delivered"


async def test_undelivered_records_twilio_error_code(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    await report(client, settings, event_id, "sms_status_delivered", MessageStatus="sent")
    await report(client, settings, event_id, "sms_status_undelivered")
    event = await reply(hub, event_id)
    assert (event.status, event.error_code) == ("undelivered", "30003")
    assert event.error_message == "Unreachable destination handset"


async def test_callback_without_our_id_is_matched_by_message_sid(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    await report(client, settings, event_id, "sms_status_delivered", MessageStatus="sent")
    await report(client, settings, None, "sms_status_delivered")
    assert (await reply(hub, event_id)).status == "delivered"


async def test_callback_for_an_unknown_message_changes_nothing(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    response = await report(client, settings, None, "sms_status_delivered", MessageSid="SMunknown")
    assert response.status_code == 204
    assert (await reply(hub, event_id)).status == "pending"


@pytest.mark.parametrize("forgery", ["unsigned", "other_event"])
async def test_forged_callbacks_are_refused(
    app: Any, client: httpx.AsyncClient, settings: Settings, forgery: str
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    params = payload("sms_status_delivered", settings)
    public = settings.public_url
    if forgery == "unsigned":
        response = await post_signed(
            client, settings, f"/twilio/sms/status?m={event_id}", params, signature=""
        )
    else:  # a genuine callback for another message, replayed against our event id
        response = await post_signed(
            client,
            settings,
            f"/twilio/sms/status?m={event_id}",
            params,
            signed_url=f"{public}/twilio/sms/status?m={event_id + 1}",
        )
    assert response.status_code == 403
    event = await reply(hub, event_id)
    assert (event.status, event.provider_id) == ("pending", None)


async def test_status_change_is_published_after_commit(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    event_id = await pending_reply(hub)
    published: list[DomainEvent] = []

    async def listen(event: DomainEvent) -> None:
        published.append(event)

    hub.subscribe(listen)
    await report(client, settings, event_id, "sms_status_delivered")
    await report(client, settings, event_id, "sms_status_delivered")  # replay: no update
    updates = [e for e in published if e.name == EVENT_UPDATED]
    assert [u.payload["event"]["status"] for u in updates] == ["delivered"]
    assert updates[0].payload["event"]["id"] == event_id
