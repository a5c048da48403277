"""One handler per frame type, and ``process_frame``: one transaction per frame.

A handler reads its fields, calls the actions and returns the ack's result. It runs
inside ``process_frame``'s unit of work, which first claims the frame id and stores
the ack before committing: an ack exists exactly when the effect does, and a resent
id returns the stored ack without running the handler again.
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
from hub.actions import instore as actions
from hub.actions.customers import add_identity, record_detail
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.actions.threads import add_note
from hub.core import Hub, UnitOfWork
from hub.errors import Forbidden, HubError
from hub.models import Store, Terminal
from hub.models.staff import TERMINAL_KIOSK
from hub.port import EMAIL, LOYALTY, PHONE
from hub.queries.instore import context_card
from hub.serializers import order_dict

log = logging.getLogger(__name__)

# Details that are also ways to recognise the customer become (asserted) identities.
_IDENTITY_DETAILS = {"phone": PHONE, "email": EMAIL, "loyalty_id": LOYALTY}


@dataclass
class Frame:
    """A parsed frame with its terminal, inside the frame's transaction."""

    id: str
    data: dict[str, Any]
    terminal: Terminal
    store: Store

    @property
    def provider_id(self) -> str:
        """The event provider id: unique per terminal and frame (``(channel, id)`` key)."""
        return f"t{self.terminal.id}:{self.id}"


Handler = Callable[[UnitOfWork, Frame], Awaitable[dict[str, Any]]]


def _no_kiosk_id(frame: Frame) -> None:
    """A kiosk (a self-service screen anyone can touch) never looks a customer up by id:
    walking ids would list every customer's first name. (It may check in the id its
    own lookup by phone, email or loyalty id returned.)"""
    if frame.terminal.role == TERMINAL_KIOSK and "customer_id" in frame.data:
        raise Forbidden(
            "a kiosk looks customers up by phone, email or loyalty id", code="forbidden"
        )


async def lookup(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    _no_kiosk_id(frame)
    customer, matches = await actions.lookup(
        uow, customer_ref(frame.data), name=text(frame.data, "name", max_len=200) or None
    )
    if frame.terminal.role not in FULL_HISTORY_ROLES:
        brief = {"id": customer.id, "first_name": customer.first_name} if customer else None
        return {"found": customer is not None, "customer": brief}
    card = await context_card(uow.session, customer) if customer else None
    return {
        "found": customer is not None,
        "customer": card,
        "matches": [{"id": c.id, "name": c.name} for c in matches],
    }


async def checkin(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    event, customer, created = await actions.check_in(
        uow,
        frame.terminal,
        frame.store,
        customer_ref(frame.data),
        name=text(frame.data, "name", max_len=200) or None,
        reason=text(frame.data, "reason", max_len=500) or None,
        provider_id=frame.provider_id,
    )
    return {"customer_id": customer.id, "event_id": event.id, "new_customer": created}


async def note(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    event = await add_note(
        uow,
        _customer_id(frame),
        text(frame.data, "body", required=True, max_len=10_000),
        channel=actions.INSTORE,
        terminal_id=frame.terminal.id,
        provider_id=frame.provider_id,
    )
    return {"event_id": event.id, "customer_id": event.customer_id}


async def detail(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    customer_id = _customer_id(frame)
    key = text(frame.data, "key", required=True, max_len=64)
    value = text(frame.data, "value", required=True)
    row = await record_detail(uow, customer_id, key, value, channel=actions.INSTORE)
    kind = _IDENTITY_DETAILS.get(row.key)
    if kind is not None:
        await add_identity(uow, row.customer_id, kind, value, actor=f"terminal:{frame.terminal.id}")
    return {"detail_id": row.id, "customer_id": row.customer_id}


async def purchase(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    receipt = text(frame.data, "receipt_id", required=True, max_len=64)
    items = _items(frame.data.get("items"))
    customer, _ = await actions.identify_customer(
        uow, customer_ref(frame.data), name=text(frame.data, "name", max_len=200) or None
    )
    order, created = await upsert_order(
        uow,
        OrderInput(
            # Receipt numbers are unique per store, not across stores and the shop.
            external_id=f"store:{frame.store.code}:{receipt}",
            customer_id=customer.id,
            number=receipt,
            source="store",
            store_code=frame.store.code,
            status="completed",
            currency=text(frame.data, "currency", max_len=3) or "USD",
            total_cents=integer(frame.data, "total_cents"),
            items=items,
        ),
        channel=actions.INSTORE,
        terminal_id=frame.terminal.id,
    )
    return {"customer_id": customer.id, "order": order_dict(order), "created": created}


async def assist(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    event = await actions.request_assist(
        uow,
        frame.terminal,
        frame.store,
        _customer_id(frame),
        text(frame.data, "body", required=True),
        provider_id=frame.provider_id,
    )
    return {"assist_id": event.id, "customer_id": event.customer_id}


async def message(uow: UnitOfWork, frame: Frame) -> dict[str, Any]:
    event = await actions.send_from_store(
        uow,
        frame.terminal,
        frame.store,
        _customer_id(frame),
        text(frame.data, "body", required=True, max_len=uow.settings.max_message_chars),
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
    hub: Hub, terminal_id: int, frame_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Apply one parsed frame from ``terminal_id`` and return its ack.

    The effect and the stored ack commit together; a refusal (``HubError``) rolls the
    effect back and its error ack is stored on its own, so a resend gets the same
    answer. Raises ``actions.Revoked`` when the terminal was revoked meanwhile.
    Database outages answer ``unavailable`` without storing anything (resend later).
    """
    frame_type = str(data["type"])
    try:
        async with hub.uow() as uow:
            terminal = await actions.check_terminal(uow, terminal_id)
            stored = await actions.claim_frame(uow, terminal.id, frame_id, frame_type)
            if stored is not None:
                return stored
            if frame_type not in ROLE_TYPES.get(terminal.role, frozenset()):
                raise Forbidden(f"a {terminal.role} terminal cannot send {frame_type}")
            store = await uow.session.get(Store, terminal.store_id)
            assert store is not None
            result = await HANDLERS[frame_type](uow, Frame(frame_id, data, terminal, store))
            ack = ack_ok(frame_id, result)
            await actions.store_ack(uow, terminal.id, frame_id, ack)
        return ack
    except actions.Revoked:
        raise
    except HubError as exc:
        refusal = ack_error(frame_id, exc.code, exc.message)
    except OUTAGE_ERRORS as exc:
        return _unavailable(frame_id, exc)
    try:
        async with hub.uow() as uow:
            stored = await actions.claim_frame(uow, terminal_id, frame_id, frame_type)
            if stored is not None:
                return stored
            await actions.store_ack(uow, terminal_id, frame_id, refusal)
    except OUTAGE_ERRORS as exc:
        return _unavailable(frame_id, exc)
    return refusal


def _unavailable(frame_id: str, exc: BaseException) -> dict[str, Any]:
    log.warning("frame %s not processed, database unavailable: %r", frame_id, exc)
    return ack_error(frame_id, "unavailable", "the database is unavailable; resend later")
