"""Console sessions on the server: start one at sign-in, revoke them at once.

The browser's cookie carries only the opaque key ``start_session`` returns; the row
(``AgentSession``) holds its SHA-256, the agent and the expiry (finding the live session
of a key is a read: ``hub.queries.sessions``). Every revocation
emits ``agent.sessions_revoked`` after commit, so the ``/agent`` namespace disconnects
that agent's sockets of those sessions in this process at once (other processes
notice within ``hub.realtime.agents.SWEEP_SECONDS``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update

from hub import events as ev
from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.errors import NotFound
from hub.models import Agent, AgentSession
from hub.security import hash_key

SESSION_LIFETIME = timedelta(hours=12)


async def start_session(uow: UnitOfWork, agent: Agent) -> str:
    """A new session for ``agent``; returns the opaque key for the cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    uow.session.add(
        AgentSession(
            key_hash=hash_key(key),
            agent_id=agent.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await uow.session.flush()
    return key


async def end_session(uow: UnitOfWork, key: str) -> None:
    """Sign out: the session of ``key`` stops working at once (logout)."""
    result = await uow.session.execute(
        update(AgentSession)
        .where(AgentSession.key_hash == hash_key(key), AgentSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(AgentSession.id, AgentSession.agent_id)
    )
    for session_id, agent_id in result.all():
        _announce(uow, agent_id, [session_id])


async def revoke_agent_sessions(
    uow: UnitOfWork, agent_id: int, *, actor: str, keep_key: str | None = None
) -> int:
    """Revoke every live session of ``agent_id`` (but ``keep_key``'s); audited with the
    count. Returns how many were revoked."""
    query = (
        update(AgentSession)
        .where(AgentSession.agent_id == agent_id, AgentSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(AgentSession.id)
    )
    if keep_key is not None:
        query = query.where(AgentSession.key_hash != hash_key(keep_key))
    revoked = list((await uow.session.execute(query)).scalars())
    await record_audit(
        uow, actor, "agent.sessions_revoked", "agent", agent_id, {"sessions": len(revoked)}
    )
    _announce(uow, agent_id, revoked, everything=keep_key is None)
    return len(revoked)


async def sign_out_everywhere(uow: UnitOfWork, agent_id: int, *, actor: str) -> int:
    """An admin's "sign out everywhere" for ``agent_id``."""
    if await uow.session.get(Agent, agent_id) is None:
        raise NotFound(f"agent {agent_id} not found")
    return await revoke_agent_sessions(uow, agent_id, actor=actor)


def _announce(
    uow: UnitOfWork, agent_id: int, session_ids: list[int], *, everything: bool = False
) -> None:
    uow.emit(
        ev.DomainEvent(
            ev.AGENT_SESSIONS_REVOKED,
            {"agent_id": agent_id, "session_ids": session_ids, "all": everything},
        )
    )
