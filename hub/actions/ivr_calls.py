"""The IVR that knows the thread: a caller whose number is carrier-verified hears the
status of their latest open order (or pickup) before anyone is rung, and may then ask
to talk to someone. Nobody else hears anything about orders: an order's status is only
said to a number the customer proved (``verified``), never to one someone only typed.

The call is recorded on the thread at once (``data.ivr``: ``{"order", "said"}``, a step
with the words said); routing waits for the caller's choice (``route_held_call``).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from hub.actions.call_steps import add_call_step, live_call
from hub.actions.calls import CallAnswer, route_call, stored_call_answer
from hub.actions.customers import find_identity, get_customer, get_thread
from hub.actions.inbound import receive_inbound
from hub.actions.screen_pop import CLOSED_ORDER_STATUSES
from hub.core import UnitOfWork
from hub.identity import InvalidAddress, normalize
from hub.models import Event, Order
from hub.types import Inbound

VERIFIED = "verified"
# How an order's status is read out; others are read as their words ("on_hold" → "on hold").
STATUS_WORDS = {
    "placed": "has been placed and is being prepared",
    "pending": "has been placed and is being prepared",
    "paid": "has been paid and is being prepared",
    "processing": "is being prepared",
    "shipped": "is on its way",
    "in_transit": "is on its way",
    "out_for_delivery": "is out for delivery today",
}
READY = ("ready_for_pickup", "ready")


async def order_to_tell(uow: UnitOfWork, inbound: Inbound) -> Order | None:
    """The latest open order of the caller, if their number is verified, else None."""
    try:
        address = normalize(inbound.kind, inbound.address, uow.settings.default_region)
    except InvalidAddress:
        return None
    identity = await find_identity(uow.session, inbound.kind, address)
    if identity is None or identity.verification != VERIFIED:
        return None
    result = await uow.session.execute(
        select(Order)
        .where(Order.customer_id == identity.customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(20)
    )
    return next(
        (o for o in result.scalars() if o.status.lower() not in CLOSED_ORDER_STATUSES), None
    )


def order_status_words(order: Order) -> str:
    """ "Your order W-10421 is ready for pickup at Downtown." and the like."""
    name = f"Your order {order.number}" if order.number else "Your latest order"
    status = order.status.lower()
    if status in READY:
        where = f" at {order.pickup_location}" if order.pickup_location else ""
        return f"{name} is ready for pickup{where}."
    words = STATUS_WORDS.get(status, f"is {status.replace('_', ' ')}")
    return f"{name} {words}."


async def hold_call_in_ivr(uow: UnitOfWork, inbound: Inbound, order: Order) -> Event | None:
    """Record the call (not routed yet) with the status it is told; None for a replay
    of a call already recorded (the caller is then routed as usual)."""
    received = await receive_inbound(uow, replace(inbound, awaits_reply=False))
    if received.duplicate:
        return None
    said = order_status_words(order)
    event = received.event
    event.data = {
        **event.data,
        "statuses": [event.status] if event.status else [],
        "recognised_by": VERIFIED,
        "ivr": {"order": order.number, "said": said},
    }
    await add_call_step(uow, event, "ivr", f"Heard: {said}")
    return event


async def route_held_call(uow: UnitOfWork, channel: str, call_id: str) -> CallAnswer | None:
    """The caller asked to talk to someone: route the call now. None if it is not a
    call that went through the IVR."""
    event = await live_call(uow, channel, call_id)
    if event is None or not event.data.get("ivr"):
        return None
    if event.data.get("route"):  # a replayed key press: the same answer
        return await stored_call_answer(uow, event)
    customer = await get_customer(uow.session, event.customer_id)
    thread = await get_thread(uow.session, customer.id)
    await add_call_step(uow, event, "ivr_agent", "Asked to talk to someone")
    return await route_call(uow, event, customer, thread, recognised_by=VERIFIED)
