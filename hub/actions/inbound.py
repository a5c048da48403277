"""Receiving customer input from any connector."""

from __future__ import annotations

from dataclasses import dataclass

from hub.actions.customers import (
    get_customer,
    get_thread,
    normalize_or_invalid,
    record_claim,
    record_detail,
    resolve_identity,
)
from hub.actions.mentions import record_mentions
from hub.actions.timeline import append_event, find_event
from hub.core import UnitOfWork
from hub.errors import Invalid
from hub.models import Customer, Event, Identity, Thread
from hub.models.thread import EVENT_TYPES, IN, MESSAGE
from hub.types import Inbound


@dataclass
class Received:
    event: Event
    customer: Customer
    thread: Thread
    identity: Identity | None
    duplicate: bool


async def receive_inbound(
    uow: UnitOfWork, inbound: Inbound, *, checked_new: bool = False
) -> Received:
    """Put one piece of customer input into that customer's thread.

    Resolves (or creates) the customer from the sender's identity, appends the event,
    re-opens a resolved thread, and records the details and extra identities the input
    carries and the details its text mentions (``hub.actions.mentions``). Idempotent
    on ``(inbound.channel, inbound.provider_id)``: a replay returns
    the stored event with ``duplicate=True`` and changes nothing. ``checked_new``
    says the caller already looked the provider id up in this transaction (group
    commit checks a whole batch in one query); the unique constraint still decides.
    """
    if inbound.type not in EVENT_TYPES:
        raise Invalid(f"unknown event type {inbound.type!r}")
    region = uow.settings.default_region
    address = normalize_or_invalid(inbound.kind, inbound.address, region)

    if inbound.provider_id is not None and not checked_new:
        existing = await find_event(uow, inbound.channel, inbound.provider_id)
        if existing is not None:
            return await duplicate_of(uow, existing)

    identity, customer, _ = await resolve_identity(
        uow,
        inbound.kind,
        address,
        verified=inbound.verified,
        name=inbound.name,
        customer_id=inbound.customer_id,
    )
    if inbound.customer_id is not None:
        customer = await get_customer(uow.session, inbound.customer_id)
    thread = await get_thread(uow.session, customer.id)

    data = dict(inbound.data)
    if inbound.media:
        data["media"] = [{"url": m.url, "content_type": m.content_type} for m in inbound.media]
    appended = await append_event(
        uow,
        customer,
        thread,
        type=inbound.type,
        channel=inbound.channel,
        direction=IN,
        body=inbound.body,
        provider_id=inbound.provider_id,
        status=inbound.status,
        identity_id=identity.id,
        data=data,
        created_at=inbound.occurred_at,
        awaits_reply=inbound.awaits_reply,
        known_new=inbound.provider_id is not None,
    )
    if not appended.created:
        return await duplicate_of(uow, appended.event)

    for claim in inbound.claims:
        await record_claim(
            uow,
            customer.id,
            claim,
            channel=inbound.channel,
            source_event_id=appended.event.id,
            created_at=appended.event.created_at,
        )
    for key, value in inbound.details.items():
        if value and value.strip():
            await record_detail(
                uow,
                customer.id,
                key,
                value,
                channel=inbound.channel,
                source_event_id=appended.event.id,
                created_at=appended.event.created_at,
            )
    if inbound.type == MESSAGE:
        await record_mentions(uow, customer.id, appended.event, sender=(inbound.kind, address))
    return Received(appended.event, customer, thread, identity, duplicate=False)


async def duplicate_of(uow: UnitOfWork, event: Event) -> Received:
    """What a replay of ``event`` answers: the stored event, its live customer and thread."""
    customer = await get_customer(uow.session, event.customer_id)
    thread = await get_thread(uow.session, customer.id)
    identity = await uow.session.get(Identity, event.identity_id) if event.identity_id else None
    return Received(event, customer, thread, identity, duplicate=True)
