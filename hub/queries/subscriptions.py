"""Read side of outbound webhooks: endpoints and the delivery log (newest first)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MAX_PAGE = 200


async def list_endpoints(session: AsyncSession) -> list[WebhookEndpoint]:
    """Every endpoint, oldest first. Never show ``secret`` after creation."""
    rows = await session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
    return list(rows.scalars())


async def list_deliveries(
    session: AsyncSession,
    *,
    endpoint_id: int | None = None,
    state: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[WebhookDelivery]:
    """Deliveries newest first; ``before`` is the id of the last one of the previous page."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(min(limit, MAX_PAGE))
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list((await session.execute(query)).scalars())


async def delivery_attempts(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> dict[int, list[WebhookAttempt]]:
    """Every HTTP attempt of each delivery, in order, by delivery id (deliveries never
    attempted are left out)."""
    attempts: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if not delivery_ids:
        return attempts
    rows = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
    )
    for attempt in rows.scalars():
        attempts[attempt.delivery_id].append(attempt)
    return attempts


async def subscribed_events(session: AsyncSession) -> set[str]:
    """The public event names some active endpoint subscribes to."""
    rows = await session.execute(
        select(WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))
    )
    return {name for events in rows.scalars() for name in events or ()}


async def delivery_target(
    session: AsyncSession, delivery_id: int
) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
    """Delivery ``delivery_id`` and its endpoint; None once either was deleted."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None:
        return None
    return delivery, endpoint
