"""Searching a thread: messages and call transcripts, case-insensitive, LIKE wildcards
taken literally — both engines."""

from __future__ import annotations

from hub.actions.calls import attach_transcript
from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.types import Inbound
from tests.hub.web.console.conftest import SignedIn


async def test_search_finds_messages_and_call_transcripts(
    plain_agent: SignedIn, console_hub: Hub
) -> None:
    async with console_hub.uow() as uow:
        sms = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address="+15557770101",
                body="Hello there",
                provider_id="SM1",
                name="Dana",
            ),
        )
        await receive_inbound(
            uow,
            Inbound(
                channel="phone",
                kind="phone",
                address="+15557770101",
                body="Incoming call",
                provider_id="CA1",
                type="call",
                status="completed",
            ),
        )
    async with console_hub.uow() as uow:
        await attach_transcript(uow, "phone", "CA1", "RE1", "Caller: my PARCEL 100% never came")
    customer_id = sms.customer.id
    url = f"/customers/{customer_id}/timeline.json"

    found = (await plain_agent.client.get(url, params={"q": "parcel"})).json()["items"]
    assert [e["provider_id"] for e in found] == ["CA1"]
    assert found[0]["data"]["transcript"].startswith("Caller: my PARCEL")
    hello = (await plain_agent.client.get(url, params={"q": "HELLO"})).json()["items"]
    assert [e["provider_id"] for e in hello] == ["SM1"]
    literal = (await plain_agent.client.get(url, params={"q": "100%"})).json()["items"]
    assert [e["provider_id"] for e in literal] == ["CA1"]
    assert (await plain_agent.client.get(url, params={"q": "1_0"})).json()["items"] == []
    everything = (await plain_agent.client.get(url)).json()["items"]
    assert len(everything) == 2
    too_long = await plain_agent.client.get(url, params={"q": "x" * 201})
    assert too_long.status_code == 422
    page = await plain_agent.client.get(f"/customers/{customer_id}")
    assert "data-thread-search" in page.text
