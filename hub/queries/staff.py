"""Agents and stores, read."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agent, Customer, Store


async def find_agent(session: AsyncSession, email: str) -> Agent | None:
    """The agent signing in as ``email`` (already normalised), active or not."""
    found = await session.execute(select(Agent).where(Agent.email == email))
    return found.scalar_one_or_none()


async def find_store(session: AsyncSession, code: str) -> Store | None:
    found = await session.execute(select(Store).where(Store.code == code.strip().upper()))
    return found.scalar_one_or_none()


async def list_stores(session: AsyncSession) -> list[Store]:
    """Every store, in the order they were added."""
    return list((await session.execute(select(Store).order_by(Store.id))).scalars())


async def count_customers(session: AsyncSession) -> int:
    """Customer rows, merged-away ones included (is the database empty?)."""
    return (await session.execute(select(func.count(Customer.id)))).scalar_one()
