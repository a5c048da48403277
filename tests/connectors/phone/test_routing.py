"""Per-agent voice routes: validated and normalised before TwiML ever uses them."""

from __future__ import annotations

import pytest

from hub.actions.routing import business_hours_status, set_voice_route
from hub.core import Hub
from hub.errors import Invalid, NotFound
from hub.models import Agent
from tests.connectors.phone.conftest import make_agent


async def test_routes_are_normalised_and_validated(hub: Hub) -> None:
    agent_id = await make_agent(hub, "Mulder")
    async with hub.uow() as uow:
        agent = await set_voice_route(uow, agent_id, "number", "555 300 1000", actor="test")
        assert (agent.voice_route, agent.voice_address) == ("number", "+15553001000")
        agent = await set_voice_route(uow, agent_id, "client", "ignored", actor="test")
        assert (agent.voice_route, agent.voice_address) == ("client", None)
    for route, address in [("number", "not a number"), ("sip", "pbx.example"), ("fax", "1")]:
        with pytest.raises(Invalid):
            async with hub.uow() as uow:
                await set_voice_route(uow, agent_id, route, address, actor="test")
    with pytest.raises(NotFound):
        async with hub.uow() as uow:
            await set_voice_route(uow, 9999, "client", actor="test")
    async with hub.read() as session:
        stored = await session.get(Agent, agent_id)
    assert stored is not None and stored.voice_route == "client"


async def test_business_hours_hook_is_open_until_scheduled(hub: Hub) -> None:
    async with hub.uow() as uow:
        assert (await business_hours_status(uow)).status == "open"
