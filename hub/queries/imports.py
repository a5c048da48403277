"""The batch-wide look-ups of ``hub import`` (``hub.csv_import.run``): which rows touch
nothing that exists yet, so the bulk writes of ``hub.actions.imports`` can take them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Identity, Order, Thread


async def identity_owners(
    session: AsyncSession, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Customer ids of the identities among ``keys`` (``(kind, address)``) that exist, one
    query per kind, on the ``(kind, address)`` unique index."""
    owners: dict[tuple[str, str], int] = {}
    for kind in sorted({kind for kind, _ in keys}):
        addresses = [address for k, address in keys if k == kind]
        rows = await session.execute(
            select(Identity.address, Identity.customer_id).where(
                Identity.kind == kind, Identity.address.in_(addresses)
            )
        )
        owners.update({(kind, address): customer_id for address, customer_id in rows})
    return owners


async def known_orders(session: AsyncSession, external_ids: list[str]) -> set[str]:
    """The external ids among ``external_ids`` that an order already has."""
    if not external_ids:
        return set()
    found = await session.execute(
        select(Order.external_id).where(Order.external_id.in_(external_ids))
    )
    return set(found.scalars())


async def thread_ids(session: AsyncSession, customer_ids: set[int]) -> dict[int, int]:
    """The thread id of each of ``customer_ids`` that has one."""
    if not customer_ids:
        return {}
    pairs = await session.execute(
        select(Thread.customer_id, Thread.id).where(Thread.customer_id.in_(customer_ids))
    )
    return {customer_id: thread_id for customer_id, thread_id in pairs}
