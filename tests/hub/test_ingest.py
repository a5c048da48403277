"""Group commit: concurrent inputs share transactions, each answered after its commit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from hub.actions.customers import resolve_identity
from hub.actions.inbound import Received, receive_batch, receive_inbound
from hub.actions.merge import merge_customers
from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.errors import HubError, Invalid
from hub.events import EVENT_CREATED, THREAD_UPDATED, DomainEvent
from hub.ingest import IngestBatcher
from hub.models import Customer, Event, Identity, Thread
from hub.models.thread import RESOLVED
from hub.serializers import event_dict, thread_dict
from hub.settings import Settings
from hub.types import Inbound, Media


def sms(i: int, sender: str | None = None, sid: str | None = None) -> Inbound:
    return Inbound(
        channel="sms",
        kind="phone",
        address=sender or f"+1555200{i:04d}",
        body=f"message {i}",
        provider_id=sid or f"SMB{i}",
    )


def ingest(hub: Hub) -> Callable[[Inbound], Awaitable[Received]]:
    """``hub``'s group commit (one batcher per hub, as ``HubPort`` holds)."""
    batcher = _BATCHERS.get(hub)
    if batcher is None:
        batcher = _BATCHERS[hub] = IngestBatcher(hub)
    return batcher.submit


_BATCHERS: WeakKeyDictionary[Hub, IngestBatcher] = WeakKeyDictionary()


async def test_concurrent_inputs_share_commits_and_all_land(hub: Hub) -> None:
    commits = 0

    def count_commit(*_: object) -> None:
        nonlocal commits
        commits += 1

    sa_event.listen(hub.engine.sync_engine, "commit", count_commit)
    results = await asyncio.gather(*(ingest(hub)(sms(i)) for i in range(60)))
    assert all(not r.duplicate for r in results)
    assert commits < 60
    async with hub.read() as session:
        assert (await session.execute(select(func.count()).select_from(Event))).scalar() == 60
        assert (await session.execute(select(func.count()).select_from(Customer))).scalar() == 60


async def test_a_bad_input_fails_alone(hub: Hub) -> None:
    inputs = [sms(1), sms(2, sender="not-a-phone"), sms(3)]
    results = await asyncio.gather(*(ingest(hub)(i) for i in inputs), return_exceptions=True)
    assert isinstance(results[1], Invalid)
    assert not isinstance(results[0], BaseException)
    assert not isinstance(results[2], BaseException)
    async with hub.read() as session:
        assert (await session.execute(select(func.count()).select_from(Event))).scalar() == 2


async def test_replays_in_one_batch_store_once(hub: Hub) -> None:
    results = await asyncio.gather(*(ingest(hub)(sms(1, sid="SMSAME")) for _ in range(5)))
    assert sum(not r.duplicate for r in results) == 1
    assert len({r.event.id for r in results}) == 1


async def test_result_arrives_only_after_commit(hub: Hub) -> None:
    received = await ingest(hub)(sms(7))
    # A separate session sees the row as soon as ingest returned.
    async with hub.read() as session:
        stored = await session.get(Event, received.event.id)
    assert stored is not None


async def test_single_input_is_not_delayed(hub: Hub) -> None:
    received = await asyncio.wait_for(ingest(hub)(sms(9)), 5)
    assert received.event.body == "message 9"


# -- a batch gives what its inputs give one by one (receive_batch vs receive_inbound) --

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def scenario(prefix: str) -> tuple[list[Inbound], list[Inbound]]:
    """(setup inputs, batch inputs) in one namespace of numbers and provider ids."""

    def msg(n: int, sid: str, minutes: int, **kw: Any) -> Inbound:
        fields: dict[str, Any] = {
            "channel": "sms",
            "kind": "phone",
            "address": f"+1555{prefix}{n:04d}",
            "body": f"body {sid}",
            "provider_id": f"{prefix}-{sid}",
            "occurred_at": T0 + timedelta(minutes=minutes),
        }
        fields.update(kw)
        return Inbound(**fields)

    setup = [
        msg(1, "s1", 0),  # an existing customer, thread resolved below
        msg(2, "s2", 0, verified=False),  # an asserted identity, upgraded below
        msg(3, "s3", 30, name="Known Name"),
    ]
    batch = [
        msg(1, "b1", 10),
        msg(1, "b2", 5),  # backdated: counts as unread, not as last activity
        msg(2, "b3", 11, verified=True),
        msg(3, "b4", 12, name="Other Name"),  # a name never overwrites one
        msg(4, "b5", 13, name="  New Person  "),  # a new number, with a name
        msg(4, "b6", 14, awaits_reply=False, type="visit", body=None),
        msg(5, "b7", 15, media=(Media("https://x/1.jpg", "image/jpeg"),), data={"k": 1}),
        msg(1, "s1", 16),  # a replay of a stored message
        msg(5, "b7", 17),  # a replay within the batch
        msg(6, "b8", 18, address="not-a-phone"),  # refused alone
        msg(6, "b9", 19, type="nonsense"),  # refused alone
    ]
    return setup, batch


