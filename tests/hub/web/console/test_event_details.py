"""The timeline's one-line details: how calls were routed and CSAT scores on SMS replies."""

from __future__ import annotations

from typing import Any

from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.types import Inbound
from hub.web.console.event_details import call_route_text, csat_text
from tests.hub.web.console.conftest import SignedIn

PHONE = "+15557770101"


async def event_on_thread(hub: Hub, provider_id: str, data: dict[str, Any], **kw: Any) -> int:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(
                channel=kw.pop("channel", "phone"),
                kind="phone",
                address=PHONE,
                body=kw.pop("body", "Incoming call"),
                provider_id=provider_id,
                data=data,
                **kw,
            ),
        )
    return received.customer.id


def test_route_texts() -> None:
    names = {3: "Ann"}
    closed = {
        "route": {"mode": "voicemail", "closed": True, "opens_at": "2026-11-30T09:00:00+01:00"}
    }
    assert call_route_text(closed, names) == "Closed: voicemail (opens Monday at 09:00)"
    assert call_route_text({"route": {"mode": "queue"}}, names) == "Queued"
    assert (
        call_route_text({"route": {"mode": "queue"}, "voicemail": True}, names)
        == "Queued, then voicemail"
    )
    dequeued = {"route": {"mode": "agent", "agent_id": 3, "dequeued": True}}
    assert call_route_text(dequeued, names) == "Answered from the queue by Ann"
    sticky = {"route": {"mode": "agent", "agent_id": 3, "sticky": True}, "statuses": ["ringing"]}
    assert call_route_text(sticky, names) == "Routed to Ann (their agent)"
    sticky["statuses"] = ["ringing", "in-progress"]
    assert call_route_text(sticky, names) == "Answered by Ann (their agent)"
    assert call_route_text({"route": {"mode": "agent", "agent_id": 9}}, names) == (
        "Routed to an agent"
    )
    assert call_route_text({}, names) is None and call_route_text({"route": "x"}, names) is None
    assert csat_text({"csat": {"survey_id": 1, "score": 4}}) == "rated 4/5"
    assert csat_text({"csat": {"score": True}}) is None and csat_text({}) is None


async def test_thread_shows_call_routes_and_csat(plain_agent: SignedIn, console_hub: Hub) -> None:
    closed = {"mode": "voicemail", "closed": True, "opens_at": "2026-11-30T09:00:00+01:00"}
    customer_id = await event_on_thread(
        console_hub, "CA1", {"route": closed, "voicemail": True}, type="call"
    )
    await event_on_thread(console_hub, "CA2", {"route": {"mode": "queue"}}, type="call")
    taken = {"mode": "agent", "agent_id": plain_agent.agent.id, "dequeued": True}
    await event_on_thread(console_hub, "CA3", {"route": taken}, type="call")
    await event_on_thread(
        console_hub, "SM1", {"csat": {"survey_id": 1, "score": 4}}, channel="sms", body="4"
    )

    page = await plain_agent.client.get(f"/customers/{customer_id}")

    assert page.status_code == 200
    assert "Closed: voicemail (opens Monday at 09:00)" in page.text
    assert ">Queued<" in page.text
    assert f"Answered from the queue by {plain_agent.agent.name}" in page.text
    assert "rated 4/5" in page.text
    # A customer with a phone number can be called; the queue indicator is in the top bar.
    assert "data-call-customer" in page.text and "data-phone-queue" in page.text


async def test_no_call_button_without_a_phone_number(
    plain_agent: SignedIn, console_hub: Hub
) -> None:
    async with console_hub.uow() as uow:
        received = await receive_inbound(
            uow,
            Inbound(channel="webchat", kind="visitor", address="v-1", body="hi", provider_id="W1"),
        )
    page = await plain_agent.client.get(f"/customers/{received.customer.id}")
    assert page.status_code == 200 and "data-call-customer" not in page.text
