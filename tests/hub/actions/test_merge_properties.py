"""Property-based tests of merge and unmerge (hypothesis), on SQLite and PostgreSQL.

Random small customers (identities, details, timeline events, orders with items) are
built through the actions (each example's unique keys carry a fresh salt, so examples
share one database), then:

- merging two customers and undoing the merge restores both exactly: their full
  exports (``export_customer``) are equal, except the merge/audit records that
  legitimately remain and the customers' ``updated_at``;
- merging is associative for what agents see: ``merge(merge(A, B), C)`` and
  ``merge(A, merge(B, C))`` leave the surviving customer with the same name,
  identities, events, details, orders and unread count.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.actions.customers import Provenance, add_identity, create_customer, record_detail
from hub.actions.merge import merge_customers, unmerge_customers
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.privacy import export_customer
from hub.actions.timeline import NewEvent, append_event
from hub.core import Hub

T = TypeVar("T")
SQLITE_EXAMPLES = 30
POSTGRES_EXAMPLES = 12

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=16
).filter(lambda s: s.strip() == s and s)


@dataclass(frozen=True)
class Person:
    name: str | None
    identities: tuple[tuple[str, bool], ...]  # (kind, verified)
    details: tuple[tuple[str, str], ...]
    events: tuple[tuple[str, str, str | None, str], ...]  # type, channel, direction, body
    orders: tuple[tuple[tuple[str, int, int], ...], ...]  # items: name, quantity, price


PEOPLE = st.builds(
    Person,
    name=st.none() | TEXT,
    identities=st.lists(
        st.tuples(st.sampled_from(["phone", "email", "loyalty"]), st.booleans()),
        max_size=3,
        unique_by=lambda t: t[0],
    ).map(tuple),
    details=st.lists(
        st.tuples(st.sampled_from(["order_number", "address", "reason"]), TEXT), max_size=3
    ).map(tuple),
    events=st.lists(
        st.tuples(
            st.sampled_from(["message", "note", "call"]),
            st.sampled_from(["sms", "webchat", "phone", "console"]),
            st.sampled_from(["in", "out", None]),
            TEXT,
        ),
        max_size=4,
    ).map(tuple),
    orders=st.lists(
        st.lists(
            st.tuples(TEXT, st.integers(1, 3), st.integers(0, 5000)), min_size=1, max_size=2
        ).map(tuple),
        max_size=2,
    ).map(tuple),
)


def address(kind: str, salt: str, person: int) -> str:
    """A unique address per example (``salt``) and person, valid for its kind."""
    return {
        "phone": f"+1202{salt}{person}",
        "email": f"p{salt}.{person}@example.com",
        "loyalty": f"L-{salt}-{person}",
    }[kind]


async def build(hub: Hub, people: list[Person], salt: str) -> list[int]:
    """Create ``people`` through the actions; every unique key carries ``salt``."""
    ids = []
    for n, person in enumerate(people):
        async with hub.uow() as uow:
            customer, thread = await create_customer(uow, person.name)
            for kind, verified in person.identities:
                await add_identity(
                    uow, customer.id, kind, address(kind, salt, n), verified=verified
                )
            for key, value in person.details:
                await record_detail(uow, customer.id, key, value, Provenance("webchat"))
            for j, (type_, channel, direction, body) in enumerate(person.events):
                await append_event(
                    uow,
                    customer,
                    thread,
                    NewEvent(
                        type=type_,
                        channel=channel,
                        direction=direction,
                        body=body,
                        provider_id=f"ev-{salt}-{n}-{j}",
                    ),
                )
            for j, items in enumerate(person.orders):
                await upsert_order(
                    uow,
                    OrderInput(
                        external_id=f"order-{salt}-{n}-{j}",
                        number=f"N-{n}-{j}",
                        customer_id=customer.id,
                        items=tuple(ItemInput(name, qty, price) for name, qty, price in items),
                    ),
                )
            ids.append(customer.id)
    return ids


async def export(hub: Hub, customer_id: int) -> dict[str, Any]:
    async with hub.read() as session:
        return await export_customer(session, customer_id)


def restorable(data: dict[str, Any]) -> dict[str, Any]:
    """An export minus what a merge and its undo legitimately leave behind."""
    kept = {k: v for k, v in data.items() if k not in ("exported_at", "merges", "audit")}
    kept["customer"] = {k: v for k, v in data["customer"].items() if k != "updated_at"}
    return kept


def agent_view(data: dict[str, Any], salt: str) -> dict[str, Any]:
    """What an agent sees on the surviving customer, independent of ids, clocks and
    the example's ``salt``."""

    def unsalted(text: str | None) -> str:
        return (text or "").replace(salt, "")

    return {
        "name": data["customer"]["name"],
        "identities": sorted(
            (i["kind"], unsalted(i["address"]), i["verification"]) for i in data["identities"]
        ),
        "events": sorted(
            (
                e["type"],
                e["channel"],
                e["direction"] or "",
                e["body"] or "",
                unsalted(e["provider_id"]),
            )
            for e in data["events"]
            if e["type"] != "merge"
        ),
        "details": sorted((d["key"], d["value"], d["channel"]) for d in data["details"]),
        "orders": sorted(
            (
                unsalted(o["external_id"]),
                o["total_cents"],
                tuple((i["name"], i["quantity"], i["unit_price_cents"]) for i in o["items"]),
            )
            for o in data["orders"]
        ),
        "unread_count": data["thread"]["unread_count"],
        "status": data["thread"]["status"],
    }


