"""JSON shapes of the domain, shared by the REST API, sockets and terminals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.models import Customer, Detail, Event, Identity, OptIn, Order, Thread


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def event_dict(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "customer_id": event.customer_id,
        "thread_id": event.thread_id,
        "type": event.type,
        "channel": event.channel,
        "direction": event.direction,
        "body": event.body,
        "status": event.status,
        "error_code": event.error_code,
        "error_message": event.error_message,
        "provider_id": event.provider_id,
        "agent_id": event.agent_id,
        "data": event.data or {},
        "created_at": iso(event.created_at),
    }


def identity_dict(identity: Identity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "kind": identity.kind,
        "address": identity.address,
        "verification": identity.verification,
        "sms_opted_out": identity.sms_opted_out,
        "created_at": iso(identity.created_at),
    }


def detail_dict(detail: Detail) -> dict[str, Any]:
    return {
        "id": detail.id,
        "key": detail.key,
        "value": detail.value,
        "channel": detail.channel,
        "source_event_id": detail.source_event_id,
        "created_at": iso(detail.created_at),
    }


def opt_in_dict(opt_in: OptIn) -> dict[str, Any]:
    return {
        "identity_id": opt_in.identity_id,
        "channel": opt_in.channel,
        "source": opt_in.source,
        "created_at": iso(opt_in.created_at),
    }


def order_dict(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "external_id": order.external_id,
        "customer_id": order.customer_id,
        "number": order.number,
        "source": order.source,
        "store_code": order.store_code,
        "status": order.status,
        "pickup_location": order.pickup_location,
        "pickup_status": order.pickup_status,
        "fulfillment_status": order.fulfillment_status,
        "currency": order.currency,
        "total_cents": order.total_cents,
        "placed_at": iso(order.placed_at),
        "items": [
            {
                "sku": item.sku,
                "name": item.name,
                "quantity": item.quantity,
                "unit_price_cents": item.unit_price_cents,
            }
            for item in order.items
        ],
    }


def thread_dict(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "customer_id": thread.customer_id,
        "status": thread.status,
        "assignee_id": thread.assignee_id,
        "last_channel": thread.last_channel,
        "last_activity_at": iso(thread.last_activity_at),
        "last_message_preview": thread.last_message_preview,
        "waiting_since": iso(thread.waiting_since),
        "unread_count": thread.unread_count,
    }


def customer_dict(customer: Customer, thread: Thread | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": customer.id,
        "name": customer.name,
        "created_at": iso(customer.created_at),
        "merged_into_id": customer.merged_into_id,
    }
    if thread is not None:
        data["thread"] = thread_dict(thread)
    return data
