"""receive_inbound: one customer per identity, one event per provider id, on both engines."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from hub.actions.inbound import receive_inbound
from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.errors import Invalid
from hub.models import Customer, Detail, Event, Identity, Thread
from hub.types import IdentityClaim, Inbound


def sms(body: str, sid: str | None, sender: str = "+1 (555) 123-0000") -> Inbound:
    return Inbound(channel="sms", kind="phone", address=sender, body=body, provider_id=sid)


async def count(hub: Hub, model: type) -> int:
    async with hub.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_new_sender_gets_customer_thread_and_event(hub: Hub) -> None:
    async with hub.uow() as uow:
        received = await receive_inbound(uow, sms("Hi, where is my order?", "SM1"))
    assert not received.duplicate
    assert received.identity is not None
    assert received.identity.address == "+15551230000"
    assert received.identity.verification == "verified"
    assert received.thread.status == "open"
    assert received.thread.last_channel == "sms"
    assert received.thread.unread_count == 1
    assert received.event.direction == "in"
    assert await count(hub, Customer) == 1


async def test_same_number_in_other_format_is_same_customer(hub: Hub) -> None:
    async with hub.uow() as uow:
        first = await receive_inbound(uow, sms("one", "SM1"))
    async with hub.uow() as uow:
        second = await receive_inbound(uow, sms("two", "SM2", sender="555-123-0000"))
    assert first.customer.id == second.customer.id
    assert await count(hub, Event) == 2


async def test_replay_changes_nothing(hub: Hub) -> None:
    async with hub.uow() as uow:
        first = await receive_inbound(uow, sms("hello", "SM1"))
    async with hub.uow() as uow:
        again = await receive_inbound(uow, sms("hello", "SM1"))
    assert again.duplicate
    assert again.event.id == first.event.id
    assert await count(hub, Event) == 1
    async with hub.read() as session:
        thread = (await session.execute(select(Thread))).scalar_one()
    assert thread.unread_count == 1


async def test_resolved_thread_reopens(hub: Hub) -> None:
    async with hub.uow() as uow:
        first = await receive_inbound(uow, sms("hello", "SM1"))
    async with hub.uow() as uow:
        await set_thread_status(uow, first.customer.id, "resolved")
    async with hub.uow() as uow:
        again = await receive_inbound(uow, sms("me again", "SM2"))
    assert again.thread.status == "open"


async def test_details_and_claims_are_recorded(hub: Hub) -> None:
    inbound = Inbound(
        channel="webchat",
        kind="visitor",
        address="v_abc",
        body="hi",
        provider_id="v_abc:1",
        details={"name": "Ada Lovelace", "order_number": "A-1001"},
        claims=(IdentityClaim("phone", "+1 555 777 0000"),),
    )
    async with hub.uow() as uow:
        received = await receive_inbound(uow, inbound)
    assert received.customer.name == "Ada Lovelace"
    async with hub.read() as session:
        details = {d.key: d.value for d in (await session.execute(select(Detail))).scalars()}
        phones = (await session.execute(select(Identity).where(Identity.kind == "phone"))).all()
    # A typed phone is a claim (an asserted detail, normalised), never an identity.
    assert details == {"name": "Ada Lovelace", "order_number": "A-1001", "phone": "+15557770000"}
    assert phones == []


async def test_asserted_claim_never_takes_someone_elses_identity(hub: Hub) -> None:
    async with hub.uow() as uow:
        owner = await receive_inbound(uow, sms("I own this number", "SM1"))
    claim = Inbound(
        channel="webchat",
        kind="visitor",
        address="v_intruder",
        body="hi",
        provider_id="v_intruder:1",
        claims=(IdentityClaim("phone", "+15551230000"),),
    )
    async with hub.uow() as uow:
        intruder = await receive_inbound(uow, claim)
    assert intruder.customer.id != owner.customer.id
    async with hub.read() as session:
        phone = (
            await session.execute(select(Identity).where(Identity.kind == "phone"))
        ).scalar_one()
    assert phone.customer_id == owner.customer.id


async def test_invalid_address_is_refused(hub: Hub) -> None:
    with pytest.raises(Invalid):
        async with hub.uow() as uow:
            await receive_inbound(uow, sms("x", "SM1", sender="not a number"))
    assert await count(hub, Customer) == 0


async def test_two_messages_from_a_new_number_at_once_make_one_customer(hub: Hub) -> None:
    async def deliver(i: int) -> int:
        async with hub.uow() as uow:
            received = await receive_inbound(uow, sms(f"msg {i}", f"SMC{i}"))
            # Hold the transaction open a moment so the two really overlap.
            await asyncio.sleep(0.05)
            return received.customer.id

    ids = await asyncio.gather(*(deliver(i) for i in range(6)))
    assert len(set(ids)) == 1
    assert await count(hub, Customer) == 1
    assert await count(hub, Identity) == 1
    assert await count(hub, Event) == 6


async def test_same_provider_id_at_once_makes_one_event(hub: Hub) -> None:
    async def deliver() -> bool:
        async with hub.uow() as uow:
            received = await receive_inbound(uow, sms("dup", "SMDUP"))
            await asyncio.sleep(0.05)
            return received.duplicate

    results = await asyncio.gather(*(deliver() for _ in range(6)))
    assert results.count(False) == 1
    assert await count(hub, Event) == 1


async def test_only_a_claimed_numbers_first_text_is_marked_first(hub: Hub) -> None:
    """``first_text`` (what ``claim_links`` acts on) is found with the batch, so neither
    a young number's later texts nor a number nobody gave cost a follow-up transaction."""
    from hub.actions.customers import Provenance, create_customer, record_detail

    async with hub.uow() as uow:
        unclaimed = await receive_inbound(uow, sms("hi", "SM0", sender="+15551239999"))
        chatter, _ = await create_customer(uow, "Chatter")
        await record_detail(uow, chatter.id, "phone", "+15551230000", Provenance("webchat"))
    async with hub.uow() as uow:
        first = await receive_inbound(uow, sms("hello", "SM1"))
    async with hub.uow() as uow:
        second = await receive_inbound(uow, sms("still there?", "SM2"))
    async with hub.uow() as uow:
        again = await receive_inbound(uow, sms("hello", "SM1"))
    assert first.first_text and not unclaimed.first_text
    assert not second.first_text
    assert again.duplicate and not again.first_text


async def test_order_numbers_of_a_batch_are_looked_up_once(hub: Hub) -> None:
    """Every text of a batch that mentions an order-number candidate is scanned, and
    the candidates of the whole batch are checked against known orders in one query."""
    from sqlalchemy import event as sa_event

    from hub.actions.inbound import receive_batch

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa_event.listen(hub.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with hub.uow() as uow:
            answers = await receive_batch(
                uow,
                [
                    sms(f"is W-1042{i} ready?", f"SMo{i}", sender=f"+1555123000{i}")
                    for i in range(5)
                ],
            )
    finally:
        sa_event.remove(hub.engine.sync_engine, "before_cursor_execute", seen)
    assert all(not isinstance(answer, Exception) for answer in answers)
    assert sum("FROM orders" in statement for statement in statements) == 1
