"""Console sessions, read: the live session of a cookie's key, which sockets' sessions
still hold (``hub.actions.sessions`` starts and revokes them)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.models import Agent, AgentSession
from hub.security import hash_key

# Built once (building the statement cost more than running it; every console page and
# agent socket runs it): the live session of a key hash and its active agent.
LIVE_SESSION = (
    select(AgentSession, Agent)
    .join(Agent, Agent.id == AgentSession.agent_id)
    .where(
        AgentSession.key_hash == bindparam("key_hash"),
        AgentSession.revoked_at.is_(None),
        AgentSession.expires_at > bindparam("now"),
        Agent.is_active.is_(True),
    )
)


async def find_session(db: AsyncSession, key: str) -> tuple[AgentSession, Agent] | None:
    """The live session for ``key`` and its active agent, in one query; None when the
    key is unknown, revoked or expired, or the agent was deactivated."""
    params = {"key_hash": hash_key(key), "now": utcnow()}
    row = (await db.execute(LIVE_SESSION, params)).one_or_none()
    return (row[0], row[1]) if row is not None else None


async def live_session_ids(db: AsyncSession, session_ids: set[int]) -> set[int]:
    """Which of ``session_ids`` are still live (not revoked or expired, agent active)."""
    if not session_ids:
        return set()
    result = await db.execute(
        select(AgentSession.id)
        .join(Agent, Agent.id == AgentSession.agent_id)
        .where(
            AgentSession.id.in_(session_ids),
            AgentSession.revoked_at.is_(None),
            AgentSession.expires_at > utcnow(),
            Agent.is_active.is_(True),
        )
    )
    return set(result.scalars())


ACTIVE_AGENTS = select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.name)
# Every active agent, each with whether it holds the live session of a key hash (built
# once, as ``LIVE_SESSION``: every console page runs it).
_HOLDS_SESSION = (
    select(AgentSession.agent_id)
    .where(
        AgentSession.key_hash == bindparam("key_hash"),
        AgentSession.revoked_at.is_(None),
        AgentSession.expires_at > bindparam("now"),
    )
    .scalar_subquery()
)
ACTIVE_AGENTS_MARKING_HOLDER = ACTIVE_AGENTS.add_columns(Agent.id == _HOLDS_SESSION)


async def active_agents_and_holder(db: AsyncSession, key: str) -> tuple[list[Agent], Agent | None]:
    """Every active agent (by name) and the one whose live session ``key`` is (None
    when it is unknown, revoked or expired), in one query."""
    params = {"key_hash": hash_key(key), "now": utcnow()}
    agents: list[Agent] = []
    holder: Agent | None = None
    for agent, holds in await db.execute(ACTIVE_AGENTS_MARKING_HOLDER, params):
        agents.append(agent)
        if holds:
            holder = agent
    return agents, holder
