"""Which domain events become which public webhook events.

Each public event gets a ``uid`` that is the same however often the domain event is
published (retried transaction, several processes), so the outbox key
``webhook:{endpoint_id}:{uid}`` makes enqueueing idempotent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from hub import events as ev
from hub.models.subscriptions import (
    CALL_COMPLETED,
    CUSTOMER_MERGED,
    MESSAGE_CREATED,
    ORDER_UPDATED,
    THREAD_RESOLVED,
)
from hub.models.thread import CALL, MESSAGE, RESOLVED, STATUS


@dataclass(frozen=True)
class PublicEvent:
    name: str
    uid: str
    data: dict[str, Any]


def public_events(event: ev.DomainEvent) -> list[PublicEvent]:
    """The public webhook events ``event`` stands for (usually none or one)."""
    payload = event.payload
    if event.name in (ev.EVENT_CREATED, ev.EVENT_UPDATED):
        item = payload.get("event") or {}
        kind, status, event_id = item.get("type"), item.get("status"), item.get("id")
        data = {"customer_id": payload.get("customer_id"), "event": item}
        if event_id is None:
            return []
        if event.name == ev.EVENT_CREATED and kind == MESSAGE:
            return [PublicEvent(MESSAGE_CREATED, f"message-{event_id}", data)]
        if (
            event.name == ev.EVENT_CREATED
            and kind == STATUS
            and (item.get("data") or {}).get("to") == RESOLVED
        ):
            return [PublicEvent(THREAD_RESOLVED, f"resolve-{event_id}", data)]
        if kind == CALL and status == "completed":
            return [PublicEvent(CALL_COMPLETED, f"call-{event_id}", data)]
        return []
    if event.name == ev.CUSTOMER_MERGED and payload.get("merge_id") is not None:
        return [PublicEvent(CUSTOMER_MERGED, f"merge-{payload['merge_id']}", dict(payload))]
    if event.name == ev.ORDER_UPDATED:
        order = payload.get("order") or {}
        digest = hashlib.sha256(
            json.dumps(order, sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        return [PublicEvent(ORDER_UPDATED, f"order-{order.get('id')}-{digest}", dict(payload))]
    return []
