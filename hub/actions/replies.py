"""Sending replies to customers and recording what became of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hub import events as ev
from hub.actions.customers import get_customer, get_thread
from hub.actions.timeline import NewEvent, append_event
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import Invalid, Unreachable
from hub.models import Agent, Customer, Event, Identity, OutboxJob, Thread
from hub.models.outbox import DELIVER_MESSAGE
from hub.models.thread import DELIVERY_ORDER, IN, MESSAGE, OUT


async def reachable_channels(uow: UnitOfWork, customer_id: int) -> list[str]:
    """Channels on which a reply can reach this customer now, most recent first."""
    identities = await _identities(uow, customer_id)
    channels = []
    for channel, connector in uow.hub.connectors.items():
        if any(
            connector.can_reach(i.kind, i.address, opted_out=i.sms_opted_out) for i in identities
        ):
            channels.append(channel)
    return channels


async def _identities(uow: UnitOfWork, customer_id: int) -> list[Identity]:
    result = await uow.session.execute(
        select(Identity)
        .where(Identity.customer_id == customer_id)
        .order_by(Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
    )
    return list(result.scalars())


async def _last_used_on(uow: UnitOfWork, customer_id: int, channel: str) -> int | None:
    """The identity the customer's latest inbound event on ``channel`` came through."""
    found = await uow.session.execute(
        select(Event.identity_id)
        .where(
            Event.customer_id == customer_id,
            Event.channel == channel,
            Event.direction == IN,
            Event.identity_id.is_not(None),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


async def send_reply(
    uow: UnitOfWork,
    customer_id: int,
    body: str,
    *,
    channel: str | None = None,
    agent_id: int | None = None,
    via: str = "console",
    data: dict[str, object] | None = None,
    identity_id: int | None = None,
) -> Event:
    """Commit an outbound message as ``pending`` and queue it for its connector.

    ``channel`` defaults to the channel the customer was last active on; with
    ``identity_id`` the message goes to that identity of the customer only (e.g. a
    one-time code to the very number being verified). Refuses
    (``Unreachable``) when the customer has no address that channel can deliver to,
    e.g. no phone for SMS or a number that texted STOP, and when the channel's own
    rules refuse it (``Connector.prepare_reply``: WhatsApp's 24-hour window). With
    ``data["template"]`` the channel's approved template gives the body. Delivery
    happens after commit through the outbox, which retries transient failures.
    """
    body = (body or "").strip()
    payload = dict(data or {})
    if not body and payload.get("template") is None:
        raise Invalid("a reply needs a body", code="empty_body")
    if len(body) > uow.settings.max_message_chars:
        raise Invalid(
            f"reply longer than {uow.settings.max_message_chars} characters", code="too_long"
        )
    customer = await get_customer(uow.session, customer_id)
    thread = await get_thread(uow.session, customer.id)
    if not channel:
        channel = thread.last_channel
        last = uow.hub.connector(channel) if channel else None
        if last is not None and not last.reply_kinds:
            # Last seen on a channel agents cannot write on (a phone call): answer on
            # a channel that can reach the customer instead.
            reachable = await reachable_channels(uow, customer.id)
            channel = reachable[0] if reachable else channel
    if channel is None:
        raise Unreachable("the customer has not used any channel yet; choose one")
    connector = uow.hub.connector(channel)
    if connector is None or not connector.reply_kinds:
        raise Unreachable(f"cannot send on channel {channel!r}")
    identities = await _identities(uow, customer.id)
    candidates = [
        i for i in identities if i.kind in connector.reply_kinds and identity_id in (None, i.id)
    ]
    if identity_id is None and len(candidates) > 1:
        # After a merge a customer may have several addresses for one channel: answer
        # on the one they last wrote from on it, not one merged in that never did.
        last_used = await _last_used_on(uow, customer.id, channel)
        candidates.sort(key=lambda i: i.id != last_used)
    target = next(
        (
            i
            for i in candidates
            if connector.can_reach(i.kind, i.address, opted_out=i.sms_opted_out)
        ),
        None,
    )
    if target is None:
        if any(i.sms_opted_out for i in candidates):
            raise Unreachable(
                f"the customer opted out of {channel} (replied STOP)", code="opted_out"
            )
        raise Unreachable(f"the customer has no address reachable on {channel}")

    body = await connector.prepare_reply(uow, target.recipient(), body, payload)
    if not body:
        raise Invalid("a reply needs a body", code="empty_body")
    agent = await uow.session.get(Agent, agent_id) if agent_id else None
    event = await append_reply(
        uow,
        customer,
        thread,
        channel=channel,
        body=body,
        status="pending",
        agent=agent,
        via=via,
        data=payload,
        identity_id=target.id,
    )
    uow.session.add(OutboxJob(kind=DELIVER_MESSAGE, key=f"message:{event.id}", event_id=event.id))
    await uow.session.flush()
    uow.on_commit(uow.hub.wake_outbox)
    return event


async def append_reply(
    uow: UnitOfWork,
    customer: Customer,
    thread: Thread,
    *,
    channel: str,
    body: str,
    status: str,
    agent: Agent | None,
    via: str = "console",
    data: dict[str, object] | None = None,
    identity_id: int | None = None,
    provider_id: str | None = None,
    at: datetime | None = None,
) -> Event:
    """Write an agent's reply on the timeline and mark the thread answered (nobody
    waiting, nothing unread, the first response time set once). ``send_reply`` checks
    and queues it; the demo writes replies its story says were sent at ``at``."""
    payload: dict[str, object] = {**(data or {}), "via": via}
    if agent is not None:
        payload["agent_name"] = agent.name
    appended = await append_event(
        uow,
        customer,
        thread,
        NewEvent(
            type=MESSAGE,
            channel=channel,
            direction=OUT,
            body=body,
            status=status,
            identity_id=identity_id,
            provider_id=provider_id,
            agent_id=agent.id if agent is not None else None,
            data=payload,
            created_at=at,
        ),
    )
    thread.waiting_since = None
    thread.unread_count = 0
    if thread.first_response_at is None:
        thread.first_response_at = at or utcnow()
    return appended.event


async def record_delivery(
    uow: UnitOfWork,
    *,
    status: str,
    event_id: int | None = None,
    channel: str | None = None,
    provider_id: str | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    new_provider_id: str | None = None,
) -> Event | None:
    """Move an outbound message's delivery status forward (never backwards).

    Found by ``event_id`` or by ``(channel, provider_id)``. Out-of-order provider
    callbacks ("sent" after "delivered") change nothing. Returns the event, or None
    when no such message exists.
    """
    if event_id is not None:
        event = await uow.session.get(Event, event_id, with_for_update=True)
    elif channel and provider_id:
        result = await uow.session.execute(
            select(Event)
            .where(Event.channel == channel, Event.provider_id == provider_id)
            .with_for_update()
        )
        event = result.scalar_one_or_none()
    else:
        raise Invalid("record_delivery needs event_id or channel and provider_id")
    if event is None:
        return None
    if status not in DELIVERY_ORDER:
        raise Invalid(f"unknown delivery status {status!r}")
    changed = False
    if new_provider_id and event.provider_id != new_provider_id:
        event.provider_id = new_provider_id
        changed = True
    current = DELIVERY_ORDER.get(event.status or "pending", 0)
    if DELIVERY_ORDER[status] > current or (
        DELIVERY_ORDER[status] == current
        and status != event.status
        and status in ("failed", "undelivered")
    ):
        event.status = status
        changed = True
        if error_code or error_message:
            event.error_code = error_code
            event.error_message = (error_message or "")[:500] or None
    if changed:
        event.updated_at = utcnow()
        await uow.session.flush()
        uow.emit(ev.event_updated(event, event.customer_id))
    return event
