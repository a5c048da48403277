"""The wallboard's counts at a fixed instant: "today" is the business day in the hub's
time zone (the default team's business hours), agents online come from presence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.actions.call_steps import add_call_leg, live_call, set_leg_status
from hub.actions.calls import update_call_status
from hub.actions.hours import set_business_hours
from hub.actions.staff import set_agent_active
from hub.core import Hub
from hub.queries.calls import wallboard
from hub.types import CallUpdate
from tests.connectors.phone.conftest import make_agent, queued_call

# 00:30 on Tuesday 10 March 2026 in Los Angeles (PDT, UTC-7 since the 8th).
AT = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)


async def answered(hub: Hub, call_sid: str, agent_id: int) -> None:
    async with hub.uow() as uow:
        event = await live_call(uow, "phone", call_sid)
        assert event is not None
        event.agent_id = agent_id
        await add_call_leg(uow, event, f"{call_sid}leg", "agent", agent_id=agent_id)
    async with hub.uow() as uow:
        await set_leg_status(uow, "phone", call_sid, f"{call_sid}leg", "in-progress")
        await update_call_status(uow, CallUpdate("phone", call_sid, "in-progress"))


async def board(hub: Hub, online: set[int] | None = None) -> dict[str, object]:
    async with hub.read() as session:
        return await wallboard(session, "phone", 300, online=online or set(), at=AT)


async def test_today_is_the_business_day_and_agents_come_from_presence(hub: Hub) -> None:
    mulder = await make_agent(hub, "Mulder")
    scully = await make_agent(hub, "Scully")
    gone = await make_agent(hub, "Krycek")
    async with hub.uow() as uow:
        await set_agent_active(uow, gone, False, actor="test")
    # Late on Monday in Los Angeles (but Tuesday in UTC), then twice on Tuesday.
    await queued_call(hub, "CAmon", "+15557770101", AT - timedelta(minutes=40))
    await queued_call(hub, "CAtue", "+15557770102", AT - timedelta(minutes=20))
    await queued_call(hub, "CAgone", "+15557770103", AT - timedelta(minutes=10))
    await answered(hub, "CAmon", scully)
    async with hub.uow() as uow:
        await update_call_status(uow, CallUpdate("phone", "CAmon", "completed", 60))
        await set_leg_status(uow, "phone", "CAmon", "CAmonleg", "completed")
    await answered(hub, "CAtue", mulder)  # still talking
    async with hub.uow() as uow:  # hung up while waiting
        await update_call_status(uow, CallUpdate("phone", "CAgone", "completed", 5))

    utc_day = await board(hub, {mulder, scully, gone})
    assert (utc_day["answered_today"], utc_day["abandoned_today"]) == (2, 1)
    assert utc_day["time_zone"] == "UTC"
    assert utc_day["day_started_at"] == "2026-03-10T00:00:00+00:00"
    # Krycek's console is open but his account is deactivated: not online.
    assert (
        utc_day["agents_online"],
        utc_day["agents_on_calls"],
        utc_day["agents_available"],
    ) == (2, 1, 1)

    async with hub.uow() as uow:
        await set_business_hours(uow, timezone="America/Los_Angeles", intervals=[])
    local_day = await board(hub, {mulder})
    assert (local_day["answered_today"], local_day["abandoned_today"]) == (1, 1)
    assert local_day["time_zone"] == "America/Los_Angeles"
    assert local_day["day_started_at"] == "2026-03-10T00:00:00-07:00"
    assert (local_day["agents_online"], local_day["agents_available"]) == (1, 0)
    assert local_day["at"] == AT.isoformat()


async def test_a_late_leg_callback_never_moves_a_leg_back(hub: Hub) -> None:
    """Twilio does not promise its callbacks arrive in order: a ``ringing`` that comes
    after ``in-progress`` leaves the agent's leg answered (and the call counted so)."""
    mulder = await make_agent(hub, "Mulder")
    await queued_call(hub, "CAlate", "+15557770104", AT - timedelta(minutes=5))
    await answered(hub, "CAlate", mulder)
    async with hub.uow() as uow:
        await set_leg_status(uow, "phone", "CAlate", "CAlateleg", "ringing")
        await update_call_status(uow, CallUpdate("phone", "CAlate", "completed", 30))
    async with hub.uow() as uow:
        event = await live_call(uow, "phone", "CAlate")
        assert event is not None
        assert [leg["status"] for leg in event.data["legs"]] == ["in-progress"]
    assert (await board(hub))["answered_today"] == 1
