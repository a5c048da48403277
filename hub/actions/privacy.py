"""Privacy: export everything held on a person, and erase their personal data.

``export_customer`` returns one JSON-able dict (format ``omnihub.customer-export/1``)
with the customer, the customers merged into them, their thread, identities, details,
every timeline event with its data, orders with items, satisfaction scores, the merges
involving them and the audit entries about them.

``erase_customer`` removes what identifies or describes the person and keeps the
business record, so reports still count what happened:

==================  ===========================================================
removed             customer name (becomes "Erased customer #id"), identities
                    (phone numbers, emails, visitor/user/loyalty ids), details,
                    message bodies, event data other than the counting keys in
                    ``KEPT_EVENT_DATA`` (media URLs, recordings, transcripts,
                    caller numbers...), delivery error messages, the thread's
                    message preview, handoff codes, order ``data`` (free-form
                    payloads such as shipping addresses), names, reasons and
                    message previews kept on merge records (for unmerge), order
                    ``pickup_location`` and ``shipping_address``, and every copy
                    elsewhere: stored terminal acks, outbound-webhook deliveries,
                    audit data, outbox jobs, order actions
                    (``hub.actions.erasure_sweep``)
kept (anonymised)   the customer row (``erased_at`` set), the thread's status and
                    timestamps, every event row with its type, channel,
                    direction, status and timestamps, orders with
                    number, totals, status, store and item names/skus (products
                    are not personal data), satisfaction scores, audit entries
==================  ===========================================================

Provider ids are replaced by ``erased:<sha256>`` (some embed an address, e.g. the widget's
``<visitor id>:<client id>``); they stay unique, so the ``(channel, provider_id)`` key
holds, but a provider retry arriving after the erasure is stored as new input.
Erasure at the provider (Twilio's message logs and recordings) is the operator's job:
export first, the export lists the provider ids. A pending outbound message is never
sent after erasure (its identity is gone). Stored terminal acks and outbound-webhook
delivery logs are scrubbed where they mention the person, and pruned by age anyway
(``HUB_DELIVERY_LOG_RETENTION_DAYS``, ``hub.workers.retention``).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events as ev
from hub.actions.audit import record_audit
from hub.actions.customers import get_customer
from hub.actions.erasure_sweep import PersonTrace, sweep_person
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import (
    AuditEntry,
    CsatSurvey,
    Customer,
    Detail,
    Event,
    HandoffCode,
    Identity,
    Merge,
    OptIn,
    Order,
    Thread,
)
from hub.serializers import (
    audit_record,
    csat_record,
    customer_record,
    detail_dict,
    event_record,
    identity_record,
    iso,
    merge_record,
    opt_in_dict,
    order_dict,
    thread_dict,
)

EXPORT_FORMAT = "omnihub.customer-export/1"

# Event data keys that describe what happened without saying anything about the person
# (counts, durations, amounts, routing); every other key is dropped on erasure.
KEPT_EVENT_DATA = frozenset(
    {
        "via",
        "statuses",
        "duration",
        "voicemail",
        "route",
        "order_id",
        "source",
        "store_code",
        "total_cents",
        "currency",
        "merge_id",
        "source_customer_id",
    }
)
ERASED_MARK = "erased"
# Message bodies shorter than this are not searched for elsewhere on erasure.
MIN_BODY_NEEDLE = 12
ERASED_PREFIX = "erased:"


def erased_name(customer_id: int) -> str:
    return f"Erased customer #{customer_id}"


def _session(session_or_uow: AsyncSession | UnitOfWork) -> AsyncSession:
    return session_or_uow.session if isinstance(session_or_uow, UnitOfWork) else session_or_uow


async def person_customer_ids(
    session: AsyncSession, customer_id: int
) -> tuple[Customer, list[int]]:
    """The live customer for ``customer_id`` and the ids of every customer row that is
    that person: the live one first, then those merged into it (transitively)."""
    live = await get_customer(session, customer_id)
    ids = [live.id]
    frontier = [live.id]
    while frontier:
        rows = await session.execute(
            select(Customer.id).where(Customer.merged_into_id.in_(frontier)).order_by(Customer.id)
        )
        frontier = [i for i in rows.scalars() if i not in ids]
        ids.extend(frontier)
    return live, ids


async def export_customer(
    session_or_uow: AsyncSession | UnitOfWork, customer_id: int
) -> dict[str, Any]:
    """Everything held on the person ``customer_id`` as one JSON-able dict.

    A merged-away id exports the live customer it points to; rows of customers merged
    into it are included (merges move them to the live customer; the merged customers'
    own rows are listed under ``merged_customers``). Lists are ordered by id. Raises
    ``NotFound`` for an unknown id. Reads only; safe in any transaction.
    """
    session = _session(session_or_uow)
    live, ids = await person_customer_ids(session, customer_id)

    async def rows(model: Any, *where: Any) -> list[Any]:
        result = await session.execute(select(model).where(*where).order_by(model.id))
        return list(result.scalars())

    customers = {c.id: c for c in await rows(Customer, Customer.id.in_(ids))}
    thread = (
        await session.execute(select(Thread).where(Thread.customer_id == live.id))
    ).scalar_one_or_none()
    events = await rows(Event, Event.customer_id.in_(ids))
    identities = await rows(Identity, Identity.customer_id.in_(ids))
    return {
        "format": EXPORT_FORMAT,
        "exported_at": iso(utcnow()),
        "customer": customer_record(live),
        "merged_customers": [customer_record(customers[i]) for i in ids[1:] if i in customers],
        "thread": thread_dict(thread) if thread is not None else None,
        "identities": [identity_record(i) for i in identities],
        "opt_ins": [
            opt_in_dict(o)
            for o in await rows(OptIn, OptIn.identity_id.in_([i.id for i in identities]))
        ],
        "details": [detail_dict(d) for d in await rows(Detail, Detail.customer_id.in_(ids))],
        "events": [event_record(e) for e in events],
        "orders": [order_dict(o) for o in await rows(Order, Order.customer_id.in_(ids))],
        "satisfaction": [
            csat_record(s) for s in await rows(CsatSurvey, CsatSurvey.customer_id.in_(ids))
        ],
        "merges": [
            merge_record(m)
            for m in await rows(
                Merge,
                or_(Merge.source_customer_id.in_(ids), Merge.target_customer_id.in_(ids)),
            )
        ],
        "audit": [
            audit_record(a)
            for a in await rows(
                AuditEntry, AuditEntry.target_type == "customer", AuditEntry.target_id.in_(ids)
            )
        ],
    }


@dataclass(frozen=True)
class Erasure:
    """What ``erase_customer`` did; counts of rows removed or scrubbed in this call."""

    customer_id: int
    already_erased: bool
    identities: int
    details: int
    events: int
    orders: int
    merged_customers: int
    # Rows elsewhere that held a copy (acks, webhook logs, audit data, order free text).
    copies: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.identities or self.details or self.events or self.orders or self.copies
        ) or (not self.already_erased)


def erased_provider_id(provider_id: str | None) -> str | None:
    """A stable one-way stand-in for a provider id (unchanged if already erased)."""
    if provider_id is None or provider_id.startswith(ERASED_PREFIX):
        return provider_id
    return ERASED_PREFIX + hashlib.sha256(provider_id.encode()).hexdigest()[:64]


def scrubbed_event_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` with only the counting keys left, marked as erased."""
    kept = {k: v for k, v in (data or {}).items() if k in KEPT_EVENT_DATA}
    kept[ERASED_MARK] = True
    return kept


