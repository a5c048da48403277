"""Receiving many plain inbound messages at once: the set-based path of group commit.

``receive_batch`` gives each input exactly what ``receive_inbound`` would, in one
transaction, with a fixed number of statements per batch instead of several per
message: one SELECT of the already stored provider ids, one SELECT of every sender's
identity with its customer and thread (``hub.actions.senders``), INSERTs only for
what is missing, one multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for
the events, and ``executemany`` UPDATEs for the threads, identities and customer names.
One more SELECT applies the identity rule first (``release_typed_senders``: a proven
sender never lands on a record that only typed its address).

Only *plain* inputs take this path (``is_plain``): no claims, no details, no
``customer_id``, a provider id, and a text that mentions no phone, email or order number
(``hub.mentions.might_mention``: those are recorded by ``receive_inbound``). Unique
constraints decide races with other processes — ``(kind, address)`` for identities,
``(channel, provider_id)`` for events, ``customer_id`` for threads — and the loser
re-reads the winner's row; nothing relies on in-process locks. Results are detached model
instances built from the returned rows (read them, never add them to a session).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import configure_mappers

from hub import events as ev
from hub.actions.customers import normalize_or_invalid, release_typed_senders
from hub.actions.inbound import Received, duplicate_of
from hub.actions.senders import CUSTOMERS, IDENTITIES, THREADS, Key, Sender, resolve_senders, upsert
from hub.actions.timeline import PREVIEW_CHARS, find_event
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import HubError, Invalid
from hub.mentions import might_mention
from hub.models import Customer, Event, Identity, Thread
from hub.models.customer import VERIFIED
from hub.models.thread import EVENT_TYPES, IN, MESSAGE, OPEN
from hub.serializers import event_dict, thread_dict
from hub.types import Inbound

_EVENTS = cast(Table, Event.__table__)
M = TypeVar("M", Customer, Event, Identity, Thread)


def is_plain(inbound: Inbound) -> bool:
    """Whether ``receive_batch`` can take ``inbound`` (otherwise use ``receive_inbound``)."""
    return (
        inbound.provider_id is not None
        and inbound.customer_id is None
        and not inbound.claims
        and not any(value and value.strip() for value in inbound.details.values())
        and not might_mention(inbound.body)
    )


async def receive_batch(uow: UnitOfWork, inputs: list[Inbound]) -> list[Received | HubError]:
    """Store plain inputs (``is_plain``) like ``receive_inbound`` does one by one.

    Returns, in input order, a ``Received`` per input or the ``HubError`` refusing it
    (an unknown type, an invalid address): a refused input changes nothing and does
    not affect the others. Replays — stored before, or repeated within the batch —
    return the stored event with ``duplicate=True``. After commit, one
    ``EVENT_CREATED`` per new event and one ``THREAD_UPDATED`` per touched thread
    (its final state, after the thread's last event) are published.
    """
    configure_mappers()  # _instance needs configured mappers (a no-op once they are)
    conn = await uow.session.connection()
    results: list[Received | HubError | None] = [None] * len(inputs)
    region = uow.settings.default_region
    items: dict[int, _Item] = {}
    for index, inbound in enumerate(inputs):
        try:
            if inbound.type not in EVENT_TYPES:
                raise Invalid(f"unknown event type {inbound.type!r}")
            address = normalize_or_invalid(inbound.kind, inbound.address, region)
        except HubError as exc:
            results[index] = exc
            continue
        items[index] = _Item(inbound, address, inbound.occurred_at or utcnow())

    stored = await _stored_event_ids(conn, items.values())
    first_of: dict[Key, int] = {}
    new: dict[int, _Item] = {}
    for index, item in items.items():
        key = item.key
        if key not in stored and key not in first_of:
            first_of[key] = index
            new[index] = item

    wanted: dict[Key, Inbound] = {}
    for item in new.values():
        wanted.setdefault(item.sender_key, item.inbound)
    # The identity rule: a proven sender never lands on a record that only typed it.
    await release_typed_senders(uow, [key for key, inbound in wanted.items() if inbound.verified])
    senders = await resolve_senders(conn, wanted)
    inserted = await _insert_events(conn, senders, new.values())
    touched = _touch(senders, [item for item in new.values() if item.key in inserted])
    await _write_back(conn, senders, touched)

    models: dict[int, tuple[Customer, Thread]] = {}
    for customer_id, sender in touched.items():
        assert sender.thread is not None
        models[customer_id] = (
            _instance(Customer, sender.customer),
            _instance(Thread, sender.thread),
        )
    identities: dict[Key, Identity] = {}
    for index, item in new.items():
        row = inserted.get(item.key)
        if row is None:
            continue
        sender = senders[item.sender_key]
        if item.sender_key not in identities:
            identities[item.sender_key] = _instance(Identity, sender.identity)
        customer, thread = models[sender.customer["id"]]
        event = _instance(Event, row)
        results[index] = Received(
            event, customer, thread, identities[item.sender_key], duplicate=False
        )
        uow.emit(
            ev.DomainEvent(
                ev.EVENT_CREATED,
                {"customer_id": customer.id, "event": event_dict(event)},
                customer.id,
            )
        )
    for customer, thread in models.values():
        uow.emit(ev.DomainEvent(ev.THREAD_UPDATED, thread_dict(thread), customer.id))

    for index, item in items.items():
        if results[index] is not None:
            continue
        first = results[first_of[item.key]] if item.key in first_of else None
        if isinstance(first, Received):
            results[index] = Received(
                first.event, first.customer, first.thread, first.identity, duplicate=True
            )
        else:  # stored before this batch, or by a concurrent transaction just now
            stored_event = await find_event(uow, item.inbound.channel, item.key[1])
            if stored_event is None:  # pragma: no cover - the winner rolled back
                raise RuntimeError(f"event {item.key} conflicted but is missing")
            results[index] = await duplicate_of(uow, stored_event)
    return [r for r in results if r is not None]


def _instance(model: type[M], values: dict[str, Any]) -> M:
    """A detached ``model`` instance holding ``values`` as loaded state, built the way
    the ORM builds rows it loads (the constructor's per-attribute events cost several
    times more and would mark every attribute as changed)."""
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return cast(M, instance)


@dataclass
class _Item:
    inbound: Inbound
    address: str
    created_at: datetime

    @property
    def key(self) -> Key:
        return (self.inbound.channel, self.inbound.provider_id or "")

    @property
    def sender_key(self) -> Key:
        return (self.inbound.kind, self.address)


async def _stored_event_ids(conn: AsyncConnection, items: Iterable[_Item]) -> set[Key]:
    wanted = {item.key for item in items}
    if not wanted:
        return set()
    found = await conn.execute(
        select(_EVENTS.c.channel, _EVENTS.c.provider_id).where(
            tuple_(_EVENTS.c.channel, _EVENTS.c.provider_id).in_(list(wanted))
        )
    )
    return {(channel, provider_id) for channel, provider_id in found}


async def _insert_events(
    conn: AsyncConnection, senders: dict[Key, Sender], items: Iterable[_Item]
) -> dict[Key, dict[str, Any]]:
    """Insert the events; the ones another transaction stored first are left out."""
    rows = []
    for item in items:
        sender = senders[item.sender_key]
        assert sender.thread is not None
        inbound = item.inbound
        data = dict(inbound.data)
        if inbound.media:
            data["media"] = [{"url": m.url, "content_type": m.content_type} for m in inbound.media]
        rows.append(
            {
                "customer_id": sender.customer["id"],
                "thread_id": sender.thread["id"],
                "type": inbound.type,
                "channel": inbound.channel,
                "direction": IN,
                "body": inbound.body,
                "provider_id": inbound.provider_id,
                "status": inbound.status,
                "error_code": None,
                "error_message": None,
                "identity_id": sender.identity["id"],
                "agent_id": None,
                "terminal_id": None,
                "data": data,
                "created_at": item.created_at,
                "updated_at": item.created_at,
            }
        )
    if not rows:
        return {}
    found = await conn.execute(
        upsert(conn, _EVENTS)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(*_EVENTS.c),
        rows,
    )
    return {(row.channel, row.provider_id): dict(row._mapping) for row in found}


def _touch(senders: dict[Key, Sender], items: list[_Item]) -> dict[int, Sender]:
    """Apply the stored events to their threads, identities and customers (the dicts),
    as ``append_event`` and ``resolve_identity`` do; the senders touched, by customer."""
    touched: dict[int, Sender] = {}
    now = utcnow()
    for item in items:
        sender = senders[item.sender_key]
        inbound, thread, customer = item.inbound, sender.thread, sender.customer
        assert thread is not None
        touched.setdefault(customer["id"], sender)
        sender.seen = True
        if inbound.verified:
            sender.identity["verification"] = VERIFIED
        sender.identity["last_seen_at"] = now
        if inbound.name and not customer["name"]:
            customer["name"] = inbound.name.strip()[:200]
            customer["updated_at"] = now
            sender.renamed = True
        at = item.created_at
        if thread["last_channel"] is None or at >= thread["last_activity_at"]:
            thread["last_activity_at"] = at
            thread["last_channel"] = inbound.channel
        if inbound.type == MESSAGE and inbound.body:
            thread["last_message_preview"] = inbound.body[:PREVIEW_CHARS]
        if inbound.awaits_reply:
            thread["unread_count"] = (thread["unread_count"] or 0) + 1
            if thread["waiting_since"] is None:
                thread["waiting_since"] = at
            if thread["status"] != OPEN:
                thread["status"] = OPEN
                thread["resolved_at"] = None
    return touched


_THREAD_UPDATE = (
    update(THREADS)
    .where(THREADS.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        last_channel=bindparam("b_last_channel"),
        last_activity_at=bindparam("b_last_activity_at"),
        last_message_preview=bindparam("b_last_message_preview"),
        waiting_since=bindparam("b_waiting_since"),
        unread_count=bindparam("b_unread_count"),
        resolved_at=bindparam("b_resolved_at"),
    )
)
_IDENTITY_UPDATE = (
    update(IDENTITIES)
    .where(IDENTITIES.c.id == bindparam("b_id"))
    .values(verification=bindparam("b_verification"), last_seen_at=bindparam("b_last_seen_at"))
)
_NAME_UPDATE = (
    update(CUSTOMERS)
    .where(CUSTOMERS.c.id == bindparam("b_id"))
    .values(name=bindparam("b_name"), updated_at=bindparam("b_updated_at"))
)
_THREAD_FIELDS = (
    "id",
    "status",
    "last_channel",
    "last_activity_at",
    "last_message_preview",
    "waiting_since",
    "unread_count",
    "resolved_at",
)


async def _write_back(
    conn: AsyncConnection, senders: dict[Key, Sender], touched: dict[int, Sender]
) -> None:
    """One executemany UPDATE per table for what ``_touch`` changed, rows in primary
    key order (as the ORM flushes) so concurrent batches lock them in the same order."""
    if not touched:
        return
    threads = sorted(
        (s.thread for s in touched.values() if s.thread is not None), key=lambda t: t["id"]
    )
    await conn.execute(
        _THREAD_UPDATE,
        [{f"b_{name}": thread[name] for name in _THREAD_FIELDS} for thread in threads],
    )
    await conn.execute(
        _IDENTITY_UPDATE,
        [
            {
                "b_id": s.identity["id"],
                "b_verification": s.identity["verification"],
                "b_last_seen_at": s.identity["last_seen_at"],
            }
            for s in sorted(senders.values(), key=lambda s: s.identity["id"])
            if s.seen
        ],
    )
    named = [
        {"b_id": c["id"], "b_name": c["name"], "b_updated_at": c["updated_at"]}
        for c in sorted((s.customer for s in senders.values() if s.renamed), key=lambda c: c["id"])
    ]
    if named:
        await conn.execute(_NAME_UPDATE, named)
