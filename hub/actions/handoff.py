"""One-time handoff codes: "continue by phone, quote 482913"."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.actions.customers import get_customer, get_thread
from hub.actions.timeline import append_event
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import Customer, HandoffCode
from hub.models.thread import HANDOFF

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=30)


async def create_handoff_code(
    uow: UnitOfWork, customer_id: int, *, from_channel: str, to_channel: str
) -> HandoffCode:
    """A fresh single-use numeric code that links the next call/text to this customer."""
    customer = await get_customer(uow.session, customer_id)
    for _ in range(10):
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        try:
            async with uow.session.begin_nested():
                handoff = HandoffCode(
                    code=code,
                    customer_id=customer.id,
                    from_channel=from_channel,
                    to_channel=to_channel,
                    expires_at=utcnow() + CODE_TTL,
                )
                uow.session.add(handoff)
                await uow.session.flush()
            return handoff
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a handoff code")


async def redeem_handoff_code(
    uow: UnitOfWork, code: str, *, channel: str, provider_id: str | None = None
) -> Customer | None:
    """The customer a valid, unused, unexpired code belongs to (marking it used), else None.

    Records a ``handoff`` event on that customer's thread (from the code's channel to
    ``channel``) so agents see the customer moved.
    """
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != CODE_DIGITS:
        return None
    result = await uow.session.execute(
        select(HandoffCode).where(HandoffCode.code == code).with_for_update()
    )
    handoff = result.scalar_one_or_none()
    now = utcnow()
    if handoff is None or handoff.used_at is not None or handoff.expires_at < now:
        return None
    handoff.used_at = now
    customer = await get_customer(uow.session, handoff.customer_id)
    thread = await get_thread(uow.session, customer.id)
    await append_event(
        uow,
        customer,
        thread,
        type=HANDOFF,
        channel=channel,
        body=f"Continued from {handoff.from_channel} to {channel} with a handoff code",
        provider_id=f"handoff:{provider_id}" if provider_id else None,
        data={"from": handoff.from_channel, "to": channel, "code_id": handoff.id},
    )
    return customer
