"""The second half of an erasure: copies of the person outside their own rows.

``erase_customer`` (``hub.actions.privacy``) scrubs the person's rows; this module
finds what other tables kept about them and scrubs that too, so that after an erasure
no table holds anything of the person:

- stored terminal acks (``terminal_frames.ack``: look-up cards, check-in answers);
- outbound-webhook deliveries and attempts (payloads, response excerpts, errors);
- audit entries' data (other than the erasure's own counts) and outbox jobs' payloads
  and errors;
- their orders' free text: ``pickup_location``, ``shipping_address``, and the order
  actions agents asked the shop for (request and answer).

A row "mentions" the person when its JSON names one of their customer ids under a
customer key (``customer_id``, ``source_customer_id``, ``target_customer_id``, or
``id`` inside a ``customer`` object) or any of its text contains one of their strings
(name, addresses, detail values, message bodies: ``PersonTrace``). Mentioning rows keep
their row (ids, states, timestamps: the log still counts) and lose the content.
These tables are also pruned by age (``hub.actions.retention.prune_delivery_logs``), so the
scan stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import (
    AuditEntry,
    Order,
    OutboxJob,
    TerminalFrame,
    WebhookAttempt,
    WebhookDelivery,
)
from hub.models.order import OrderAction

ERASED = {"erased": True}
_CUSTOMER_KEYS = frozenset({"customer_id", "source_customer_id", "target_customer_id"})
# Strings shorter than this are too common to match on (a 2-letter name, "yes").
MIN_NEEDLE = 4


@dataclass
class PersonTrace:
    """What identifies the person: customer ids and the strings they gave or were."""

    customer_ids: set[int]
    strings: set[str] = field(default_factory=set)

    def add(self, value: object) -> None:
        if isinstance(value, str):
            text = value.strip().lower()
            if len(text) >= MIN_NEEDLE:
                self.strings.add(text)
                if text.startswith("+") and text[1:].isdigit():
                    self.strings.add(text[1:])  # the number without its "+"

    def in_text(self, text: str | None) -> bool:
        if not text:
            return False
        lowered = text.lower()
        return any(needle in lowered for needle in self.strings)

    def in_json(self, value: Any) -> bool:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _CUSTOMER_KEYS and isinstance(item, int) and item in self.customer_ids:
                    return True
                if (
                    key == "customer"
                    and isinstance(item, dict)
                    and item.get("id") in self.customer_ids
                ):
                    return True
                if self.in_json(item):
                    return True
            return False
        if isinstance(value, list):
            return any(self.in_json(item) for item in value)
        return self.in_text(value) if isinstance(value, str) else False


async def _rows(session: AsyncSession, model: Any, *where: Any) -> list[Any]:
    result = await session.execute(select(model).where(*where).order_by(model.id))
    return list(result.scalars())


async def sweep_person(
    session: AsyncSession, trace: PersonTrace, *, keep_audit_id: int | None = None
) -> int:
    """Scrub every copy of the person in the log-like tables and their orders' free
    text; returns how many rows changed. Run inside the erasure's transaction."""
    changed = 0
    ids = trace.customer_ids

    for order in await _rows(session, Order, Order.customer_id.in_(ids)):
        if order.pickup_location is not None or order.shipping_address is not None:
            order.pickup_location = None
            order.shipping_address = None
            changed += 1
        for action in await _rows(session, OrderAction, OrderAction.order_id == order.id):
            if action.request or action.message:
                action.request = {}
                action.message = None
                changed += 1

    for frame in await _rows(session, TerminalFrame):
        if trace.in_json(frame.ack):
            frame.ack = {
                "type": "ack",
                "id": frame.frame_id,
                "ok": bool(frame.ack.get("ok")),
                **ERASED,
            }
            changed += 1

    for delivery in await _rows(session, WebhookDelivery):
        if (
            trace.in_json(delivery.payload)
            or trace.in_text(delivery.response_excerpt)
            or trace.in_text(delivery.error)
        ):
            delivery.payload = dict(ERASED)
            delivery.response_excerpt = None
            delivery.error = None
            changed += 1
            for attempt in await _rows(
                session, WebhookAttempt, WebhookAttempt.delivery_id == delivery.id
            ):
                attempt.response_excerpt = None
                attempt.error = None
    for attempt in await _rows(session, WebhookAttempt):
        if trace.in_text(attempt.response_excerpt) or trace.in_text(attempt.error):
            attempt.response_excerpt = None
            attempt.error = None
            changed += 1

    for entry in await _rows(session, AuditEntry):
        if entry.data and trace.in_json(entry.data):
            entry.data = dict(ERASED)
            changed += 1

    for job in await _rows(session, OutboxJob):
        if trace.in_json(job.payload) or trace.in_text(job.last_error):
            # Ids stay (the job's handler finds nothing left to send); text goes.
            kept = {k: v for k, v in job.payload.items() if isinstance(v, int)}
            job.payload = {**kept, **ERASED}
            job.last_error = None
            changed += 1

    await session.flush()
    return changed
