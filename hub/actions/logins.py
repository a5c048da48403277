"""Console sign-in attempts: audited successes, counted failures.

Throttling is ``hub.web.throttle`` (per account, address and pair, with no
lock-out anyone else can trigger); this only keeps the account's record.
"""

from __future__ import annotations

from hub.actions.audit import record_audit
from hub.core import UnitOfWork
from hub.db import utcnow
from hub.models import Agent


async def record_login(uow: UnitOfWork, agent: Agent, *, success: bool, ip: str) -> Agent:
    """Count one sign-in attempt on ``agent`` (loaded in ``uow``'s session).

    A success clears the failure count and is audited; a failure only adds to
    ``failed_logins`` (shown to admins). Nothing here locks the account.
    """
    if success:
        agent.failed_logins = 0
        agent.locked_until = None
        agent.last_login_at = utcnow()
        await record_audit(uow, f"agent:{agent.id}", "agent.login", "agent", agent.id, {"ip": ip})
        return agent
    agent.failed_logins = (agent.failed_logins or 0) + 1
    await uow.session.flush()
    return agent
