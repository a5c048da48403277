"""STOP / START / HELP on the customer's number, and replies refused while opted out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.actions.consent import consent_keyword
from hub.actions.replies import reachable_channels, send_reply
from hub.core import Hub
from hub.errors import Unreachable
from hub.models import Event, Identity, OutboxJob
from hub.settings import Settings
from tests.connectors.sms.support import payload, post_signed


@pytest.mark.parametrize(
    ("body", "opt_out_type", "expected"),
    [
        ("STOP", None, "stop"),
        (" stop. ", None, "stop"),
        ("Unsubscribe", None, "stop"),
        ("start", None, "start"),
        ("HELP", None, "help"),
        ("please stop texting me", None, None),
        ("Arrêt", "STOP", "stop"),
        ("hello", None, None),
        (None, None, None),
    ],
)
def test_consent_keywords(body: str | None, opt_out_type: str | None, expected: str) -> None:
    assert consent_keyword(body, opt_out_type) == expected


async def text(client: httpx.AsyncClient, settings: Settings, sid: str, body: str) -> None:
    params = payload("sms_incoming", settings, MessageSid=sid, SmsSid=sid, Body=body)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200


async def phone_identity(hub: Hub) -> Identity:
    async with hub.read() as session:
        return (await session.execute(select(Identity))).scalar_one()


async def test_stop_then_a_reply_is_refused_clearly(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    params = payload("sms_incoming_stop", settings)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    identity = await phone_identity(hub)
    assert identity.sms_opted_out
    assert identity.opted_out_at is not None

    with pytest.raises(Unreachable) as refused:
        async with hub.uow() as uow:
            await send_reply(uow, identity.customer_id, "Your order shipped", channel="sms")
    assert refused.value.code == "opted_out"
    assert "STOP" in refused.value.message
    async with hub.read() as session:
        assert (await session.execute(select(OutboxJob))).first() is None
        outbound = await session.execute(select(Event).where(Event.direction == "out"))
        assert outbound.first() is None
    async with hub.uow() as uow:
        assert "sms" not in await reachable_channels(uow, identity.customer_id)


async def test_start_opts_back_in_and_help_changes_nothing(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await text(client, settings, "SM" + "1" * 32, "STOP")
    await text(client, settings, "SM" + "2" * 32, "HELP")
    assert (await phone_identity(hub)).sms_opted_out
    await text(client, settings, "SM" + "3" * 32, "START")
    identity = await phone_identity(hub)
    assert not identity.sms_opted_out
    assert identity.opted_out_at is None
    async with hub.uow() as uow:
        event = await send_reply(uow, identity.customer_id, "Welcome back", channel="sms")
    assert event.status == "pending"


async def test_replayed_stop_after_start_changes_nothing(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    await text(client, settings, "SM" + "1" * 32, "STOP")
    await text(client, settings, "SM" + "2" * 32, "START")
    await text(client, settings, "SM" + "1" * 32, "STOP")  # Twilio retrying the old STOP
    assert not (await phone_identity(hub)).sms_opted_out


async def test_stop_then_the_rest_api_refuses_to_send(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    pytest.importorskip("hub.web.api")
    from hub.actions.staff import create_api_token

    hub: Hub = app.state.hub
    await text(client, settings, "SM" + "1" * 32, "STOP")
    identity = await phone_identity(hub)
    async with hub.uow() as uow:
        _, key = await create_api_token(uow, "crm")
    response = await client.post(
        f"/api/v1/customers/{identity.customer_id}/messages",
        json={"body": "Your order shipped", "channel": "sms"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "opted_out"
