"""The per-hub schedule cache behind the out-of-hours auto-reply."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from hub.actions.inbound import receive_inbound
from hub.core import Hub
from hub.models import BusinessHours
from hub.policies import out_of_hours
from hub.policies.out_of_hours import answer_if_closed, schedule_cache
from hub.settings import Settings
from hub.types import Inbound
from tests.hub.policies.hours_support import closed_now, open_all_week


async def test_a_change_here_is_seen_at_once_elsewhere_after_the_ttl(
    hub: Hub, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = schedule_cache(hub)
    assert schedule_cache(hub) is cache and await cache.get() is None
    await open_all_week(hub)  # committed through this hub: the cache is invalidated
    assert (await cache.get()) is not None

    other = Hub(settings)  # another process on the same database
    try:
        async with other.uow() as uow:
            await uow.session.execute(delete(BusinessHours))
        assert await cache.get() is not None  # stale within CACHE_SECONDS
        monkeypatch.setattr(out_of_hours, "CACHE_SECONDS", 0.0)
        assert await cache.get() is None
    finally:
        await other.dispose()


async def test_answer_if_closed_sends_once(hub: Hub) -> None:
    async with hub.uow() as uow:
        received = await receive_inbound(
            uow, Inbound(channel="sms", kind="phone", address="+15551230000", body="hi")
        )
    customer_id = received.customer.id
    assert await answer_if_closed(hub, customer_id, "sms") is None  # no schedule
    await closed_now(hub)
    reply = await answer_if_closed(hub, customer_id, "sms")
    assert reply is not None and reply.data["via"] == "auto"
    assert await answer_if_closed(hub, customer_id, "sms") is None  # same closed period
