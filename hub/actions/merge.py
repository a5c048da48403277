"""Merging two customers into one, and undoing it.

A merge moves every identity, event, detail, order and handoff code of ``source``
to ``target``, folds the two threads together and leaves ``source`` as a tombstone
pointing at ``target``. The ids of every moved row and both threads' previous state
are kept on the ``Merge`` row, so ``unmerge_customers`` restores both customers
exactly. Both directions are audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from hub import events as ev
from hub.actions.audit import record_audit
from hub.actions.customers import get_customer, get_thread
from hub.actions.timeline import NewEvent, append_event
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.models import Customer, Detail, Event, HandoffCode, Identity, Merge, Order, Thread
from hub.models.thread import MERGE, OPEN
from hub.serializers import iso

_MOVED_TABLES: dict[str, Any] = {
    "identities": Identity,
    "events": Event,
    "details": Detail,
    "orders": Order,
    "handoff_codes": HandoffCode,
}
_THREAD_FIELDS = (
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
_DATETIME_FIELDS = {"last_activity_at", "waiting_since", "first_response_at", "resolved_at"}


def _snapshot(thread: Thread) -> dict[str, Any]:
    return {
        name: iso(value) if name in _DATETIME_FIELDS else value
        for name in _THREAD_FIELDS
        for value in [getattr(thread, name)]
    }


def _restore(thread: Thread, snapshot: dict[str, Any]) -> None:
    for name in _THREAD_FIELDS:
        value = snapshot.get(name)
        if name in _DATETIME_FIELDS and value is not None:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        setattr(thread, name, value)


async def merge_customers(
    uow: UnitOfWork, source_id: int, target_id: int, *, actor: str, reason: str | None = None
) -> Merge:
    """Fold customer ``source_id`` into ``target_id``; returns the reversible merge record."""
    session = uow.session
    source = await get_customer(session, source_id)
    target = await get_customer(session, target_id)
    if source.id == target.id:
        raise Invalid("cannot merge a customer into itself")
    source_thread = await get_thread(session, source.id)
    target_thread = await get_thread(session, target.id)

    moved: dict[str, Any] = {}
    for name, model in _MOVED_TABLES.items():
        ids = list(
            (
                await session.execute(select(model.id).where(model.customer_id == source.id))
            ).scalars()
        )
        moved[name] = ids
        if ids:
            await session.execute(
                update(model).where(model.id.in_(ids)).values(customer_id=target.id)
            )
    if moved["events"]:
        await session.execute(
            update(Event).where(Event.id.in_(moved["events"])).values(thread_id=target_thread.id)
        )
    moved["source_thread"] = _snapshot(source_thread)
    moved["target_thread"] = _snapshot(target_thread)
    moved["source_name"] = source.name
    moved["target_name"] = target.name

    if source_thread.last_activity_at > target_thread.last_activity_at:
        target_thread.last_activity_at = source_thread.last_activity_at
        target_thread.last_channel = source_thread.last_channel
        target_thread.last_message_preview = source_thread.last_message_preview
    target_thread.unread_count += source_thread.unread_count
    if source_thread.waiting_since and (
        target_thread.waiting_since is None
        or source_thread.waiting_since < target_thread.waiting_since
    ):
        target_thread.waiting_since = source_thread.waiting_since
    if source_thread.status == OPEN:
        target_thread.status = OPEN
        target_thread.resolved_at = None
    if target_thread.assignee_id is None:
        target_thread.assignee_id = source_thread.assignee_id
    if not target.name and source.name:
        target.name = source.name
    source_thread.unread_count = 0
    source_thread.waiting_since = None
    source.merged_into_id = target.id

    merge = Merge(
        source_customer_id=source.id,
        target_customer_id=target.id,
        actor=actor,
        reason=reason,
        moved=moved,
    )
    session.add(merge)
    await session.flush()
    marker = await append_event(
        uow,
        target,
        target_thread,
        NewEvent(
            type=MERGE,
            channel="console",
            body=f"Merged {source.name or f'customer {source.id}'} into this customer",
            data={"merge_id": merge.id, "source_customer_id": source.id},
        ),
    )
    merge.moved = {**moved, "marker_event_id": marker.event.id}
    await record_audit(
        uow,
        actor,
        "customer.merged",
        "customer",
        target.id,
        {"merge_id": merge.id, "source_customer_id": source.id, "reason": reason},
    )
    payload = {"merge_id": merge.id, "source_customer_id": source.id, "customer_id": target.id}
    uow.emit(ev.DomainEvent(ev.CUSTOMER_MERGED, payload, target.id))
    return merge


async def unmerge_customers(uow: UnitOfWork, merge_id: int, *, actor: str) -> Merge:
    """Undo a merge: every moved row goes back and both threads get their state back."""
    session = uow.session
    merge = await session.get(Merge, merge_id, with_for_update=True)
    if merge is None:
        raise NotFound(f"merge {merge_id} not found")
    if merge.undone_at is not None:
        raise Conflict("this merge was already undone")
    source = await session.get(Customer, merge.source_customer_id)
    target = await session.get(Customer, merge.target_customer_id)
    if source is None or target is None:
        raise NotFound("a merged customer no longer exists")
    moved = merge.moved
    source_thread = await get_thread(session, source.id)
    target_thread = await get_thread(session, target.id)
    marker_id = moved.get("marker_event_id")
    if marker_id:
        await session.execute(delete(Event).where(Event.id == marker_id))
    for name, model in _MOVED_TABLES.items():
        ids = moved.get(name) or []
        if ids:
            await session.execute(
                update(model).where(model.id.in_(ids)).values(customer_id=source.id)
            )
    if moved.get("events"):
        await session.execute(
            update(Event).where(Event.id.in_(moved["events"])).values(thread_id=source_thread.id)
        )
    _restore(source_thread, moved["source_thread"])
    _restore(target_thread, moved["target_thread"])
    source.name = moved.get("source_name")
    target.name = moved.get("target_name")
    source.merged_into_id = None
    merge.undone_at = utcnow()
    await record_audit(
        uow,
        actor,
        "customer.unmerged",
        "customer",
        source.id,
        {"merge_id": merge.id, "target_customer_id": target.id},
    )
    payload = {"merge_id": merge.id, "source_customer_id": source.id, "customer_id": target.id}
    uow.emit(ev.DomainEvent(ev.CUSTOMER_UNMERGED, payload, target.id))
    return merge
