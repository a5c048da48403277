"""Group commit: concurrent inputs share transactions, each answered after its commit."""

from __future__ import annotations

import asyncio

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from hub.core import Hub
from hub.errors import Invalid
from hub.models import Customer, Event
from hub.types import Inbound


def sms(i: int, sender: str | None = None, sid: str | None = None) -> Inbound:
    return Inbound(
        channel="sms",
        kind="phone",
        address=sender or f"+1555200{i:04d}",
        body=f"message {i}",
        provider_id=sid or f"SMB{i}",
    )


async def test_concurrent_inputs_share_commits_and_all_land(hub: Hub) -> None:
    commits = 0

    def count_commit(*_: object) -> None:
        nonlocal commits
        commits += 1

    sa_event.listen(hub.engine.sync_engine, "commit", count_commit)
    results = await asyncio.gather(*(hub.ingest(sms(i)) for i in range(60)))
    assert all(not r.duplicate for r in results)
    assert commits < 60
    async with hub.read() as session:
        assert (await session.execute(select(func.count()).select_from(Event))).scalar() == 60
        assert (await session.execute(select(func.count()).select_from(Customer))).scalar() == 60


async def test_a_bad_input_fails_alone(hub: Hub) -> None:
    inputs = [sms(1), sms(2, sender="not-a-phone"), sms(3)]
    results = await asyncio.gather(*(hub.ingest(i) for i in inputs), return_exceptions=True)
    assert isinstance(results[1], Invalid)
    assert not isinstance(results[0], BaseException)
    assert not isinstance(results[2], BaseException)
    async with hub.read() as session:
        assert (await session.execute(select(func.count()).select_from(Event))).scalar() == 2


async def test_replays_in_one_batch_store_once(hub: Hub) -> None:
    results = await asyncio.gather(*(hub.ingest(sms(1, sid="SMSAME")) for _ in range(5)))
    assert sum(not r.duplicate for r in results) == 1
    assert len({r.event.id for r in results}) == 1


async def test_result_arrives_only_after_commit(hub: Hub) -> None:
    received = await hub.ingest(sms(7))
    # A separate session sees the row as soon as ingest returned.
    async with hub.read() as session:
        stored = await session.get(Event, received.event.id)
    assert stored is not None


async def test_single_input_is_not_delayed(hub: Hub) -> None:
    received = await asyncio.wait_for(hub.ingest(sms(9)), 5)
    assert received.event.body == "message 9"
