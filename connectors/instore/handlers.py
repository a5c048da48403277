"""One handler per frame type, and ``process_frame``: one transaction per frame.

A handler reads its fields, asks the frame's unit of work (``port.terminals.frame``,
``hub.port.terminals.FrameWork``) and returns the ack's result. It runs inside
``process_frame``'s transaction, which first claims the frame id and stores the ack
before committing: an ack exists exactly when the effect does, and a resent id returns
the stored ack without running the handler again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from connectors.instore.protocol import (
    FULL_HISTORY_ROLES,
    MAX_ITEMS,
    OUTAGE_ERRORS,
    ROLE_TYPES,
    FrameError,
    ack_error,
    ack_ok,
    customer_ref,
    integer,
    text,
)
from hub.errors import Forbidden, HubError
from hub.port import EMAIL, LOYALTY, PHONE, HubPort
from hub.port.terminals import TERMINAL_KIOSK, FrameWork, OrderInput, Revoked
from hub.types import ItemInput

log = logging.getLogger(__name__)

# Details that are also ways to recognise the customer become (asserted) identities.
_IDENTITY_DETAILS = {"phone": PHONE, "email": EMAIL, "loyalty_id": LOYALTY}


@dataclass
class Frame:
    """A parsed frame, with the unit of work of its transaction."""

    id: str
    data: dict[str, Any]
    work: FrameWork
    max_message_chars: int

    @property
    def provider_id(self) -> str:
        """The event provider id: unique per terminal and frame (``(channel, id)`` key)."""
        return f"t{self.work.terminal.id}:{self.id}"


Handler = Callable[[Frame], Awaitable[dict[str, Any]]]


def _no_kiosk_id(frame: Frame) -> None:
    """A kiosk (a self-service screen anyone can touch) never looks a customer up by id:
    walking ids would list every customer's first name. (It may check in the id its
    own lookup by phone, email or loyalty id returned.)"""
    if frame.work.terminal.role == TERMINAL_KIOSK and "customer_id" in frame.data:
        raise Forbidden(
            "a kiosk looks customers up by phone, email or loyalty id", code="forbidden"
        )


async def lookup(frame: Frame) -> dict[str, Any]:
    _no_kiosk_id(frame)
    full = frame.work.terminal.role in FULL_HISTORY_ROLES
    found = await frame.work.lookup(
        customer_ref(frame.data), name=text(frame.data, "name", max_len=200) or None, card=full
    )
    customer = found.customer
    if not full:
        brief = {"id": customer.id, "first_name": customer.first_name} if customer else None
        return {"found": customer is not None, "customer": brief}
    return {
        "found": customer is not None,
        "customer": found.card,
        "matches": [{"id": c.id, "name": c.name} for c in found.matches],
    }


async def checkin(frame: Frame) -> dict[str, Any]:
    event, created = await frame.work.check_in(
        customer_ref(frame.data),
        name=text(frame.data, "name", max_len=200) or None,
        reason=text(frame.data, "reason", max_len=500) or None,
        provider_id=frame.provider_id,
    )
    return {"customer_id": event.customer_id, "event_id": event.id, "new_customer": created}


async def note(frame: Frame) -> dict[str, Any]:
    event = await frame.work.add_note(
        _customer_id(frame),
        text(frame.data, "body", required=True, max_len=10_000),
        provider_id=frame.provider_id,
    )
    return {"event_id": event.id, "customer_id": event.customer_id}


async def detail(frame: Frame) -> dict[str, Any]:
    customer_id = _customer_id(frame)
    key = text(frame.data, "key", required=True, max_len=64)
    value = text(frame.data, "value", required=True)
    detail_id, stored_key, customer_id = await frame.work.record_detail(customer_id, key, value)
    kind = _IDENTITY_DETAILS.get(stored_key)
    if kind is not None:
        await frame.work.add_identity(customer_id, kind, value)
    return {"detail_id": detail_id, "customer_id": customer_id}


async def purchase(frame: Frame) -> dict[str, Any]:
    receipt = text(frame.data, "receipt_id", required=True, max_len=64)
    items = _items(frame.data.get("items"))
    customer_id = await frame.work.identify_customer(
        customer_ref(frame.data), name=text(frame.data, "name", max_len=200) or None
    )
    store_code = frame.work.terminal.store_code
    order, created = await frame.work.record_purchase(
        OrderInput(
            # Receipt numbers are unique per store, not across stores and the shop.
            external_id=f"store:{store_code}:{receipt}",
            customer_id=customer_id,
            number=receipt,
            source="store",
            store_code=store_code,
            status="completed",
            currency=text(frame.data, "currency", max_len=3) or "USD",
            total_cents=integer(frame.data, "total_cents"),
            items=items,
        )
    )
    return {"customer_id": customer_id, "order": order, "created": created}


async def assist(frame: Frame) -> dict[str, Any]:
    event = await frame.work.request_assist(
        _customer_id(frame), text(frame.data, "body", required=True), provider_id=frame.provider_id
    )
    return {"assist_id": event.id, "customer_id": event.customer_id}


async def message(frame: Frame) -> dict[str, Any]:
    event = await frame.work.send_message(
        _customer_id(frame),
        text(frame.data, "body", required=True, max_len=frame.max_message_chars),
        channel=text(frame.data, "channel", max_len=16) or None,
    )
    return {"event_id": event.id, "channel": event.channel, "status": event.status}


HANDLERS: dict[str, Handler] = {
    "lookup": lookup,
    "checkin": checkin,
    "note": note,
    "detail": detail,
    "purchase": purchase,
    "assist": assist,
    "message": message,
}


def _customer_id(frame: Frame) -> int:
    value = integer(frame.data, "customer_id", required=True, minimum=1)
    assert value is not None
    return value


def _items(raw: Any) -> tuple[ItemInput, ...]:
    if not isinstance(raw, list) or not raw:
        raise FrameError("items must be a non-empty list", code="missing_field")
    if len(raw) > MAX_ITEMS:
        raise FrameError(f"at most {MAX_ITEMS} items", code="invalid_field")
    items = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise FrameError("each item is an object", code="invalid_field")
        items.append(
            ItemInput(
                name=text(entry, "name", required=True, max_len=300),
                quantity=integer(entry, "quantity", minimum=1) or 1,
                unit_price_cents=integer(entry, "unit_price_cents") or 0,
                sku=text(entry, "sku", max_len=64) or None,
            )
        )
    return tuple(items)


async def process_frame(
    port: HubPort, terminal_id: int, frame_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Apply one parsed frame from ``terminal_id`` and return its ack.

    The effect and the stored ack commit together; a refusal (``HubError``) rolls the
    effect back and its error ack is stored on its own, so a resend gets the same
    answer. Raises ``Revoked`` when the terminal was revoked meanwhile.
    Database outages answer ``unavailable`` without storing anything (resend later).
    """
    frame_type = str(data["type"])
    try:
        async with port.terminals.frame(terminal_id, frame_id, frame_type) as work:
            if not isinstance(work, FrameWork):
                return work  # the ack stored for this id
            role = work.terminal.role
            if frame_type not in ROLE_TYPES.get(role, frozenset()):
                raise Forbidden(f"a {role} terminal cannot send {frame_type}")
            frame = Frame(frame_id, data, work, port.settings.max_message_chars)
            ack = ack_ok(frame_id, await HANDLERS[frame_type](frame))
            await work.store_ack(ack)
        return ack
    except Revoked:
        raise
    except HubError as exc:
        refusal = ack_error(frame_id, exc.code, exc.message)
    except OUTAGE_ERRORS as exc:
        return _unavailable(frame_id, exc)
    try:
        return await port.terminals.store_refusal(terminal_id, frame_id, frame_type, refusal)
    except OUTAGE_ERRORS as exc:
        return _unavailable(frame_id, exc)


def _unavailable(frame_id: str, exc: BaseException) -> dict[str, Any]:
    log.warning("frame %s not processed, database unavailable: %r", frame_id, exc)
    return ack_error(frame_id, "unavailable", "the database is unavailable; resend later")
