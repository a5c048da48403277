"""``hub demo`` loads a believable, deterministic retailer through the actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.cli import main
from hub.core import Hub
from hub.demo import load_demo
from hub.models import Agent, Customer, Event, Order, Store, Terminal, Thread
from tests.conftest import TEST_SECRET


async def count(hub: Hub, model: type) -> int:
    async with hub.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_demo_histories_cross_channels(hub: Hub) -> None:
    assert await load_demo(hub, customers=25, quiet=True)
    assert await count(hub, Customer) == 25
    assert await count(hub, Agent) == 3
    assert await count(hub, Store) == 3
    assert await count(hub, Terminal) == 6
    async with hub.read() as session:
        maria = (
            await session.execute(select(Customer).where(Customer.name == "Maria Gonzalez"))
        ).scalar_one()
        events = list(
            (
                await session.execute(
                    select(Event).where(Event.customer_id == maria.id).order_by(Event.id)
                )
            ).scalars()
        )
        orders = list(
            (await session.execute(select(Order).where(Order.customer_id == maria.id))).scalars()
        )
        thread = (
            await session.execute(select(Thread).where(Thread.customer_id == maria.id))
        ).scalar_one()
        sources = set((await session.execute(select(Order.source))).scalars())
        outbound = list(
            (await session.execute(select(Event.status).where(Event.direction == "out"))).scalars()
        )
    assert {"webchat", "phone", "instore", "sms"} <= {e.channel for e in events}
    times = [e.created_at for e in events]
    assert times == sorted(times)
    call = next(e for e in events if e.type == "call")
    assert call.data["duration"] == 184 and call.data["transcript"]
    assert {o.source for o in orders} == {"online", "store"}
    assert thread.status == "open" and thread.assignee_id is not None
    assert thread.last_channel == "sms"
    assert sources == {"online", "store"}
    assert outbound and set(outbound) <= {"delivered", "undelivered"}


def test_hub_demo_command_on_sqlite(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    assert main(["demo", "--customers", "30"]) == 0
    out = capsys.readouterr().out
    assert "admin@example.com / demo-password" in out and "DEMO" in out

    def snapshot() -> tuple[int, int, int]:
        import asyncio

        from hub.settings import Settings

        async def go() -> tuple[int, int, int]:
            hub = Hub(Settings.from_env())
            try:
                return (
                    await count(hub, Customer),
                    await count(hub, Event),
                    await count(hub, Order),
                )
            finally:
                await hub.dispose()

        return asyncio.run(go())

    first = snapshot()
    assert first[0] == 30
    assert main(["demo", "--if-empty"]) == 0
    assert "nothing loaded" in capsys.readouterr().out
    # Loading again is a no-op: provider ids and order ids are deterministic.
    assert main(["demo", "--customers", "30"]) == 0
    assert snapshot()[:3] == (30, first[1], first[2])