async def erase_customer(uow: UnitOfWork, customer_id: int, *, actor: str) -> Erasure:
    """Remove the personal data of the person ``customer_id`` (see the module docstring).

    Follows merge pointers: the live customer and every customer merged into it are
    erased together. Idempotent: calling it again on an erased customer with nothing
    new changes nothing and records no second audit entry (new notes added after an
    erasure are scrubbed by the next call). Audited as ``customer.erased`` with counts
    only, never the removed data. Raises ``NotFound`` for an unknown id.
    """
    session = uow.session
    live, ids = await person_customer_ids(session, customer_id)
    await session.refresh(live, with_for_update=True)
    already = live.erased_at is not None
    trace = await _trace(session, ids)

    events_changed = 0
    for event in await _all(session, select(Event).where(Event.customer_id.in_(ids))):
        data = scrubbed_event_data(event.data)
        provider_id = erased_provider_id(event.provider_id)
        if (
            event.body is not None
            or event.error_message is not None
            or event.data != data
            or event.provider_id != provider_id
        ):
            event.body = None
            event.error_message = None
            event.data = data
            event.provider_id = provider_id
            events_changed += 1
    await session.flush()

    identity_ids = [
        i.id for i in await _all(session, select(Identity).where(Identity.customer_id.in_(ids)))
    ]
    if identity_ids:
        # Events keep their row but lose the link to the address they came through.
        await session.execute(
            update(Event).where(Event.identity_id.in_(identity_ids)).values(identity_id=None)
        )
        await session.execute(delete(Identity).where(Identity.id.in_(identity_ids)))
    details = await session.execute(delete(Detail).where(Detail.customer_id.in_(ids)))
    await session.execute(delete(HandoffCode).where(HandoffCode.customer_id.in_(ids)))

    orders_changed = 0
    for order in await _all(session, select(Order).where(Order.customer_id.in_(ids))):
        if order.data:
            order.data = {}
            orders_changed += 1

    for thread in await _all(session, select(Thread).where(Thread.customer_id.in_(ids))):
        thread.last_message_preview = None
    merges = select(Merge).where(
        or_(Merge.source_customer_id.in_(ids), Merge.target_customer_id.in_(ids))
    )
    for merge in await _all(session, merges):
        moved = dict(merge.moved or {})
        # An unmerge after the erasure restores these: the erased label, no preview.
        for side in ("source", "target"):
            side_id = getattr(merge, f"{side}_customer_id")
            if side_id in ids:
                moved[f"{side}_name"] = erased_name(side_id)
                snapshot = moved.get(f"{side}_thread")
                if isinstance(snapshot, dict):
                    moved[f"{side}_thread"] = {**snapshot, "last_message_preview": None}
        merge.moved = moved
        merge.reason = None

    now = utcnow()
    for customer in await _all(session, select(Customer).where(Customer.id.in_(ids))):
        customer.name = erased_name(customer.id)
        if customer.erased_at is None:
            customer.erased_at = now
    await session.flush()
    # Copies elsewhere: terminal acks, webhook deliveries, audit data, order free text.
    copies = await sweep_person(session, trace)

    erasure = Erasure(
        customer_id=live.id,
        already_erased=already,
        identities=len(identity_ids),
        details=int(getattr(details, "rowcount", 0) or 0),
        events=events_changed,
        orders=orders_changed,
        merged_customers=len(ids) - 1,
        copies=copies,
    )
    if erasure.changed:
        counts = asdict(erasure)
        counts.pop("customer_id")
        await record_audit(uow, actor, "customer.erased", "customer", live.id, counts)
        uow.emit(ev.customer_updated(live))
    return erasure


async def _trace(session: AsyncSession, ids: list[int]) -> PersonTrace:
    """Everything that identifies the person, read before it is erased."""
    trace = PersonTrace(set(ids))
    for customer in await _all(session, select(Customer).where(Customer.id.in_(ids))):
        if customer.erased_at is None:
            trace.add(customer.name)
    for identity in await _all(session, select(Identity).where(Identity.customer_id.in_(ids))):
        trace.add(identity.address)
    for detail in await _all(session, select(Detail).where(Detail.customer_id.in_(ids))):
        trace.add(detail.value)
    for event in await _all(session, select(Event).where(Event.customer_id.in_(ids))):
        # Whole messages, long enough not to match someone else's "thanks!".
        if event.body and len(event.body.strip()) >= MIN_BODY_NEEDLE:
            trace.add(event.body)
    for order in await _all(session, select(Order).where(Order.customer_id.in_(ids))):
        trace.add(order.pickup_location)
        for value in (order.shipping_address or {}).values():
            trace.add(value)
    return trace


async def _all(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).scalars())
