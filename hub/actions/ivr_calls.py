"""The IVR that knows the thread: a caller whose number is carrier-verified hears the
status of their latest open order (or pickup) before anyone is rung, and may then ask
to talk to someone. Nobody else hears anything about orders: an order's status is only
said to a number the customer proved (``verified``), never to one someone only typed.

A pickup also says until when the pickup store is open today, from the store's opening
hours (the schedule ``store:<CODE>``, ``hub.models.hours.store_team``) in the store's
time zone: "ready for pickup at Downtown until 7 pm". The store is the one whose name or
code is the order's pickup location, else the order's store.

The call is recorded on the thread at once (``data.ivr``: ``{"order", "said"}``, a step
with the words said); routing waits for the caller's choice (``route_held_call``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from hub.actions.call_steps import add_call_step, live_call
from hub.actions.calls import CallAnswer, route_call, stored_call_answer
from hub.actions.customers import find_identity, get_customer, get_thread
from hub.actions.hours import get_schedule
from hub.actions.inbound import receive_inbound
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.identity import InvalidAddress, normalize
from hub.models import Event, Order, Store
from hub.models.hours import store_team
from hub.models.order import CLOSED_ORDER_STATUSES
from hub.rules.hours import Schedule, current_close, next_opening
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
_CODE_TAG = re.compile(r"\(([^()]+)\)\s*$")


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


def order_status_words(order: Order, pickup_hours: str = "", store: str | None = None) -> str:
    """ "Your order W-10421 is ready for pickup at Downtown until 7 pm." and the like
    (``pickup_hours``: ``spoken_pickup_hours`` of the pickup store, or ""; ``store``:
    its name, said when the order names no pickup location)."""
    name = f"Your order {order.number}" if order.number else "Your latest order"
    status = order.status.lower()
    if status in READY:
        place = order.pickup_location or store
        where = f" at {place}" if place else ""
        return f"{name} is ready for pickup{where}{pickup_hours}."
    words = STATUS_WORDS.get(status, f"is {status.replace('_', ' ')}")
    return f"{name} {words}."


def spoken_time(local: datetime) -> str:
    """A wall-clock time as said aloud: "7 pm", "9:30 am", "noon", "midnight"."""
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    if (local.hour, local.minute) == (12, 0):
        return "noon"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour} {suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d} {suffix}"


def spoken_pickup_hours(schedule: Schedule, at: datetime) -> str:
    """When a pickup can be collected, in the store's time zone: " until 7 pm" while
    open, " from 10 am until 7 pm today" before today's opening, " from tomorrow at
    9 am" / " from Monday at 9 am" once closed for the day; "" when the store has no
    hours (always open) or never opens again."""
    tz = schedule.tz
    closes = current_close(schedule, at)
    if closes is not None:
        return f" until {spoken_time(closes.astimezone(tz))}"
    opening = next_opening(schedule, at)
    if opening is None:
        return ""
    opens, today = opening.astimezone(tz), at.astimezone(tz).date()
    if opens.date() == today:
        until = current_close(schedule, opening)
        end = f" until {spoken_time(until.astimezone(tz))}" if until is not None else ""
        return f" from {spoken_time(opens)}{end} today"
    day = "tomorrow" if opens.date() == today + timedelta(days=1) else f"{opens:%A}"
    return f" from {day} at {spoken_time(opens)}"


async def pickup_store(uow: UnitOfWork, order: Order) -> Store | None:
    """The store an order is picked up at: its pickup location as a store's name or
    code, or "Name (CODE)" (any case), else the order's store; None when neither is a
    known store."""
    if order.pickup_location:
        place = order.pickup_location.strip().lower()
        tagged = _CODE_TAG.search(place)  # "Downtown flagship (DT1)"
        code = tagged.group(1) if tagged else place
        result = await uow.session.execute(
            select(Store)
            .where(or_(func.lower(Store.name) == place, func.lower(Store.code) == code))
            .order_by(Store.id)
            .limit(1)
        )
        store = result.scalar_one_or_none()
        if store is not None:
            return store
    if order.store_code:
        result = await uow.session.execute(select(Store).where(Store.code == order.store_code))
        return result.scalar_one_or_none()
    return None


async def order_status_said(uow: UnitOfWork, order: Order, at: datetime | None = None) -> str:
    """What the caller hears about ``order`` at ``at`` (now), with the pickup store's
    hours when it has some."""
    if order.status.lower() not in READY:
        return order_status_words(order)
    store = await pickup_store(uow, order)
    if store is None:
        return order_status_words(order)
    schedule = await get_schedule(uow.session, store_team(store.code))
    hours = spoken_pickup_hours(schedule, at or utcnow()) if schedule is not None else ""
    return order_status_words(order, hours, store.name)


async def hold_call_in_ivr(uow: UnitOfWork, inbound: Inbound, order: Order) -> Event | None:
    """Record the call (not routed yet) with the status it is told; None for a replay
    of a call already recorded (the caller is then routed as usual)."""
    received = await receive_inbound(uow, replace(inbound, awaits_reply=False))
    if received.duplicate:
        return None
    said = await order_status_said(uow, order)
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
