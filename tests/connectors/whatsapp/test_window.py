"""The 24-hour customer-service window: free-form replies only inside it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from connectors.whatsapp.window import window_of
from hub.actions.inbound import receive_inbound
from hub.actions.replies import send_reply
from hub.actions.staff import create_api_token
from hub.core import Hub
from hub.db import utcnow
from hub.errors import Unreachable
from hub.models import Identity
from hub.port import HubPort
from hub.types import Inbound

CUSTOMER = "+15551230000"


async def wrote_on_whatsapp(hub: Hub, hours_ago: float, sid: str = "SMwa1") -> int:
    """The customer's WhatsApp message, ``hours_ago`` hours back; returns the customer id."""
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="whatsapp",
                kind="phone",
                address=CUSTOMER,
                body="Hi",
                provider_id=sid,
                occurred_at=utcnow() - timedelta(hours=hours_ago),
            ),
        )
    return received.customer.id


async def test_free_form_inside_the_window_is_queued(app: Any) -> None:
    hub: Hub = app.state.hub
    customer_id = await wrote_on_whatsapp(hub, hours_ago=23.5)
    async with hub.uow() as uow:
        event = await send_reply(uow, customer_id, "Your order is ready", channel="whatsapp")
    assert (event.channel, event.status, event.body) == (
        "whatsapp",
        "pending",
        "Your order is ready",
    )


async def test_free_form_after_24_hours_is_refused_with_the_reason(app: Any) -> None:
    hub: Hub = app.state.hub
    customer_id = await wrote_on_whatsapp(hub, hours_ago=25)
    async with hub.uow() as uow:
        with pytest.raises(Unreachable) as refused:
            await send_reply(uow, customer_id, "Still there?", channel="whatsapp")
    assert refused.value.code == "window_closed"
    assert "25 hours ago" in refused.value.message
    assert "template" in refused.value.message
    # SMS to the same number is not bound by WhatsApp's window.
    async with hub.uow() as uow:
        event = await send_reply(uow, customer_id, "Still there?", channel="sms")
    assert event.channel == "sms"


async def test_a_customer_who_never_wrote_on_whatsapp_has_no_window(app: Any) -> None:
    hub: Hub = app.state.hub
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address=CUSTOMER, body="hi", provider_id="S1")
        )
        with pytest.raises(Unreachable) as refused:
            await send_reply(uow, received.customer.id, "Hi on WhatsApp", channel="whatsapp")
    assert refused.value.code == "window_closed"
    assert "never written" in refused.value.message


async def test_a_new_message_reopens_the_window(app: Any) -> None:
    hub: Hub = app.state.hub
    customer_id = await wrote_on_whatsapp(hub, hours_ago=30, sid="SMold")
    await wrote_on_whatsapp(hub, hours_ago=1, sid="SMnew")
    async with hub.read() as session:
        identity = (await session.execute(select(Identity))).scalar_one()
    window = await window_of(HubPort(hub), customer_id, identity.id)
    assert window.is_open
    assert 22 * 3600 < window.seconds_left <= 23 * 3600


async def test_rest_api_refuses_free_form_outside_the_window_with_a_clear_4xx(app: Any) -> None:
    hub: Hub = app.state.hub
    customer_id = await wrote_on_whatsapp(hub, hours_ago=48)
    async with hub.uow() as uow:
        _, key = await create_api_token(uow, "tests")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        response = await api.post(
            f"/api/v1/customers/{customer_id}/messages",
            json={"body": "Are you still there?", "channel": "whatsapp"},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "window_closed"
    assert "24 hours" in error["message"] and "template" in error["message"]
