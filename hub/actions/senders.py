"""Who sent a batch of inbound input: identities, live customers and threads, set-based.

``resolve_senders`` is the one identity resolution of inbound input (``receive_batch``
and so ``receive_inbound`` use it). It finds every sender of a batch with one SELECT
(identity joined with its customer and thread). An address nobody holds yet gets a new
customer, thread and identity (its proof as the input states it), set-based: a few
statements for all new senders of the batch. A known sender whose sighting changes
nothing the identity rules care about costs nothing more. Every other sighting -- a
verified one of an asserted identity, a name for a nameless customer, input the
caller assigned to a customer -- goes through ``hub.actions.customers.resolve_identity``,
which owns those rules; its rows are then read back with the same SELECT. Rows are
handled as plain column dicts (Core, not the ORM unit of work); the unique keys
decide races with other processes (the loser reads the winner's rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.actions.customers import resolve_identity
from hub.core import UnitOfWork
from hub.db import pairs_in_list, pairs_params, utcnow
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
# Who sent an input: the identity's ``(kind, normalised address)`` and the customer the
# caller assigned the input to (``Inbound.customer_id``), if any.
SenderKey = tuple[str, str, int | None]


@dataclass
class Sender:
    """One sender of the batch: its identity, live customer and thread, as column dicts.

    Senders of one customer share the same customer and thread dicts. ``ruled`` says
    ``resolve_identity`` already recorded this sighting (the identity needs no update)."""

    identity: dict[str, Any]
    customer: dict[str, Any]
    thread: dict[str, Any] | None = None
    seen: bool = False  # an event of this batch came through this identity
    ruled: bool = False


def columns(table: Any, values: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(table.c.keys(), values, strict=True))


async def resolve_senders(
    uow: UnitOfWork, wanted: dict[SenderKey, Inbound]
) -> dict[SenderKey, Sender]:
    """Every sender's identity, live customer and thread; what is missing is created.

    ``wanted`` maps each sender to the first input from it (its ``verified`` and
    ``name`` are what the identity rules weigh). The caller's pending ORM changes must
    be flushed (``receive_batch`` does)."""
    if not wanted:
        return {}
    conn = await uow.session.connection()
    known = await _load_senders(conn, {key[:2] for key in wanted})
    # Sorted: concurrent batches create shared new identities in the same order.
    new = sorted(
        {key[:2]: wanted[key] for key in wanted if key[:2] not in known and key[2] is None}.items()
    )
    if new:
        await _create_senders(conn, new)
        known.update(await _load_senders(conn, {key for key, _ in new}))
    ruled = sorted(key for key, inbound in wanted.items() if _needs_rules(key, inbound, known))
    for kind, address, customer_id in ruled:
        inbound = wanted[(kind, address, customer_id)]
        await resolve_identity(
            uow,
            kind,
            address,
            verified=inbound.verified,
            name=inbound.name,
            customer_id=customer_id,
        )
    if ruled:
        await uow.session.flush()
        known.update(await _load_senders(conn, {key[:2] for key in ruled}))
    senders = {
        key: Sender(known[key[:2]].identity, known[key[:2]].customer, known[key[:2]].thread)
        for key in wanted
    }
    for key in ruled:
        senders[key].ruled = True
    await _assign_named_customers(conn, senders)
    await _follow_merges(conn, senders.values())
    await _ensure_threads(conn, senders.values())
    shared: dict[int, Sender] = {}
    for sender in senders.values():
        first = shared.setdefault(sender.customer["id"], sender)
        sender.customer, sender.thread = first.customer, first.thread
    return senders


def _needs_rules(key: SenderKey, inbound: Inbound, known: dict[Key, Sender]) -> bool:
    """Whether this sighting is for ``resolve_identity`` to decide (see the module doc)."""
    found = known.get(key[:2])
    return (
        found is None
        or key[2] is not None
        or (inbound.verified and found.identity["verification"] != VERIFIED)
        or bool(inbound.name and not found.customer["name"])
    )


async def _assign_named_customers(conn: AsyncConnection, senders: dict[SenderKey, Sender]) -> None:
    """Input the caller assigned to a customer goes to that customer's thread, whoever
    holds the identity (``receive_inbound``'s ``customer_id`` contract)."""
    named = {key[2]: sender for key, sender in senders.items() if key[2] is not None}
    if not named:
        return
    found = await _customers_with_threads(conn, set(named))
    for customer_id, sender in named.items():
        if customer_id not in found:
            raise NotFound(f"customer {customer_id} not found")
        sender.customer, sender.thread = found[customer_id]


@cache
def _senders_statement(dialect: str) -> Any:
    return (
        select(IDENTITIES, CUSTOMERS, THREADS)
        .join(CUSTOMERS, CUSTOMERS.c.id == IDENTITIES.c.customer_id)
        .outerjoin(THREADS, THREADS.c.customer_id == CUSTOMERS.c.id)
        .where(pairs_in_list(dialect, IDENTITIES.c.kind, IDENTITIES.c.address, "keys"))
    )


async def _load_senders(conn: AsyncConnection, keys: Iterable[Key]) -> dict[Key, Sender]:
    wanted = set(keys)
    dialect = conn.dialect.name
    found = await conn.execute(_senders_statement(dialect), pairs_params(dialect, "keys", wanted))
    n_identity, n_customer = len(IDENTITIES.c), len(CUSTOMERS.c)
    senders: dict[Key, Sender] = {}
    for row in found:
        values = tuple(row)
        identity = columns(IDENTITIES, values[:n_identity])
        customer = columns(CUSTOMERS, values[n_identity : n_identity + n_customer])
        thread = columns(THREADS, values[n_identity + n_customer :])
        key = (identity["kind"], identity["address"])
        if key in wanted:
            senders[key] = Sender(identity, customer, thread if thread["id"] is not None else None)
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


async def _customers_with_threads(
    conn: AsyncConnection, ids: set[int]
) -> dict[int, tuple[dict[str, Any], dict[str, Any] | None]]:
    """Customers by id, each with its thread (None when it has none yet)."""
    found = await conn.execute(
        select(CUSTOMERS, THREADS)
        .outerjoin(THREADS, THREADS.c.customer_id == CUSTOMERS.c.id)
        .where(CUSTOMERS.c.id.in_(ids))
    )
    n_customer = len(CUSTOMERS.c)
    rows: dict[int, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for row in found:
        values = tuple(row)
        customer = columns(CUSTOMERS, values[:n_customer])
        thread = columns(THREADS, values[n_customer:])
        rows[customer["id"]] = (customer, thread if thread["id"] is not None else None)
    return rows


async def _follow_merges(conn: AsyncConnection, senders: Iterable[Sender]) -> None:
    """Point senders whose customer was merged at the live customer (and its thread)."""
    pending = list(senders)
    for _ in range(_MAX_MERGE_HOPS):
        merged = [s for s in pending if s.customer["merged_into_id"] is not None]
        if not merged:
            return
        live = await _customers_with_threads(conn, {s.customer["merged_into_id"] for s in merged})
        for sender in merged:
            target = live.get(sender.customer["merged_into_id"])
            if target is None:
                raise NotFound(f"customer {sender.customer['merged_into_id']} not found")
            sender.customer, sender.thread = target
        pending = merged
    raise NotFound("customer merge chain too long")


async def _ensure_threads(conn: AsyncConnection, senders: Iterable[Sender]) -> None:
    """Create the thread of customers that have none (one per customer: a concurrent
    creator wins and its row is read back)."""
    senders = list(senders)
    lacking = {s.customer["id"] for s in senders if s.thread is None}
    if not lacking:
        return
    now = utcnow()
    await conn.execute(
        upsert(conn, THREADS).on_conflict_do_nothing(index_elements=["customer_id"]),
        [new_thread(cid, now) for cid in sorted(lacking)],
    )
    found = await conn.execute(select(THREADS).where(THREADS.c.customer_id.in_(lacking)))
    threads = {row.customer_id: dict(row._mapping) for row in found}
    for sender in senders:
        if sender.thread is None:
            sender.thread = threads[sender.customer["id"]]
