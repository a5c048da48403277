"""Console sign-in attempts: counting failures and locking an account for a while."""

from __future__ import annotations

from datetime import timedelta

from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import Agent

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)


async def record_login(uow: UnitOfWork, agent: Agent, *, success: bool, ip: str) -> Agent:
    """Count one sign-in attempt on ``agent`` (loaded in ``uow``'s session).

    A success clears the failure count; the ``MAX_FAILED_LOGINS``-th failure in a row
    locks the account for ``LOCK_DURATION``; the caller does not count attempts made
    while it is locked. Locks and successful sign-ins are audited.
    """
    now = utcnow()
    if success:
        agent.failed_logins = 0
        agent.locked_until = None
        agent.last_login_at = now
        await record_audit(uow, f"agent:{agent.id}", "agent.login", "agent", agent.id, {"ip": ip})
        return agent
    agent.failed_logins = (agent.failed_logins or 0) + 1
    if agent.failed_logins >= MAX_FAILED_LOGINS:
        agent.locked_until = now + LOCK_DURATION
        await record_audit(
            uow,
            "system",
            "agent.locked",
            "agent",
            agent.id,
            {"ip": ip, "failed_logins": agent.failed_logins},
        )
    await uow.session.flush()
    return agent
