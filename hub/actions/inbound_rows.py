"""The set-based writes of inbound input: events, thread activity, identity sightings.

Used by ``hub.actions.inbound.receive_batch`` only. A fixed number of statements per
batch, not per input: one SELECT of the provider ids already stored, one multi-row
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` of the events (the unique
``(channel, provider_id)`` decides races with other processes), and one
``executemany`` UPDATE each for threads and identities, rows in primary-key order (as
the ORM flushes) so concurrent batches lock them alike. ``attach`` turns the written
rows into ORM instances of the caller's session without another query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, bindparam, insert, not_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from hub.actions.senders import CUSTOMERS, IDENTITIES, THREADS, Key, Sender, upsert
from hub.actions.timeline import THREAD_ACTIVITY
from hub.db import in_list, pairs_in_list, pairs_params
from hub.models import Customer, Detail, Event, Identity, Thread
from hub.models.thread import IN, MESSAGE

EVENTS = cast(Table, Event.__table__)
DETAILS = cast(Table, Detail.__table__)
M = TypeVar("M", Customer, Event, Identity, Thread)


@cache
def _stored_ids(dialect: str) -> Select[str, str]:
    pairs = pairs_in_list(dialect, EVENTS.c.channel, EVENTS.c.provider_id, "keys")
    return select(EVENTS.c.channel, EVENTS.c.provider_id).where(pairs)


async def stored_provider_ids(conn: AsyncConnection, keys: set[Key]) -> set[Key]:
    """Which ``(channel, provider_id)`` of ``keys`` are already stored."""
    if not keys:
        return set()
    dialect = conn.dialect.name
    found = await conn.execute(_stored_ids(dialect), pairs_params(dialect, "keys", keys))
    return {(channel, provider_id) for channel, provider_id in found} & keys


@cache
def _with_earlier(dialect: str) -> Select[int]:
    earlier = (
        select(EVENTS.c.id)
        .where(
            EVENTS.c.customer_id == CUSTOMERS.c.id,
            EVENTS.c.direction == IN,
            EVENTS.c.type == MESSAGE,
            not_(in_list(dialect, EVENTS.c.id, "new_event_ids")),
        )
        .exists()
    )
    return select(CUSTOMERS.c.id).where(in_list(dialect, CUSTOMERS.c.id, "customer_ids"), earlier)


async def with_earlier_messages(
    conn: AsyncConnection, customer_ids: set[int], new_event_ids: set[int]
) -> set[int]:
    """Which of ``customer_ids`` have an inbound message other than ``new_event_ids``
    (an EXISTS per customer: it stops at the first message found)."""
    found = await conn.execute(
        _with_earlier(conn.dialect.name),
        {"customer_ids": sorted(customer_ids), "new_event_ids": sorted(new_event_ids)},
    )
    return {customer_id for (customer_id,) in found}


# The claims index's own condition (``ix_details_claims``), word for word, so both
# engines can use that partial index.
_CLAIM_KEYS = text("details.key IN ('phone', 'email')")


async def claimed_addresses(
    conn: AsyncConnection, addresses: set[Key], *, since: datetime
) -> set[Key]:
    """Which ``(kind, address)`` of ``addresses`` a live customer gave (a detail) since
    ``since``: those ``hub.queries.suggestions.recent_claims`` may find someone for."""
    if not addresses:
        return set()
    found = await conn.execute(
        select(DETAILS.c.key, DETAILS.c.value)
        .join(CUSTOMERS, CUSTOMERS.c.id == DETAILS.c.customer_id)
        .where(
            _CLAIM_KEYS,
            DETAILS.c.value.in_(sorted({address for _, address in addresses})),
            DETAILS.c.created_at >= since,
            CUSTOMERS.c.merged_into_id.is_(None),
            CUSTOMERS.c.erased_at.is_(None),
        )
        .distinct()
    )
    return {(key, value) for key, value in found if (key, value) in addresses}


async def insert_events(
    conn: AsyncConnection, rows: list[dict[str, Any]]
) -> list[dict[str, Any] | None]:
    """Insert event rows; returns each stored row, in order, or None for a row whose
    ``(channel, provider_id)`` another transaction stored first."""
    keyed = [row for row in rows if row["provider_id"] is not None]
    stored: dict[Key, dict[str, Any]] = {}
    if keyed:
        found = await conn.execute(
            upsert(conn, EVENTS)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
            .returning(*EVENTS.c),
            keyed,
        )
        stored = {(row.channel, row.provider_id): dict(row._mapping) for row in found}
    unkeyed = [row for row in rows if row["provider_id"] is None]
    plain: list[dict[str, Any]] = []
    if unkeyed:
        found = await conn.execute(
            insert(EVENTS).returning(*EVENTS.c, sort_by_parameter_order=True), unkeyed
        )
        plain = [dict(row._mapping) for row in found]
    answers: list[dict[str, Any] | None] = []
    unkeyed_rows = iter(plain)
    for row in rows:
        if row["provider_id"] is None:
            answers.append(next(unkeyed_rows))
        else:
            answers.append(stored.get((row["channel"], row["provider_id"])))
    return answers


_THREAD_UPDATE = (
    update(THREADS)
    .where(THREADS.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in THREAD_ACTIVITY})
)
_IDENTITY_UPDATE = (
    update(IDENTITIES)
    .where(IDENTITIES.c.id == bindparam("b_id"))
    .values(last_seen_at=bindparam("b_last_seen_at"))
)


async def write_back(conn: AsyncConnection, senders: Iterable[Sender]) -> None:
    """Store the thread activity and identity sightings the batch changed on ``senders``
    (``thread`` dicts of touched customers, ``identity["last_seen_at"]`` of senders
    ``seen`` and not ``ruled``)."""
    senders = [sender for sender in senders if sender.seen]
    threads = {s.thread["id"]: s.thread for s in senders if s.thread is not None}
    if threads:
        await conn.execute(
            _THREAD_UPDATE,
            [
                {"b_id": thread["id"], **{f"b_{name}": thread[name] for name in THREAD_ACTIVITY}}
                for _, thread in sorted(threads.items())
            ],
        )
    sighted = {s.identity["id"]: s.identity for s in senders if not s.ruled}
    if sighted:
        await conn.execute(
            _IDENTITY_UPDATE,
            [
                {"b_id": identity["id"], "b_last_seen_at": identity["last_seen_at"]}
                for _, identity in sorted(sighted.items())
            ],
        )


def attach(
    session: AsyncSession, model: type[M], values: Mapping[str, Any], *, add: bool = True
) -> M:
    """The session's instance of the row ``values`` (read from or written to the
    database in this transaction), without a query.

    An instance the session already holds gets ``values`` as its loaded state (so an
    ORM object loaded earlier in the transaction is not stale after the Core writes);
    otherwise a new instance is built the way the ORM builds rows it loads (the
    constructor's per-attribute events would cost several times more and mark every
    attribute as changed) and added as persistent: changes a caller makes to it are
    flushed with the transaction. With ``add=False`` that new instance stays out of the
    session (a read-only copy of the row, for callers that only read it: adding costs
    more than building it)."""
    sync = session.sync_session
    existing = sync.identity_map.get(sync.identity_key(model, values["id"]))
    if existing is not None:
        for name, value in values.items():
            set_committed_value(existing, name, value)
        return cast(M, existing)
    mapper = model.__mapper__
    if not mapper.configured:  # new_instance needs configured mappers
        configure_mappers()  # (not called each time: even a no-op walks every registry)
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    if add:
        make_transient_to_detached(instance)
        sync.add(instance)
    return cast(M, instance)
