"""Who sent a batch of inbound messages: identities, live customers and threads, set-based.

``resolve_senders`` finds every sender of a batch with one SELECT (identity joined
with its customer and thread) and creates only what is missing; the unique keys
decide races with other processes (``(kind, address)`` for identities,
``customer_id`` for threads) and the loser reads the winner's rows. Rows are
handled as plain column dicts (Core, not the ORM unit of work); used by
``hub.actions.inbound_batch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import utcnow
from hub.errors import NotFound
from hub.models import Customer, Identity, Thread
from hub.models.customer import ASSERTED, VERIFIED
from hub.models.thread import OPEN
from hub.types import Inbound

THREADS = cast(Table, Thread.__table__)
CUSTOMERS = cast(Table, Customer.__table__)
IDENTITIES = cast(Table, Identity.__table__)
_MAX_MERGE_HOPS = 32

Key = tuple[str, str]


@dataclass
class Sender:
    """One identity of the batch with its live customer and thread, as column dicts.

    Senders of one customer share the same customer and thread dicts."""

    identity: dict[str, Any]
    customer: dict[str, Any]
    thread: dict[str, Any] | None = None
    seen: bool = False  # an event of this batch came through this identity
    renamed: bool = False  # the customer got its name from this batch


def columns(table: Any, values: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(table.c.keys(), values, strict=True))


async def resolve_senders(conn: AsyncConnection, wanted: dict[Key, Inbound]) -> dict[Key, Sender]:
    """Every sender's identity, live customer and thread; missing ones are created.

    ``wanted`` maps each normalised ``(kind, address)`` to the first input from it
    (its ``verified`` and ``name`` go to a new identity and customer)."""
    if not wanted:
        return {}
    senders = await _load_senders(conn, list(wanted))
    # Sorted: concurrent batches insert shared new identities in the same order.
    missing = sorted(key for key in wanted if key not in senders)
    if missing:
        await _create_senders(conn, [(key, wanted[key]) for key in missing])
        senders.update(await _load_senders(conn, missing))
    await _follow_merges(conn, senders)
    await _ensure_threads(conn, senders)
    shared: dict[int, Sender] = {}
    for sender in senders.values():
        first = shared.setdefault(sender.customer["id"], sender)
        sender.customer, sender.thread = first.customer, first.thread
    return senders


async def _load_senders(conn: AsyncConnection, keys: list[Key]) -> dict[Key, Sender]:
    found = await conn.execute(
        select(IDENTITIES, CUSTOMERS, THREADS)
        .join(CUSTOMERS, CUSTOMERS.c.id == IDENTITIES.c.customer_id)
        .outerjoin(THREADS, THREADS.c.customer_id == CUSTOMERS.c.id)
        .where(tuple_(IDENTITIES.c.kind, IDENTITIES.c.address).in_(keys))
    )
    n_identity, n_customer = len(IDENTITIES.c), len(CUSTOMERS.c)
    senders: dict[Key, Sender] = {}
    for row in found:
        values = tuple(row)
        identity = columns(IDENTITIES, values[:n_identity])
        customer = columns(CUSTOMERS, values[n_identity : n_identity + n_customer])
        thread = columns(THREADS, values[n_identity + n_customer :])
        senders[(identity["kind"], identity["address"])] = Sender(
            identity, customer, thread if thread["id"] is not None else None
        )
    return senders


def upsert(conn: AsyncConnection, table: Any) -> Any:
    return (postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


async def _create_senders(conn: AsyncConnection, items: list[tuple[Key, Inbound]]) -> None:
    """A customer, thread and identity per new sender. Where another transaction
    created the identity first (the unique key decides), our customer is deleted."""
    now = utcnow()
    customers = await conn.execute(
        insert(CUSTOMERS).returning(CUSTOMERS.c.id, sort_by_parameter_order=True),
        [
            {
                "name": (inbound.name or None) and inbound.name.strip()[:200],
                "created_at": now,
                "updated_at": now,
            }
            for _, inbound in items
        ],
    )
    customer_ids = [row.id for row in customers]
    won = await conn.execute(
        upsert(conn, IDENTITIES)
        .on_conflict_do_nothing(index_elements=["kind", "address"])
        .returning(IDENTITIES.c.customer_id),
        [
            {
                "customer_id": customer_id,
                "kind": kind,
                "address": address,
                "verification": VERIFIED if inbound.verified else ASSERTED,
                "sms_opted_out": False,
                "created_at": now,
            }
            for customer_id, ((kind, address), inbound) in zip(customer_ids, items, strict=True)
        ],
    )
    winners = {row.customer_id for row in won}
    losers = [cid for cid in customer_ids if cid not in winners]
    if losers:
        await conn.execute(delete(CUSTOMERS).where(CUSTOMERS.c.id.in_(losers)))
    if winners:
        await conn.execute(
            insert(THREADS), [new_thread(cid, now) for cid in customer_ids if cid in winners]
        )


def new_thread(customer_id: int, now: datetime) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "status": OPEN,
        "last_activity_at": now,
        "unread_count": 0,
        "created_at": now,
    }


async def _follow_merges(conn: AsyncConnection, senders: dict[Key, Sender]) -> None:
    """Point senders whose customer was merged at the live customer (and its thread)."""
    for _ in range(_MAX_MERGE_HOPS):
        merged = [s for s in senders.values() if s.customer["merged_into_id"] is not None]
        if not merged:
            return
        found = await conn.execute(
            select(CUSTOMERS, THREADS)
            .outerjoin(THREADS, THREADS.c.customer_id == CUSTOMERS.c.id)
            .where(CUSTOMERS.c.id.in_({s.customer["merged_into_id"] for s in merged}))
        )
        n_customer = len(CUSTOMERS.c)
        live: dict[int, tuple[dict[str, Any], dict[str, Any] | None]] = {}
        for row in found:
            values = tuple(row)
            customer = columns(CUSTOMERS, values[:n_customer])
            thread = columns(THREADS, values[n_customer:])
            live[customer["id"]] = (customer, thread if thread["id"] is not None else None)
        for sender in merged:
            target = live.get(sender.customer["merged_into_id"])
            if target is None:
                raise NotFound(f"customer {sender.customer['merged_into_id']} not found")
            sender.customer, sender.thread = target
    raise NotFound("customer merge chain too long")


async def _ensure_threads(conn: AsyncConnection, senders: dict[Key, Sender]) -> None:
    """Create the thread of customers that have none (one per customer: a concurrent
    creator wins and its row is read back)."""
    lacking = {s.customer["id"] for s in senders.values() if s.thread is None}
    if not lacking:
        return
    now = utcnow()
    await conn.execute(
        upsert(conn, THREADS).on_conflict_do_nothing(index_elements=["customer_id"]),
        [new_thread(cid, now) for cid in sorted(lacking)],
    )
    found = await conn.execute(select(THREADS).where(THREADS.c.customer_id.in_(lacking)))
    threads = {row.customer_id: dict(row._mapping) for row in found}
    for sender in senders.values():
        if sender.thread is None:
            sender.thread = threads[sender.customer["id"]]
