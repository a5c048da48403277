"""STOP / START on WhatsApp and SMS: one opt-out per number, honoured on both channels.

The choice (docs/whatsapp.md, "Opt-out"): a STOP is the person's instruction about
being messaged at that number, so STOP on SMS stops WhatsApp replies too and STOP on
WhatsApp stops SMS; START on either resumes both.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.actions.replies import reachable_channels, send_reply
from hub.core import Hub
from hub.errors import Unreachable
from hub.models import Identity
from hub.settings import Settings
from tests.connectors.sms.support import payload, post_signed


async def identity(hub: Hub) -> Identity:
    async with hub.read() as session:
        return (await session.execute(select(Identity))).scalar_one()


async def whatsapp(client: httpx.AsyncClient, settings: Settings, sid: str, body: str) -> None:
    params = payload("whatsapp_incoming", settings, MessageSid=sid, SmsSid=sid, Body=body)
    response = await post_signed(client, settings, "/twilio/whatsapp", params)
    assert response.status_code == 200


async def sms(client: httpx.AsyncClient, settings: Settings, sid: str, body: str) -> None:
    params = payload("sms_incoming", settings, MessageSid=sid, SmsSid=sid, Body=body)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200


async def assert_refused_on(hub: Hub, customer_id: int, *channels: str) -> None:
    for channel in channels:
        async with hub.uow() as uow:
            with pytest.raises(Unreachable) as refused:
                await send_reply(uow, customer_id, "Hello?", channel=channel)
        assert refused.value.code == "opted_out"


async def test_stop_on_whatsapp_blocks_both_and_start_on_sms_resumes_both(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await whatsapp(client, settings, "SMwa1", "Hello")
    await whatsapp(client, settings, "SMwa2", "STOP")
    number = await identity(hub)
    assert number.sms_opted_out
    await assert_refused_on(hub, number.customer_id, "whatsapp", "sms")
    async with hub.uow() as uow:
        assert await reachable_channels(uow, number.customer_id) == []

    await sms(client, settings, "SMsms1", "START")
    assert not (await identity(hub)).sms_opted_out
    async with hub.uow() as uow:
        await send_reply(uow, number.customer_id, "Welcome back", channel="whatsapp")
        await send_reply(uow, number.customer_id, "Welcome back", channel="sms")


async def test_stop_on_sms_blocks_whatsapp(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await whatsapp(client, settings, "SMwa1", "Hello")
    await sms(client, settings, "SMsms1", "stop")
    number = await identity(hub)
    assert number.sms_opted_out
    # Inside the WhatsApp window, but the number said STOP.
    await assert_refused_on(hub, number.customer_id, "whatsapp", "sms")
    # A replayed STOP, or START replayed later, is still one instruction each.
    await sms(client, settings, "SMsms1", "stop")
    await whatsapp(client, settings, "SMwa3", "start")
    assert not (await identity(hub)).sms_opted_out
