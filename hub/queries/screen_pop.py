"""The screen pop: what an agent's console shows the moment a call rings.

The call's action emits ``call.incoming`` naming the call (``hub.events.call_incoming``);
the realtime layer completes it here, after commit, before it reaches a console.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Customer, Detail, Event, Identity, Order, Thread
from hub.models.customer import TYPED_KINDS
from hub.models.order import CLOSED_ORDER_STATUSES
from hub.models.thread import MESSAGE
from hub.queries.suggestions import (
    Suggestion,
    keyed_order_matches,
    recent_chats_without_phone,
    recent_claims,
)
from hub.serializers import customer_dict, detail_dict, event_dict, identity_dict, order_dict

SCREEN_POP_MESSAGES = 10


async def screen_pop(
    session: AsyncSession, call: dict[str, Any], *, claim_match_hours: int
) -> dict[str, Any]:
    """The screen pop of the ``call.incoming`` payload ``call`` (``hub.events.call_incoming``:
    the call, its customer and route, and what its action added), completed after commit
    with everything an agent needs the moment the call rings: who it is, the details
    they already gave on any channel, their last messages, open orders, and who else the
    caller may be (``suggestions``, ``hints``). A payload naming no stored call is
    returned as it is."""
    event_id = (call.get("call") or {}).get("id")
    event = await session.get(Event, event_id) if isinstance(event_id, int) else None
    customer = await session.get(Customer, call.get("customer_id") or 0)
    thread = (
        await session.scalar(select(Thread).where(Thread.customer_id == customer.id))
        if customer is not None
        else None
    )
    if event is None or customer is None or thread is None:
        return call
    details = await session.execute(
        select(Detail).where(Detail.customer_id == customer.id).order_by(Detail.id)
    )
    messages = await session.execute(
        select(Event)
        .where(Event.customer_id == customer.id, Event.type == MESSAGE)
        .order_by(Event.id.desc())
        .limit(SCREEN_POP_MESSAGES)
    )
    orders = await session.execute(
        select(Order).where(Order.customer_id == customer.id).order_by(Order.placed_at.desc())
    )
    identities = await session.execute(
        select(Identity).where(Identity.customer_id == customer.id).order_by(Identity.id)
    )
    caller = await session.get(Identity, event.identity_id) if event.identity_id else None
    suggestions: list[Suggestion] = []
    if caller is not None and caller.kind in TYPED_KINDS:
        suggestions = await recent_claims(
            session,
            caller.kind,
            caller.address,
            hours=claim_match_hours,
            exclude_customer_id=customer.id,
        )
    keyed = event.data.get("keyed_order")
    if isinstance(keyed, str) and keyed:
        suggestions += await keyed_order_matches(
            session, keyed, hours=claim_match_hours, exclude_customer_id=customer.id
        )
    hints: list[Suggestion] = []
    if not suggestions and event.data.get("recognised_by") not in ("confirmed", "handoff"):
        hints = await recent_chats_without_phone(session, exclude_customer_id=customer.id)
    pop = {
        "customer_id": customer.id,
        "name": customer.name,
        "first_name": customer.first_name,
        "customer": customer_dict(customer, thread),
        "caller": identity_dict(caller) if caller is not None else None,
        "identities": [identity_dict(i) for i in identities.scalars()],
        "details": [detail_dict(d) for d in details.scalars()],
        "messages": [event_dict(m) for m in reversed(list(messages.scalars()))],
        "orders": [
            order_dict(o) for o in orders.scalars() if o.status.lower() not in CLOSED_ORDER_STATUSES
        ],
        "call": event_dict(event),
        "route": call.get("route"),
        "recognised_by": event.data.get("recognised_by"),
        # Who this caller may be (a recent chat that gave this number) and, when
        # nobody did, the web chats of the last 15 minutes that left no phone (weak).
        # Only suggestions: linking is the agent's click or the caller's own press.
        "suggestions": [s.as_dict() for s in suggestions],
        "hints": [s.as_dict() for s in hints],
    }
    return {**pop, **call}  # what the action added (a transfer, a callback…)
