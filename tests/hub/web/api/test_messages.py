"""POST /customers/{id}/messages: queue a reply, or refuse an unreachable channel."""

from __future__ import annotations

from typing import ClassVar

import httpx
from sqlalchemy import select

from connectors.base import Connector
from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.models import OutboxJob
from hub.port import HubPort
from hub.types import Inbound, Outbound, SendResult
from tests.hub.web.api.conftest import assert_error, conforms_to_doc


class LoopbackText(Connector):
    """A channel that can reply to phone numbers; these tests never run the outbox."""

    channel: ClassVar[str] = "loopback"
    reply_kinds: ClassVar[tuple[str, ...]] = ("phone",)

    async def send(self, message: Outbound) -> SendResult:
        return SendResult(provider_id=f"LB{message.event_id}")


async def customer(hub: Hub, channel: str = "loopback") -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel=channel, kind="phone", address="+15551230000", body="hi", provider_id="1"
            ),
        )
        return received.customer.id


async def test_unreachable_channel_is_422_with_the_error_shape(
    api: httpx.AsyncClient, api_hub: Hub
) -> None:
    customer_id = await customer(api_hub)
    url = f"/customers/{customer_id}/messages"
    response = await api.post(url, json={"body": "Hello", "channel": "pigeon"})
    assert "pigeon" in assert_error(response, 422, "unreachable")
    conforms_to_doc(response, "/customers/{customer_id}/messages", "post")
    # The default channel (the last one the customer used) has no connector here either.
    assert_error(await api.post(url, json={"body": "Hello"}), 422, "unreachable")
    assert "body: must not be empty" in assert_error(await api.post(url, json={"body": "  "}), 422)
    assert_error(await api.post("/customers/999/messages", json={"body": "x"}), 404, "not_found")


async def test_reply_is_queued_as_pending(api: httpx.AsyncClient, api_hub: Hub) -> None:
    api_hub.add_connector(LoopbackText(HubPort(api_hub)))
    customer_id = await customer(api_hub)
    response = await api.post(
        f"/customers/{customer_id}/messages", json={"body": "Your order shipped"}
    )
    assert response.status_code == 202, response.text
    conforms_to_doc(response, "/customers/{customer_id}/messages", "post")
    event = response.json()
    assert (event["type"], event["channel"], event["direction"], event["status"]) == (
        "message",
        "loopback",
        "out",
        "pending",
    )
    assert event["data"]["via"] == "api"
    async with api_hub.read() as session:
        jobs = list((await session.execute(select(OutboxJob.event_id))).scalars())
    assert jobs == [event["id"]]
