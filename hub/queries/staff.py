"""Agents and stores, read."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agent, ApiToken, Customer, Store, Terminal


async def find_agent(session: AsyncSession, email: str) -> Agent | None:
    """The agent signing in as ``email`` (already normalised), active or not."""
    found = await session.execute(select(Agent).where(Agent.email == email))
    return found.scalar_one_or_none()


async def find_store(session: AsyncSession, code: str) -> Store | None:
    found = await session.execute(select(Store).where(Store.code == code.strip().upper()))
    return found.scalar_one_or_none()


async def list_stores(session: AsyncSession, *, by_code: bool = False) -> list[Store]:
    """Every store, in the order they were added (or by code)."""
    order = Store.code if by_code else Store.id
    return list((await session.execute(select(Store).order_by(order))).scalars())


async def list_terminals(session: AsyncSession) -> list[tuple[Terminal, str]]:
    """Every terminal with its store's code, in the order they were added."""
    rows = await session.execute(
        select(Terminal, Store.code)
        .join(Store, Store.id == Terminal.store_id)
        .order_by(Terminal.id)
    )
    return [(terminal, code) for terminal, code in rows]


async def list_agents(session: AsyncSession) -> list[Agent]:
    """Every agent, deactivated ones too, in the order they were added."""
    return list((await session.execute(select(Agent).order_by(Agent.id))).scalars())


async def agent_names(session: AsyncSession) -> dict[int, str]:
    """Every agent's name by id (deactivated ones still sign old messages)."""
    return {
        agent_id: name for agent_id, name in await session.execute(select(Agent.id, Agent.name))
    }


async def list_api_tokens(session: AsyncSession) -> list[ApiToken]:
    """Every REST API token (revoked ones too), in the order they were made."""
    return list((await session.execute(select(ApiToken).order_by(ApiToken.id))).scalars())


async def count_customers(session: AsyncSession) -> int:
    """Customer rows, merged-away ones included (is the database empty?)."""
    return (await session.execute(select(func.count(Customer.id)))).scalar_one()
