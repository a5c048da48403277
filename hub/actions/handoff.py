"""One-time handoff codes: "continue by phone, quote 482913".

``offer_handoff`` creates one and, for "continue by SMS / email", writes to the
customer first, but only at a VERIFIED phone or address of theirs (they wrote in from
it with proof, or confirmed a one-time code): an address typed into a form is merely
asserted and may belong to someone else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actions.customers import get_customer
from hub.actions.replies import send_reply
from hub.actions.timeline import NewEvent, append_to_customer
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Unreachable
from hub.models import Customer, HandoffCode, Identity
from hub.models.customer import VERIFIED
from hub.models.thread import HANDOFF
from hub.rules.sms_limits import check_text_allowed
from hub.types import JSONDict

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


@dataclass(frozen=True)
class HandoffMessage:
    """The text or mail that starts a handoff: ``channel`` writes ``text`` (naming the
    code as ``{code}``) to the customer's verified identity of ``kind``; ``data`` is
    stored on the message with the code's id."""

    channel: str
    kind: str
    text: str
    via: str
    data: JSONDict = field(default_factory=dict)


async def verified_identity(session: AsyncSession, customer_id: int, kind: str) -> Identity | None:
    """The customer's most recently seen verified identity of ``kind``, if any."""
    result = await session.execute(
        select(Identity)
        .where(
            Identity.customer_id == customer_id,
            Identity.kind == kind,
            Identity.verification == VERIFIED,
        )
        .order_by(Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
    )
    return result.scalars().first()


async def offer_handoff(
    uow: UnitOfWork,
    customer_id: int,
    *,
    from_channel: str,
    to_channel: str,
    message: HandoffMessage | None = None,
    client: str | None = None,
) -> tuple[HandoffCode, Identity | None] | None:
    """A handoff code for the customer and, with ``message``, the message quoting it,
    sent to their verified identity of ``message.kind`` (returned with the code).

    None, with nothing written, when they have no such identity. Raises
    ``Unreachable`` (code ``unavailable``) when ``message.channel`` cannot reach it,
    and what ``hub.rules.sms_limits.check_text_allowed`` raises for ``client`` (the asking
    IP address).
    """
    identity = None
    if message is not None:
        identity = await verified_identity(uow.session, customer_id, message.kind)
        if identity is None:
            return None
        connector = uow.hub.connector(message.channel)
        if connector is None or not connector.can_reach(message.kind, identity.address):
            raise Unreachable(f"continuing by {to_channel} is not available", code="unavailable")
        await check_text_allowed(uow.hub, message.kind, identity.address, client=client)
    handoff = await create_handoff_code(
        uow, customer_id, from_channel=from_channel, to_channel=to_channel
    )
    if message is not None and identity is not None:
        await send_reply(
            uow,
            customer_id,
            message.text.format(code=handoff.code),
            channel=message.channel,
            via=message.via,
            data={"handoff_code_id": handoff.id, **message.data},
            identity_id=identity.id,
        )
    return handoff, identity


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
    await append_to_customer(
        uow,
        customer.id,
        NewEvent(
            type=HANDOFF,
            channel=channel,
            body=f"Continued from {handoff.from_channel} to {channel} with a handoff code",
            provider_id=f"handoff:{provider_id}" if provider_id else None,
            data={"from": handoff.from_channel, "to": channel, "code_id": handoff.id},
        ),
    )
    return customer
