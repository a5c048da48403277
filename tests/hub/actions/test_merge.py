"""merge_customers then unmerge_customers restores both customers exactly."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.actions.customers import Provenance, get_customer, record_detail
from hub.actions.handoff import create_handoff_code
from hub.actions.inbound import receive_inbound
from hub.actions.merge import merge_customers, unmerge_customers
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.staff import create_agent
from hub.actions.threads import add_note, assign_thread, set_thread_status
from hub.core import Hub
from hub.errors import Conflict, Invalid
from hub.models import AuditEntry, Customer, Detail, Event, HandoffCode, Identity, Order, Thread
from hub.types import IdentityClaim, Inbound


async def snapshot(hub: Hub, customer_id: int) -> dict[str, Any]:
    """Everything that belongs to a customer, as plain comparable values."""
    async with hub.read() as session:

        async def rows(model: Any, *columns: str) -> list[tuple[Any, ...]]:
            result = await session.execute(
                select(model).where(model.customer_id == customer_id).order_by(model.id)
            )
            return [tuple(getattr(r, c) for c in columns) for r in result.scalars()]

        customer = await session.get(Customer, customer_id)
        assert customer is not None
        thread = (
            await session.execute(select(Thread).where(Thread.customer_id == customer_id))
        ).scalar_one()
        return {
            "customer": (customer.name, customer.merged_into_id),
            "thread": tuple(
                getattr(thread, f)
                for f in (
                    "id",
                    "status",
                    "assignee_id",
                    "last_channel",
                    "last_activity_at",
                    "last_message_preview",
                    "waiting_since",
                    "unread_count",
                    "first_response_at",
                    "resolved_at",
                )
            ),
            "identities": await rows(Identity, "id", "kind", "address", "verification"),
            "events": await rows(
                Event, "id", "thread_id", "type", "channel", "body", "provider_id"
            ),
            "details": await rows(Detail, "id", "key", "value", "source_event_id"),
            "orders": await rows(Order, "id", "external_id", "status", "total_cents"),
            "handoff_codes": await rows(HandoffCode, "id", "code"),
        }


async def two_customers(hub: Hub) -> tuple[int, int]:
    async with hub.uow() as uow:
        agent = await create_agent(uow, "sam@example.com", "Sam", "long-password")
    async with hub.uow() as uow:
        sms = await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address="+15551230000",
                body="Where is W-1?",
                provider_id="SM1",
                name="Maria G",
            ),
        )
        a = sms.customer.id
        await record_detail(uow, a, "order_number", "W-1", Provenance("sms"))
        await upsert_order(
            uow,
            OrderInput(external_id="W-1", customer_id=a, items=(ItemInput("Shoes", 1, 12900),)),
        )
        await add_note(uow, a, "Called twice already")
        await assign_thread(uow, a, agent.id)
        await set_thread_status(uow, a, "pending")
    async with hub.uow() as uow:
        chat = await receive_inbound(
            uow,
            Inbound(
                channel="webchat",
                kind="visitor",
                address="visitor-1",
                body="Hi, it's Maria",
                provider_id="c1",
                details={"name": "Maria Gonzalez", "email": "maria@example.com"},
                claims=(IdentityClaim("email", "maria@example.com"),),
            ),
        )
        b = chat.customer.id
        await upsert_order(uow, OrderInput(external_id="POS-9", customer_id=b, source="store"))
        await create_handoff_code(uow, b, from_channel="webchat", to_channel="phone")
    return a, b


async def test_merge_then_unmerge_restores_both_exactly(hub: Hub) -> None:
    a, b = await two_customers(hub)
    before_a, before_b = await snapshot(hub, a), await snapshot(hub, b)
    assert before_b["identities"] and before_b["orders"] and before_b["handoff_codes"]

    async with hub.uow() as uow:
        merge = await merge_customers(uow, b, a, actor="agent:1", reason="same person")
    merged = await snapshot(hub, a)
    emptied = await snapshot(hub, b)
    for key in ("identities", "details", "orders", "handoff_codes"):
        assert sorted(merged[key]) == sorted(before_a[key] + before_b[key]), key
        assert emptied[key] == []
    moved_events = {e[0] for e in before_a["events"] + before_b["events"]}
    assert moved_events < {e[0] for e in merged["events"]}
    assert {e[1] for e in merged["events"]} == {before_a["thread"][0]}
    assert merged["events"][-1][2] == "merge"
    assert emptied["customer"] == ("Maria Gonzalez", a)
    assert merged["thread"][1] == "open"  # b's open thread re-opens the pending one
    async with hub.read() as session:
        assert (await get_customer(session, b)).id == a

    async with hub.uow() as uow:
        await unmerge_customers(uow, merge.id, actor="agent:1")
    assert await snapshot(hub, a) == before_a
    assert await snapshot(hub, b) == before_b
    async with hub.read() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert {"customer.merged", "customer.unmerged"} <= set(actions)

    async with hub.uow() as uow:
        with pytest.raises(Conflict):
            await unmerge_customers(uow, merge.id, actor="agent:1")


async def test_merge_into_itself_is_refused(hub: Hub) -> None:
    a, b = await two_customers(hub)
    async with hub.uow() as uow:
        await merge_customers(uow, b, a, actor="agent:1")
    async with hub.uow() as uow:
        with pytest.raises(Invalid):
            await merge_customers(uow, b, a, actor="agent:1")
