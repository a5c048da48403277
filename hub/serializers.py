"""JSON shapes of the domain, shared by the REST API, sockets and terminals.

Each shape names the columns it shows (``columns``); timestamps become ISO 8601 strings
with ``Z`` for UTC. The ``*_record`` shapes are the full rows of the privacy export.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.models import (
    AuditEntry,
    CsatSurvey,
    Customer,
    Detail,
    Event,
    Identity,
    Merge,
    OptIn,
    Order,
    Thread,
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def columns(row: Any, *names: str) -> dict[str, Any]:
    """``{name: row.name}`` for each of ``names``, in that order, timestamps as ``iso``."""
    shown: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        shown[name] = iso(value) if isinstance(value, datetime) else value
    return shown


def event_dict(event: Event) -> dict[str, Any]:
    shown = columns(
        event,
        *("id", "customer_id", "thread_id", "type", "channel", "direction", "body", "status"),
        *("error_code", "error_message", "provider_id", "agent_id", "data", "created_at"),
    )
    shown["data"] = event.data or {}
    return shown


def identity_dict(identity: Identity) -> dict[str, Any]:
    return columns(identity, "id", "kind", "address", "verification", "sms_opted_out", "created_at")


def detail_dict(detail: Detail) -> dict[str, Any]:
    return columns(detail, "id", "key", "value", "channel", "source_event_id", "created_at")


def opt_in_dict(opt_in: OptIn) -> dict[str, Any]:
    return columns(opt_in, "identity_id", "channel", "source", "created_at")


def order_dict(order: Order) -> dict[str, Any]:
    shown = columns(
        order,
        *("id", "external_id", "customer_id", "number", "source", "store_code", "status"),
        *("pickup_location", "pickup_status", "fulfillment_status", "currency"),
        *("total_cents", "placed_at"),
    )
    shown["items"] = [
        columns(item, "sku", "name", "quantity", "unit_price_cents") for item in order.items
    ]
    return shown


def thread_dict(thread: Thread) -> dict[str, Any]:
    return columns(
        thread,
        *("id", "customer_id", "status", "assignee_id", "last_channel", "last_activity_at"),
        *("last_message_preview", "waiting_since", "unread_count"),
    )


def customer_dict(customer: Customer, thread: Thread | None = None) -> dict[str, Any]:
    data = columns(customer, "id", "name", "created_at", "merged_into_id")
    if thread is not None:
        data["thread"] = thread_dict(thread)
    return data


# -- full rows, for the privacy export ---------------------------------------------------


def customer_record(customer: Customer) -> dict[str, Any]:
    return {**customer_dict(customer), **columns(customer, "erased_at", "updated_at")}


def identity_record(identity: Identity) -> dict[str, Any]:
    return columns(
        identity,
        *("id", "customer_id", "kind", "address", "verification", "sms_opted_out"),
        *("opted_out_at", "created_at", "last_seen_at"),
    )


def event_record(event: Event) -> dict[str, Any]:
    return {**event_dict(event), **columns(event, "identity_id", "terminal_id")}


def merge_record(merge: Merge) -> dict[str, Any]:
    return columns(
        merge,
        *("id", "source_customer_id", "target_customer_id", "actor", "reason"),
        *("created_at", "undone_at"),
    )


def audit_record(entry: AuditEntry) -> dict[str, Any]:
    shown = columns(
        entry, "id", "actor", "action", "target_type", "target_id", "data", "created_at"
    )
    shown["data"] = entry.data or {}
    return shown


def csat_record(survey: CsatSurvey) -> dict[str, Any]:
    return columns(
        survey, "id", "state", "score", "channel", "answer_channel", "created_at", "answered_at"
    )
