"""The reply box on a WhatsApp customer's thread page: time left in the window, why a
free-form reply is refused once it closed, the approved templates to send instead."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hub.actions.consent import record_opt_in
from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.db import utcnow
from hub.models import Event
from hub.models.consent import CUSTOMER_MESSAGE
from hub.types import Inbound
from tests.connectors.whatsapp.support import ORDER_READY
from tests.connectors.whatsapp.test_templates import use_templates
from tests.hub.web.console.conftest import csrf_of, make_agent, sign_in

CUSTOMER = "+15551230000"


async def whatsapp_customer(hub: Hub, hours_ago: float, *, opted_in: bool = True) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel="whatsapp",
                kind="phone",
                address=CUSTOMER,
                body="Is my order ready?",
                provider_id="SMwa1",
                occurred_at=utcnow() - timedelta(hours=hours_ago),
            ),
        )
        assert received.identity is not None
        if opted_in:
            await record_opt_in(uow, received.identity.id, "whatsapp", CUSTOMER_MESSAGE)
    return received.customer.id


async def signed_in(client: httpx.AsyncClient, hub: Hub) -> None:
    agent = await make_agent(hub, "ann@example.com")
    assert (await sign_in(client, agent.email)).status_code == 303


async def test_inside_the_window_the_reply_box_shows_the_time_left(
    app: Any, client: httpx.AsyncClient
) -> None:
    hub: Hub = app.state.hub
    customer_id = await whatsapp_customer(hub, hours_ago=2)
    await signed_in(client, hub)
    page = (await client.get(f"/customers/{customer_id}")).text
    assert 'data-reply-options="whatsapp" data-free-form="true"' in page
    assert "free-form replies for <strong data-time-left>21 h" in page
    assert "data-template-select" not in page  # no templates needed (none fetched)


async def test_after_the_window_the_console_explains_and_offers_templates(
    app: Any, client: httpx.AsyncClient
) -> None:
    hub: Hub = app.state.hub
    use_templates(hub)
    customer_id = await whatsapp_customer(hub, hours_ago=30)
    await signed_in(client, hub)
    page = (await client.get(f"/customers/{customer_id}")).text
    assert 'data-reply-options="whatsapp" data-free-form="false"' in page
    text = html.unescape(page)
    assert "last wrote on WhatsApp 30 hours ago" in text
    assert "only delivers free-form replies within 24 hours" in text
    assert f'<option value="{ORDER_READY}"' in page
    assert "spring_sale" not in page  # not approved

    csrf = csrf_of(page)
    url = f"/customers/{customer_id}/reply"
    headers = {"accept": "application/json", "x-csrf-token": csrf}
    refused = await client.post(
        url, data={"csrf": csrf, "channel": "whatsapp", "body": "Hello?"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "window_closed"
    sent = await client.post(
        url,
        data={
            "csrf": csrf,
            "channel": "whatsapp",
            "body": "",
            "template": ORDER_READY,
            "template_var_1": "Ann",
            "template_var_2": "A-1001",
        },
        headers=headers,
    )
    assert sent.status_code == 200, sent.text
    async with hub.read() as session:
        event = (await session.execute(select(Event).where(Event.direction == "out"))).scalar_one()
    assert event.body == "Hi Ann, your order A-1001 is ready for pickup."
    assert event.data["template"]["sid"] == ORDER_READY


async def test_without_an_opt_in_no_template_is_offered(
    app: Any, client: httpx.AsyncClient
) -> None:
    hub: Hub = app.state.hub
    use_templates(hub)
    customer_id = await whatsapp_customer(hub, hours_ago=30, opted_in=False)
    await signed_in(client, hub)
    page = html.unescape((await client.get(f"/customers/{customer_id}")).text)
    assert "has not opted in to WhatsApp messages" in page
    assert "data-template-select" not in page
