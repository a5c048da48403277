"""POST /twilio/sms: recorded Twilio payloads, signed with the real validator."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from connectors.twilio.signatures import sign
from hub.app import create_app
from hub.core import Hub
from hub.models import Customer, Event, Identity, Thread
from hub.settings import Settings
from tests.conftest import running_app
from tests.connectors.sms.support import payload, post_signed


async def count(hub: Hub, model: type) -> int:
    async with hub.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def events(hub: Hub) -> list[Event]:
    async with hub.read() as session:
        return list((await session.execute(select(Event).order_by(Event.id))).scalars())


def app_hub(app: Any) -> Hub:
    hub: Hub = app.state.hub
    return hub


async def test_recorded_sms_is_stored_and_answered_with_empty_twiml(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    params = payload("sms_incoming", settings)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response />")

    hub = app_hub(app)
    [event] = await events(hub)
    assert (event.channel, event.direction, event.type) == ("sms", "in", "message")
    assert event.body == params["Body"]
    assert event.provider_id == params["MessageSid"]
    assert event.data["to"] == "+15550001111"
    async with hub.read() as session:
        identity = (await session.execute(select(Identity))).scalar_one()
        thread = (await session.execute(select(Thread))).scalar_one()
    assert (identity.kind, identity.address, identity.verification) == (
        "phone",
        "+15551230000",
        "verified",
    )
    assert thread.last_channel == "sms"
    assert thread.unread_count == 1


@pytest.mark.parametrize(
    "forgery",
    ["unsigned", "wrong_signature", "wrong_token", "tampered_body", "tampered_url", "other_path"],
)
async def test_forged_webhooks_are_refused_and_store_nothing(
    app: Any, client: httpx.AsyncClient, settings: Settings, forgery: str
) -> None:
    params = payload("sms_incoming", settings)
    public = settings.public_url
    kwargs: dict[str, Any] = {
        "unsigned": {"signature": ""},
        "wrong_signature": {"signature": "bm90IGEgc2lnbmF0dXJl"},
        "wrong_token": {
            "signature": sign("another-accounts-token", public + "/twilio/sms", params)
        },
        "tampered_body": {"signed_params": {**params, "Body": "something else"}},
        "tampered_url": {"signed_url": "https://evil.example.com/twilio/sms"},
        "other_path": {"signed_url": public + "/twilio/sms/status"},
    }[forgery]
    response = await post_signed(client, settings, "/twilio/sms", params, **kwargs)
    assert response.status_code == 403
    hub = app_hub(app)
    assert await count(hub, Event) == 0
    assert await count(hub, Customer) == 0


async def test_added_parameter_breaks_the_signature(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    params = payload("sms_incoming", settings)
    sent = {**params, "MediaUrl0": "https://evil.example.com/x.jpg", "NumMedia": "1"}
    response = await post_signed(client, settings, "/twilio/sms", sent, signed_params=params)
    assert response.status_code == 403
    assert await count(app_hub(app), Event) == 0


async def test_webhooks_are_refused_while_no_auth_token_is_set(settings: Settings) -> None:
    unconfigured = settings.with_(twilio_auth_token=None)
    app = create_app(unconfigured)
    async with running_app(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as c:
            params = payload("sms_incoming", settings)
            response = await post_signed(c, settings, "/twilio/sms", params)
            assert response.status_code == 403
            assert await count(app_hub(app), Event) == 0


async def test_replayed_message_sid_makes_one_event(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    params = payload("sms_incoming", settings)
    for _ in range(3):
        response = await post_signed(client, settings, "/twilio/sms", params)
        assert response.status_code == 200
    hub = app_hub(app)
    assert await count(hub, Event) == 1
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
    assert thread.unread_count == 1


@pytest.mark.parametrize(
    "body",
    [
        "Merci ! Ça arrive quand ? 📦🚚 — 谢谢 — こんにちは — 👩🏽‍💻",
        ("Long story: " + "the parcel went to the wrong store, ünïcödé ok. " * 40)[:1600],
    ],
    ids=["unicode_emoji", "1600_chars"],
)
async def test_bodies_are_stored_intact(
    app: Any, client: httpx.AsyncClient, settings: Settings, body: str
) -> None:
    params = payload("sms_incoming", settings, Body=body)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    [event] = await events(app_hub(app))
    assert event.body == body
    assert len(event.body) == len(body)


async def test_mms_media_are_stored_as_attachments(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    params = payload("sms_incoming_mms", settings)
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    [event] = await events(app_hub(app))
    assert event.provider_id == params["MessageSid"]
    assert event.data["media"] == [
        {"url": params["MediaUrl0"], "content_type": "image/jpeg"},
        {"url": params["MediaUrl1"], "content_type": "image/png"},
    ]


async def test_media_only_mms_has_no_body(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    params = payload("sms_incoming_mms", settings, Body="")
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    [event] = await events(app_hub(app))
    assert event.body is None
    assert len(event.data["media"]) == 2


async def test_messages_from_our_own_number_are_not_echoed(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    own = settings.twilio_sms_number or ""
    params = payload("sms_incoming", settings, From=own, To="+15551230000")
    response = await post_signed(client, settings, "/twilio/sms", params)
    assert response.status_code == 200
    assert response.text.endswith("<Response />")
    assert await count(app_hub(app), Event) == 0
