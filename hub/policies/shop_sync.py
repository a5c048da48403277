"""Background work for the shop, through the outbox (retried when the shop is down).

- ``shop_backfill``: the first time a customer shows up with a verified email or phone,
  their past orders are read from the shop (one job per address, ever).
- ``shop_refresh``: re-read one order from the shop (after a refund webhook, whose
  payload is not the order).

``install_commerce`` registers both handlers and the listener that queues backfills;
``create_app`` calls it; it does nothing without a shop.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from datetime import datetime

from hub import events as ev
from hub.actions.commerce import BACKFILL, REFRESH, queue_backfills, sync_shop_order, with_customer
from hub.commerce.port import ShopUnavailable
from hub.core import Hub
from hub.errors import Invalid, SendError
from hub.models import OutboxJob
from hub.models.customer import EMAIL, PHONE

log = logging.getLogger(__name__)

# Customers this process already looked at (first inbound of each is enough).
SEEN_LIMIT = 50_000


async def run_backfill(hub: Hub, job: OutboxJob, attempts: int) -> None:
    """Read the shop's orders for the job's address and store them."""
    commerce = hub.commerce
    if commerce is None:
        return
    kind, address = job.payload.get("kind"), str(job.payload.get("address"))
    email = address if kind == EMAIL else None
    phone = address if kind == PHONE else None
    try:
        orders = await commerce.port.orders_for(email=email, phone=phone)
    except ShopUnavailable as exc:
        raise SendError(exc.message, transient=True) from exc
    for order in orders:
        async with hub.uow() as uow:
            await sync_shop_order(
                uow, with_customer(order, email=email, phone=phone), channel=commerce.channel
            )
    log.info("backfilled %d shop orders for a customer's %s", len(orders), kind)


async def run_refresh(hub: Hub, job: OutboxJob, attempts: int) -> None:
    commerce = hub.commerce
    if commerce is None:
        return
    try:
        order = await commerce.port.order(str(job.payload.get("external_id")))
    except ShopUnavailable as exc:
        raise SendError(exc.message, transient=True) from exc
    if order is not None:
        async with hub.uow() as uow:
            await sync_shop_order(uow, order, channel=commerce.channel)


class BackfillTrigger:
    """After commit: the first inbound event of a customer seen by this process queues
    the backfills of their verified addresses (the job keys make it once per address
    across processes and restarts)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def __call__(self, event: ev.DomainEvent) -> None:
        if event.name != ev.EVENT_CREATED or event.customer_id is None:
            return
        body = event.payload.get("event") or {}
        if body.get("direction") != "in" or event.customer_id in self._seen:
            return
        self._seen[event.customer_id] = None
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        async with self.hub.uow() as uow:
            await queue_backfills(uow, event.customer_id)


def install_commerce(hub: Hub) -> None:
    """Register the shop's jobs and the backfill trigger, when a shop is connected."""
    if hub.commerce is None:
        return
    hub.job_handlers[BACKFILL] = run_backfill
    hub.job_handlers[REFRESH] = run_refresh
    hub.subscribe(BackfillTrigger(hub))


async def sync_since(hub: Hub, since: datetime) -> Counter[str]:
    """Store every order the shop updated since ``since``, one transaction each.
    Returns how many were created, updated, stale (older than stored) or had no
    customer contact (``no_customer``)."""
    commerce = hub.commerce
    if commerce is None:
        raise Invalid("no shop is configured (see docs/commerce.md)", code="no_shop")
    counts: Counter[str] = Counter()
    async for order in commerce.port.orders_since(since):
        async with hub.uow() as uow:
            _, result = await sync_shop_order(uow, order, channel=commerce.channel)
        counts[result] += 1
    return counts
