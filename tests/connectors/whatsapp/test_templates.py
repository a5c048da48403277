"""Templates outside the window, and the opt-in they need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from connectors.whatsapp import WhatsappConnector
from connectors.whatsapp.settings import WhatsappSettings
from connectors.whatsapp.templates import check_variables, template_from_content
from hub.actions.inbound import receive_inbound
from hub.actions.privacy import erase_customer, export_customer
from hub.actions.replies import send_reply
from hub.actions.staff import create_api_token
from hub.core import Hub
from hub.db import utcnow
from hub.errors import Invalid, Unreachable
from hub.models import AuditEntry, Event, OptIn
from hub.settings import Settings
from hub.types import Inbound
from tests.connectors.sms.support import payload, post_signed
from tests.connectors.whatsapp.support import DRAFT, ORDER_READY, content_items

CUSTOMER = "+15551230000"


def use_templates(hub: Hub) -> list[int]:
    """Serve ``content_items`` as the Content API would; returns the fetch counter."""
    connector = hub.connector("whatsapp")
    assert isinstance(connector, WhatsappConnector)
    calls = [0]

    async def fetch() -> list[Any]:
        calls[0] += 1
        return content_items()

    connector.templates.fetch = fetch
    return calls


async def opt_ins(hub: Hub) -> list[tuple[str, str]]:
    async with hub.read() as session:
        rows = await session.execute(select(OptIn.channel, OptIn.source).order_by(OptIn.id))
        return [(channel, source) for channel, source in rows]


async def wrote_on_whatsapp_long_ago(
    client: httpx.AsyncClient, settings: Settings, hub: Hub
) -> int:
    """The customer wrote on WhatsApp (recording the opt-in), 30 hours ago."""
    params = payload("whatsapp_incoming", settings)
    assert (await post_signed(client, settings, "/twilio/whatsapp", params)).status_code == 200
    async with hub.uow() as uow:
        event = (await uow.session.execute(select(Event))).scalar_one()
        event.created_at = utcnow() - timedelta(hours=30)
        return event.customer_id


def test_only_approved_templates_are_offered() -> None:
    found = [template_from_content(item) for item in content_items()]
    assert [t.sid if t else None for t in found] == [ORDER_READY, None]
    template = found[0]
    assert template is not None
    assert template.placeholders == ["1", "2"]
    assert (
        template.render({"1": "Ann", "2": "A-7"}) == "Hi Ann, your order A-7 is ready for pickup."
    )
    assert check_variables(template, {"1": "Ann", "2": "A-7"}) == {"1": "Ann", "2": "A-7"}
    with pytest.raises(ValueError, match=r"\{\{2\}\}"):
        check_variables(template, {"1": "Ann"})
    with pytest.raises(ValueError, match="no variable"):
        check_variables(template, {"1": "Ann", "2": "A-7", "3": "x"})


async def test_writing_on_whatsapp_records_the_opt_in_once(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    for sid in ("SMa", "SMb", "SMa"):
        params = payload("whatsapp_incoming", settings, MessageSid=sid, SmsSid=sid)
        assert (await post_signed(client, settings, "/twilio/whatsapp", params)).status_code == 200
    assert await opt_ins(hub) == [("whatsapp", "customer_message")]


async def test_start_records_a_keyword_opt_in_and_stop_none(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    stop = payload("whatsapp_incoming", settings, MessageSid="SMs", SmsSid="SMs", Body="STOP")
    assert (await post_signed(client, settings, "/twilio/whatsapp", stop)).status_code == 200
    assert await opt_ins(hub) == []
    start = payload("whatsapp_incoming", settings, MessageSid="SMt", SmsSid="SMt", Body="Start")
    assert (await post_signed(client, settings, "/twilio/whatsapp", start)).status_code == 200
    assert await opt_ins(hub) == [("whatsapp", "keyword")]


async def test_outside_the_window_a_template_is_allowed(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    use_templates(hub)
    customer_id = await wrote_on_whatsapp_long_ago(client, settings, hub)
    async with hub.uow() as uow:
        with pytest.raises(Unreachable) as refused:
            await send_reply(uow, customer_id, "Your order is ready", channel="whatsapp")
    assert refused.value.code == "window_closed"
    template = {"sid": ORDER_READY, "variables": {"1": "Ann", "2": "A-1001"}}
    async with hub.uow() as uow:
        event = await send_reply(
            uow, customer_id, "", channel="whatsapp", data={"template": template}
        )
    assert event.body == "Hi Ann, your order A-1001 is ready for pickup."
    assert event.data["template"] == {**template, "name": "order_ready"}


async def test_unapproved_unknown_or_incomplete_templates_are_refused(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    use_templates(hub)
    customer_id = await wrote_on_whatsapp_long_ago(client, settings, hub)
    for template, says in (
        ({"sid": DRAFT}, "not an approved"),
        ({"sid": "HX" + "9" * 32}, "not an approved"),
        ({"sid": ORDER_READY, "variables": {"1": "Ann"}}, "{{2}}"),
        ({"variables": {}}, "sid"),
    ):
        async with hub.uow() as uow:
            with pytest.raises(Invalid) as refused:
                await send_reply(
                    uow, customer_id, "", channel="whatsapp", data={"template": template}
                )
        assert refused.value.code == "template"
        assert says in refused.value.message


async def test_a_template_needs_the_numbers_opt_in(app: Any) -> None:
    hub: Hub = app.state.hub
    use_templates(hub)
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address=CUSTOMER, body="hi", provider_id="S1")
        )
    template = {"sid": ORDER_READY, "variables": {"1": "Ann", "2": "A-1001"}}
    async with hub.uow() as uow:
        with pytest.raises(Unreachable) as refused:
            await send_reply(
                uow, received.customer.id, "", channel="whatsapp", data={"template": template}
            )
    assert refused.value.code == "no_opt_in"


async def test_other_channels_refuse_templates(app: Any) -> None:
    hub: Hub = app.state.hub
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address=CUSTOMER, body="hi", provider_id="S1")
        )
        with pytest.raises(Invalid) as refused:
            await send_reply(
                uow, received.customer.id, "", channel="sms", data={"template": {"sid": "HX1"}}
            )
    assert "no message templates" in refused.value.message


async def test_rest_api_sends_a_template_outside_the_window(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    calls = use_templates(hub)
    customer_id = await wrote_on_whatsapp_long_ago(client, settings, hub)
    async with hub.uow() as uow:
        _, key = await create_api_token(uow, "tests")
    url = f"/api/v1/customers/{customer_id}/messages"
    headers = {"Authorization": f"Bearer {key}"}
    sent = await client.post(
        url,
        json={"channel": "whatsapp", "template": {"sid": ORDER_READY, "variables": ["Ann", "A-9"]}},
        headers=headers,
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["body"] == "Hi Ann, your order A-9 is ready for pickup."
    missing = await client.post(url, json={"channel": "whatsapp"}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "empty_body"
    assert calls == [1]  # the list is cached


async def test_the_opt_in_is_exported_and_erased_with_the_person(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    hub: Hub = app.state.hub
    params = payload("whatsapp_incoming", settings)
    assert (await post_signed(client, settings, "/twilio/whatsapp", params)).status_code == 200
    async with hub.read() as session:
        customer_id = (await session.execute(select(Event.customer_id))).scalar_one()
        exported = await export_customer(session, customer_id)
    [opt_in] = exported["opt_ins"]
    assert (opt_in["channel"], opt_in["source"]) == ("whatsapp", "customer_message")
    assert opt_in["identity_id"] == exported["identities"][0]["id"]
    async with hub.uow() as uow:
        await erase_customer(uow, customer_id, actor="tests")
    assert await opt_ins(hub) == []


async def test_an_opt_in_given_elsewhere_is_recorded_through_the_api(
    app: Any, client: httpx.AsyncClient
) -> None:
    hub: Hub = app.state.hub
    use_templates(hub)
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address=CUSTOMER, body="hi", provider_id="S1")
        )
        _, key = await create_api_token(uow, "checkout")
    customer_id = received.customer.id
    headers = {"Authorization": f"Bearer {key}"}
    url = f"/api/v1/customers/{customer_id}/opt-ins"
    for _ in range(2):  # the first record stands
        response = await client.post(
            url, json={"channel": "whatsapp", "address": "(555) 123-0000"}, headers=headers
        )
        assert response.status_code == 201, response.text
        assert response.json()["source"] == "api"
    assert await opt_ins(hub) == [("whatsapp", "api")]
    async with hub.read() as session:
        audit = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "opt_in.recorded"))
        ).scalar_one()
    assert audit.actor.startswith("api:")
    # Now a template may start the conversation (no window needed).
    template = {"sid": ORDER_READY, "variables": ["Ann", "A-1001"]}
    sent = await client.post(
        f"/api/v1/customers/{customer_id}/messages",
        json={"channel": "whatsapp", "template": template},
        headers=headers,
    )
    assert sent.status_code == 202, sent.text
    # Someone else's number, or a channel that does not exist, is refused.
    other = await client.post(
        url, json={"channel": "whatsapp", "address": "+15559990000"}, headers=headers
    )
    assert (other.status_code, other.json()["error"]["code"]) == (422, "unknown_address")
    pigeon = await client.post(
        url, json={"channel": "pigeon", "address": CUSTOMER}, headers=headers
    )
    assert (pigeon.status_code, pigeon.json()["error"]["code"]) == (422, "unknown_channel")


async def test_a_bad_cache_setting_falls_back_to_the_default_and_hub_check_says_so() -> None:
    settings = Settings(environ={"TWILIO_CONTENT_CACHE_SECONDS": "ten minutes"})
    assert WhatsappSettings.from_settings(settings).content_cache_seconds == 600
    [problem] = await WhatsappConnector.check(settings)
    assert problem.setting == "TWILIO_CONTENT_CACHE_SECONDS"
    assert not problem.fatal
    assert "ten minutes" in problem.message
    fine = Settings(environ={"TWILIO_CONTENT_CACHE_SECONDS": "60"})
    assert WhatsappSettings.from_settings(fine).content_cache_seconds == 60
    assert await WhatsappConnector.check(fine) == []