async def snapshot(hub: Hub, prefix: str) -> dict[str, Any]:
    """The stored state of one namespace, without ids and wall-clock times."""
    state: dict[str, Any] = {}
    async with hub.read() as session:
        identities = (
            (
                await session.execute(
                    select(Identity).where(Identity.address.like(f"+1555{prefix}%"))
                )
            )
            .scalars()
            .all()
        )
        for identity in identities:
            customer = await session.get(Customer, identity.customer_id)
            assert customer is not None
            thread = (
                await session.execute(select(Thread).where(Thread.customer_id == customer.id))
            ).scalar_one()
            events = (
                (
                    await session.execute(
                        select(Event).where(Event.customer_id == customer.id).order_by(Event.id)
                    )
                )
                .scalars()
                .all()
            )
            state[identity.address[-3:]] = {
                "verification": identity.verification,
                "seen": identity.last_seen_at is not None,
                "name": customer.name,
                "thread": {
                    k: v for k, v in thread_dict(thread).items() if k not in ("id", "customer_id")
                },
                "events": sorted(
                    [
                        (
                            e.provider_id.split("-")[1] if e.provider_id else None,
                            e.type,
                            e.body,
                            e.direction,
                            e.channel,
                            e.status,
                            repr(e.data),
                            e.created_at,
                        )
                        for e in events
                    ],
                    key=repr,
                ),
            }
    return state


def received_shape(result: Received | BaseException) -> Any:
    if isinstance(result, BaseException):
        return type(result).__name__
    return (
        result.duplicate,
        (result.event.provider_id or "").split("-")[1],
        result.identity.address[-3:] if result.identity else None,
        result.customer.name,
        result.thread.customer_id == result.customer.id == result.event.customer_id,
    )


async def test_batch_path_matches_receive_inbound(hub: Hub) -> None:
    for prefix in ("301", "302"):
        setup, _ = scenario(prefix)
        for inbound in setup:
            async with hub.uow() as uow:
                await receive_inbound(uow, inbound)
        async with hub.uow() as uow:
            customer = (await resolve_identity(uow, "phone", f"+1555{prefix}0001", verified=True))[
                1
            ]
            await set_thread_status(uow, customer.id, RESOLVED, at=T0 + timedelta(minutes=1))

    one_by_one: list[Received | BaseException] = []
    for inbound in scenario("301")[1]:
        try:
            async with hub.uow() as uow:
                one_by_one.append(await receive_inbound(uow, inbound))
        except HubError as exc:
            one_by_one.append(exc)

    published: list[DomainEvent] = []

    async def listen(event: DomainEvent) -> None:
        published.append(event)

    hub.subscribe(listen)
    async with hub.uow() as uow:
        batched = await receive_batch(uow, scenario("302")[1])

    assert [received_shape(r) for r in batched] == [received_shape(r) for r in one_by_one]
    assert await snapshot(hub, "302") == await snapshot(hub, "301")
    # One event.created per new event; one thread.updated per thread, its final state.
    created = [e for e in published if e.name == EVENT_CREATED]
    assert len(created) == sum(1 for r in batched if isinstance(r, Received) and not r.duplicate)
    updates = [e for e in published if e.name == THREAD_UPDATED]
    assert len({e.payload["id"] for e in updates}) == len(updates) == 5
    for update_event in updates:
        async with hub.read() as session:
            thread = await session.get(Thread, update_event.payload["id"])
            assert thread is not None
            assert update_event.payload == thread_dict(thread)
    # The results are what a later read sees.
    for result in batched:
        if isinstance(result, Received):
            async with hub.read() as session:
                event = await session.get(Event, result.event.id)
            assert event is not None and event_dict(event) == event_dict(result.event)


async def test_batch_follows_merged_customers(hub: Hub) -> None:
    a, b = await ingest(hub)(sms(1)), await ingest(hub)(sms(2))
    async with hub.uow() as uow:
        await merge_customers(uow, a.customer.id, b.customer.id, actor="test")
    again = await ingest(hub)(sms(1, sid="SMafter"))
    assert again.customer.id == b.customer.id
    assert again.event.customer_id == b.customer.id
    assert again.thread.unread_count == 3


async def race(hub_a: Hub, hub_b: Hub, a: Inbound, b: Inbound) -> tuple[Received, Received]:
    """``a`` through ``hub_a`` and ``b`` through ``hub_b`` (separate pools), with the
    second transaction starting before the first commits."""
    a_done, commit = asyncio.Event(), asyncio.Event()

    async def first() -> Received:
        async with hub_a.uow() as uow:
            (received,) = await receive_batch(uow, [a])
            a_done.set()
            await commit.wait()
        assert isinstance(received, Received)
        return received

    async def second() -> Received:
        await a_done.wait()
        async with hub_b.uow() as uow:
            (received,) = await receive_batch(uow, [b])
        assert isinstance(received, Received)
        return received

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    await a_done.wait()
    await asyncio.sleep(0.2)  # the second is now blocked on a lock or a unique key
    commit.set()
    return await first_task, await second_task


async def count(hub: Hub, model: Any) -> int:
    async with hub.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_two_hubs_racing_on_a_new_number_make_one_customer(
    hub: Hub, settings: Settings
) -> None:
    other = Hub(settings)
    try:
        a, b = await race(hub, other, sms(1, sid="SMra"), sms(1, sid="SMrb"))
    finally:
        await other.dispose()
    assert a.customer.id == b.customer.id and not a.duplicate and not b.duplicate
    assert await count(hub, Customer) == 1
    assert await count(hub, Thread) == 1
    assert await count(hub, Event) == 2
    async with hub.read() as session:
        thread = await session.get(Thread, b.thread.id)
    assert thread is not None and thread.unread_count == 2


async def test_two_hubs_racing_on_one_provider_id_store_it_once(
    hub: Hub, settings: Settings
) -> None:
    other = Hub(settings)
    try:
        a, b = await race(hub, other, sms(1, sid="SMsame"), sms(1, sid="SMsame"))
    finally:
        await other.dispose()
    assert (a.duplicate, b.duplicate) == (False, True)
    assert a.event.id == b.event.id and a.customer.id == b.customer.id
    assert await count(hub, Event) == 1
    assert await count(hub, Customer) == 1