def examples(hub: Hub) -> settings:
    count = SQLITE_EXAMPLES if hub.settings.is_sqlite else POSTGRES_EXAMPLES
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def run_on(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the test's event loop from hypothesis' worker thread."""
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)


async def test_merge_then_unmerge_restores_both_customers(hub: Hub) -> None:
    loop = asyncio.get_running_loop()
    salts = itertools.count(100_000)

    async def scenario(people: list[Person], forwards: bool) -> None:
        a, b = await build(hub, people, str(next(salts)))
        source, target = (b, a) if forwards else (a, b)
        before = [await export(hub, a), await export(hub, b)]
        async with hub.uow() as uow:
            merge = await merge_customers(uow, source, target, actor="test")
        merged = await export(hub, source)
        assert merged["customer"]["id"] == target
        async with hub.uow() as uow:
            await unmerge_customers(uow, merge.id, actor="test")
        after = [await export(hub, a), await export(hub, b)]
        assert [restorable(d) for d in after] == [restorable(d) for d in before]

    @examples(hub)
    @given(st.lists(PEOPLE, min_size=2, max_size=2), st.booleans())
    def check(people: list[Person], forwards: bool) -> None:
        run_on(loop, scenario(people, forwards))

    await asyncio.to_thread(check)


async def test_merging_is_associative_for_what_agents_see(hub: Hub) -> None:
    loop = asyncio.get_running_loop()
    salts = itertools.count(100_000)

    async def survivor_view(people: list[Person], left_first: bool) -> dict[str, Any]:
        salt = str(next(salts))
        a, b, c = await build(hub, people, salt)
        # left: merge(merge(A, B), C); right: merge(A, merge(B, C)). A survives.
        pairs = [(b, a), (c, a)] if left_first else [(c, b), (b, a)]
        for source, target in pairs:
            async with hub.uow() as uow:
                await merge_customers(uow, source, target, actor="test")
        return agent_view(await export(hub, c), salt)  # C's id leads to the survivor

    @examples(hub)
    @given(st.lists(PEOPLE, min_size=3, max_size=3))
    def check(people: list[Person]) -> None:
        left = run_on(loop, survivor_view(people, left_first=True))
        right = run_on(loop, survivor_view(people, left_first=False))
        assert left == right

    await asyncio.to_thread(check)
